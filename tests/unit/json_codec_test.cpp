// Canonical OpenAI JSON both ways: request/response/chunk round trips, and the validation
// errors a client sees (status 400, invalid_request_error, the exact `param`).
#include <doctest/doctest.h>

#include <string>

#include "api/json_codec.hpp"

namespace {

using gw::api::ChatChunk;
using gw::api::ChatRequest;
using gw::api::ChatResponse;
using gw::api::Json;
using gw::api::Message;

ChatRequest parse_ok(const std::string& body) {
  auto r = gw::api::parse_chat_request(body);
  REQUIRE_MESSAGE(r.has_value(), (r.has_value() ? std::string() : r.error().message));
  return *r;
}

gw::Error parse_err(const std::string& body) {
  auto r = gw::api::parse_chat_request(body);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
  CHECK(r.error().type == "invalid_request_error");
  CHECK_FALSE(r.error().message.empty());
  return r.error();
}

std::string param_of(const std::string& body) {
  return parse_err(body).param;
}

// A request around `messages` (JSON array text) plus extra top-level members.
std::string req(const std::string& messages, const std::string& extra = "") {
  return R"({"model":"gpt-4o","messages":)" + messages + (extra.empty() ? "" : "," + extra) + "}";
}
const std::string kHi = R"([{"role":"user","content":"hi"}])";

const char* kFullRequest = R"({
  "model": "openai/gpt-4o",
  "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "developer", "content": [{"type": "text", "text": "Rules."}], "name": "dev"},
    {"role": "user", "content": [
      {"type": "text", "text": "What is here?"},
      {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "high"}},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0K"}},
      {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    ], "x_custom": {"a": 1}},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_7Qx", "type": "function",
       "function": {"name": "lookup", "arguments": "{\"q\":\"cat\"}"}},
      {"id": "call_8Ry", "type": "function", "function": {"name": "now", "arguments": "{}"}}
    ]},
    {"role": "tool", "tool_call_id": "call_7Qx", "content": "a cat"},
    {"role": "tool", "tool_call_id": "call_8Ry", "content": [{"type": "text", "text": "noon"}]},
    {"role": "assistant", "content": "It is a cat.", "refusal": "none"}
  ],
  "temperature": 0.7,
  "top_p": 0.9,
  "presence_penalty": 0.5,
  "frequency_penalty": -0.5,
  "max_tokens": 100,
  "max_completion_tokens": 200,
  "n": 2,
  "seed": 42,
  "logprobs": true,
  "top_logprobs": 3,
  "stop": ["END", "STOP"],
  "stream": true,
  "stream_options": {"include_usage": true},
  "tools": [
    {"type": "function", "function": {"name": "lookup", "description": "Find a thing",
      "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
      "strict": true}},
    {"type": "function", "function": {"name": "now"}}
  ],
  "tool_choice": {"type": "function", "function": {"name": "lookup"}},
  "parallel_tool_calls": false,
  "response_format": {"type": "json_object"},
  "user": "alice",
  "metadata": {"task": "polish"},
  "reasoning_effort": "low",
  "x_vendor": {"k": [1, 2, {"deep": null}]}
})";

}  // namespace

TEST_CASE("json: full request parses into typed fields") {
  auto r = parse_ok(kFullRequest);
  CHECK(r.model == "openai/gpt-4o");
  REQUIRE(r.messages.size() == 7);

  CHECK(r.messages[0].role == "system");
  CHECK(r.messages[0].kind == Message::ContentKind::text);
  CHECK(r.messages[0].text == "Be brief.");

  CHECK(r.messages[1].role == "developer");
  CHECK(r.messages[1].kind == Message::ContentKind::parts);
  CHECK(r.messages[1].name == "dev");

  const auto& user = r.messages[2];
  REQUIRE(user.parts.size() == 4);
  CHECK(user.parts[0].type == "text");
  CHECK(user.parts[0].text == "What is here?");
  CHECK(user.parts[1].type == "image_url");
  CHECK(user.parts[1].image_url == "https://example.com/cat.png");
  CHECK(user.parts[1].detail == "high");
  CHECK(user.parts[2].image_url == "data:image/png;base64,iVBORw0K");
  CHECK(user.parts[2].detail == "");
  CHECK(user.parts[3].type == "input_audio");
  CHECK(user.parts[3].raw["input_audio"]["format"] == "wav");
  CHECK(user.extra == Json::parse(R"({"x_custom":{"a":1}})"));
  CHECK(user.all_text() == "What is here?");

  const auto& asst = r.messages[3];
  CHECK(asst.kind == Message::ContentKind::null);
  REQUIRE(asst.tool_calls.size() == 2);
  CHECK(asst.tool_calls[0].id == "call_7Qx");
  CHECK(asst.tool_calls[0].type == "function");
  CHECK(asst.tool_calls[0].name == "lookup");
  CHECK(asst.tool_calls[0].arguments == "{\"q\":\"cat\"}");
  CHECK(asst.tool_calls[1].arguments == "{}");

  CHECK(r.messages[4].role == "tool");
  CHECK(r.messages[4].tool_call_id == "call_7Qx");
  CHECK(r.messages[4].text == "a cat");
  CHECK(r.messages[5].all_text() == "noon");
  REQUIRE(r.messages[6].refusal.has_value());
  CHECK(*r.messages[6].refusal == "none");

  REQUIRE((r.temperature && r.top_p && r.presence_penalty && r.frequency_penalty));
  CHECK(*r.temperature == doctest::Approx(0.7));
  CHECK(*r.top_p == doctest::Approx(0.9));
  CHECK(*r.presence_penalty == doctest::Approx(0.5));
  CHECK(*r.frequency_penalty == doctest::Approx(-0.5));
  CHECK(r.max_tokens == 100);
  CHECK(r.max_completion_tokens == 200);
  CHECK(r.output_limit() == 200);
  CHECK(r.n == 2);
  CHECK(r.seed == 42);
  CHECK(r.logprobs == true);
  CHECK(r.top_logprobs == 3);
  CHECK(r.stop == std::vector<std::string>{"END", "STOP"});
  CHECK(r.stream);
  CHECK(r.include_usage);

  REQUIRE(r.tools.size() == 2);
  CHECK(r.tools[0].name == "lookup");
  CHECK(r.tools[0].description == "Find a thing");
  CHECK(r.tools[0].parameters["required"] == Json::array({"q"}));
  CHECK(r.tools[0].strict == true);
  CHECK(r.tools[1].name == "now");
  CHECK(r.tools[1].parameters.is_null());
  CHECK_FALSE(r.tools[1].strict.has_value());

  CHECK(r.tool_choice == Json::parse(R"({"type":"function","function":{"name":"lookup"}})"));
  CHECK(r.parallel_tool_calls == false);
  CHECK(r.response_format == Json::parse(R"({"type":"json_object"})"));
  CHECK(r.user == "alice");
  CHECK(r.metadata == Json::parse(R"({"task":"polish"})"));
  CHECK(r.reasoning_effort == "low");
  CHECK(r.extra == Json::parse(R"({"x_vendor":{"k":[1,2,{"deep":null}]}})"));
}

TEST_CASE("json: full request round-trips exactly") {
  auto r = parse_ok(kFullRequest);
  Json out = gw::api::to_json(r);
  CHECK(out == Json::parse(kFullRequest));
  // And a second pass is stable.
  CHECK(gw::api::to_json(parse_ok(out.dump())) == out);
}

TEST_CASE("json: a minimal request writes no optional fields") {
  auto r = parse_ok(req(kHi));
  CHECK(gw::api::to_json(r) == Json::parse(req(kHi)));
  CHECK_FALSE(r.temperature.has_value());
  CHECK_FALSE(r.output_limit().has_value());
  CHECK_FALSE(r.stream);
  CHECK_FALSE(r.include_usage);
  CHECK(r.stop.empty());
  CHECK(r.tools.empty());
  CHECK(r.tool_choice.is_null());
  CHECK(r.extra == Json::object());
}

TEST_CASE("json: stop as a string and as an array") {
  auto s = parse_ok(req(kHi, R"("stop":"END")"));
  CHECK(s.stop == std::vector<std::string>{"END"});
  CHECK(gw::api::to_json(s)["stop"] == "END");

  auto a = parse_ok(req(kHi, R"("stop":["a","b","c","d"])"));
  CHECK(a.stop == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(gw::api::to_json(a)["stop"] == Json::parse(R"(["a","b","c","d"])"));

  auto n = parse_ok(req(kHi, R"("stop":null)"));
  CHECK(n.stop.empty());
  CHECK_FALSE(gw::api::to_json(n).contains("stop"));
}

TEST_CASE("json: stream and stream_options") {
  auto with = parse_ok(req(kHi, R"("stream":true,"stream_options":{"include_usage":true})"));
  CHECK(with.stream);
  CHECK(with.include_usage);
  Json j = gw::api::to_json(with);
  CHECK(j["stream"] == true);
  CHECK(j["stream_options"] == Json::parse(R"({"include_usage":true})"));

  auto without = parse_ok(req(kHi, R"("stream":true)"));
  CHECK(without.stream);
  CHECK_FALSE(without.include_usage);
  CHECK_FALSE(gw::api::to_json(without).contains("stream_options"));

  auto off = parse_ok(req(kHi, R"("stream":false)"));
  CHECK_FALSE(off.stream);
  CHECK_FALSE(gw::api::to_json(off).contains("stream"));

  // Setting include_usage on a request writes stream_options (gw always asks upstream).
  without.include_usage = true;
  CHECK(gw::api::to_json(without)["stream_options"]["include_usage"] == true);
}

TEST_CASE("json: stream_options.include_obfuscation is read, checked, written and sent on") {
  auto off = parse_ok(req(
      kHi, R"("stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false})"));
  REQUIRE(off.include_obfuscation.has_value());
  CHECK_FALSE(*off.include_obfuscation);
  CHECK(off.extra.empty());
  CHECK(gw::api::to_json(off)["stream_options"] ==
        Json::parse(R"({"include_usage":true,"include_obfuscation":false})"));
  // Upstream: gw's include_usage still wins, the client's opt-out goes along.
  CHECK(Json::parse(gw::api::serialize_upstream(off, "m", true))["stream_options"] ==
        Json::parse(R"({"include_obfuscation":false,"include_usage":true})"));
  CHECK_FALSE(Json::parse(gw::api::serialize_upstream(off, "m", false)).contains("stream_options"));

  auto absent = parse_ok(req(kHi, R"("stream":true)"));
  CHECK_FALSE(absent.include_obfuscation.has_value());  // OpenAI's default stays its default
  CHECK(Json::parse(gw::api::serialize_upstream(absent, "m", true))["stream_options"] ==
        Json::parse(R"({"include_usage":true})"));

  auto e = parse_err(req(kHi, R"("stream":true,"stream_options":{"include_obfuscation":"no"})"));
  CHECK(e.param == "stream_options.include_obfuscation");
  CHECK(e.code == "invalid_type");
  CHECK(param_of(req(kHi, R"("stream_options":{"include_obfuscation":false})")) ==
        "stream_options");
}

TEST_CASE("json: reasoning_effort is read, checked, written and sent on") {
  for (const char* effort : {"none", "minimal", "low", "medium", "high", "xhigh"}) {
    auto r = parse_ok(req(kHi, std::string(R"("reasoning_effort":")") + effort + "\""));
    CHECK(r.reasoning_effort == effort);
    CHECK(r.extra.empty());  // typed, so not passed through twice
    CHECK(Json::parse(gw::api::serialize_upstream(r, "m", false))["reasoning_effort"] == effort);
  }
  auto absent = parse_ok(req(kHi));
  CHECK_FALSE(absent.reasoning_effort.has_value());
  CHECK_FALSE(
      Json::parse(gw::api::serialize_upstream(absent, "m", false)).contains("reasoning_effort"));
  CHECK_FALSE(parse_ok(req(kHi, R"("reasoning_effort":null)")).reasoning_effort.has_value());

  auto bad = parse_err(req(kHi, R"("reasoning_effort":"max")"));
  CHECK(bad.param == "reasoning_effort");
  CHECK(bad.code == "invalid_value");
  CHECK(bad.message.find("'max'") != std::string::npos);
  CHECK(bad.message.find("'xhigh'") != std::string::npos);
  auto typed = parse_err(req(kHi, R"("reasoning_effort":3)"));
  CHECK(typed.param == "reasoning_effort");
  CHECK(typed.code == "invalid_type");
  // A hostile value is echoed bounded and printable.
  auto hostile = parse_err(req(kHi, R"("reasoning_effort":"\n)" + std::string(5000, 'x') + "\""));
  CHECK(hostile.message.size() < 300);
  CHECK(hostile.message.find('\n') == std::string::npos);
}

TEST_CASE("json: a bare string image_url is accepted and written as an object") {
  auto r = parse_ok(req(
      R"([{"role":"user","content":[{"type":"image_url","image_url":"https://x.test/a.png"}]}])"));
  REQUIRE(r.messages[0].parts.size() == 1);
  CHECK(r.messages[0].parts[0].image_url == "https://x.test/a.png");
  CHECK(gw::api::to_json(r.messages[0])["content"][0] ==
        Json::parse(R"({"type":"image_url","image_url":{"url":"https://x.test/a.png"}})"));
}

TEST_CASE("json: tool-call arguments given as an object become their JSON text") {
  auto r = parse_ok(req(
      R"([{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":{"x":1}}}]}])"));
  REQUIRE(r.messages[0].tool_calls.size() == 1);
  CHECK(r.messages[0].tool_calls[0].arguments == "{\"x\":1}");
}

TEST_CASE("json: function_call and unknown fields are kept in extra") {
  auto r = parse_ok(req(kHi, R"("function_call":"auto","functions":[{"name":"f"}])"));
  CHECK(r.extra == Json::parse(R"({"function_call":"auto","functions":[{"name":"f"}]})"));
  Json j = gw::api::to_json(r);
  CHECK(j["function_call"] == "auto");
  CHECK(j["functions"] == Json::parse(R"([{"name":"f"}])"));
}

TEST_CASE("json: chat response round trip with usage details") {
  const char* text = R"({
    "id": "chatcmpl-9fA2", "object": "chat.completion", "created": 1735689600,
    "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_1a2b3c",
    "service_tier": "default",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "A cat.",
      "refusal": null, "annotations": []}, "logprobs": null, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 31, "completion_tokens": 13, "total_tokens": 44,
      "prompt_tokens_details": {"cached_tokens": 16},
      "completion_tokens_details": {"reasoning_tokens": 10}}})";
  auto r = gw::api::chat_response_from_json(Json::parse(text));
  REQUIRE(r.has_value());
  CHECK(r->id == "chatcmpl-9fA2");
  CHECK(r->created == 1735689600);
  CHECK(r->model == "gpt-4o-mini-2024-07-18");
  CHECK(r->system_fingerprint == "fp_1a2b3c");
  CHECK(r->service_tier == "default");
  REQUIRE(r->choices.size() == 1);
  CHECK(r->choices[0].message.role == "assistant");
  CHECK(r->choices[0].message.text == "A cat.");
  CHECK(r->choices[0].finish_reason == "stop");
  REQUIRE(r->usage.has_value());
  CHECK(r->usage->prompt_tokens == 31);
  CHECK(r->usage->completion_tokens == 13);
  CHECK(r->usage->total_tokens == 44);
  CHECK(r->usage->cached_tokens == 16);
  CHECK(r->usage->reasoning_tokens == 10);
  CHECK(gw::api::to_json(*r) == Json::parse(text));
}

TEST_CASE("json: chat response with tool calls, null finish_reason and no usage") {
  const char* text = R"({
    "id": "c2", "object": "chat.completion", "created": 1, "model": "m",
    "choices": [
      {"index": 0, "message": {"role": "assistant", "content": null, "refusal": null,
        "tool_calls": [{"id": "call_1", "type": "function",
          "function": {"name": "lookup", "arguments": "{\"q\":\"cat\"}"}}]},
       "logprobs": null, "finish_reason": "tool_calls"},
      {"index": 1, "message": {"role": "assistant", "content": "x", "refusal": null},
       "logprobs": null, "finish_reason": null}]})";
  auto r = gw::api::chat_response_from_json(Json::parse(text));
  REQUIRE(r.has_value());
  REQUIRE(r->choices.size() == 2);
  CHECK(r->choices[0].message.tool_calls.at(0).arguments == "{\"q\":\"cat\"}");
  CHECK(r->choices[1].index == 1);
  CHECK(r->choices[1].finish_reason == "");
  CHECK_FALSE(r->usage.has_value());
  Json out = gw::api::to_json(*r);
  CHECK(out == Json::parse(text));
  CHECK(out["choices"][1]["finish_reason"].is_null());
}

TEST_CASE("json: usage without total_tokens sums, and to_json writes the details") {
  auto u = gw::api::usage_from_openai(Json::parse(R"({"prompt_tokens":7,"completion_tokens":5})"));
  CHECK(u.prompt_tokens == 7);
  CHECK(u.completion_tokens == 5);
  CHECK(u.total_tokens == 12);
  CHECK(u.cached_tokens == 0);
  CHECK(gw::api::to_json(u) ==
        Json::parse(R"({"prompt_tokens":7,"completion_tokens":5,"total_tokens":12,
          "prompt_tokens_details":{"cached_tokens":0},
          "completion_tokens_details":{"reasoning_tokens":0}})"));
  CHECK(gw::api::usage_from_openai(Json(nullptr)).total_tokens == 0);
}

TEST_CASE("json: not a chat completion is a 502") {
  auto r = gw::api::chat_response_from_json(Json::parse(R"({"id":"x"})"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 502);
  CHECK(r.error().code == "bad_upstream_response");
  auto c = gw::api::chat_chunk_from_json(Json::parse("[1]"));
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().status == 502);
}

TEST_CASE("json: chunks round trip (role, content, tool-call deltas, finish, usage)") {
  const char* texts[] = {
      // role chunk
      R"({"id":"chatcmpl-9fA3","object":"chat.completion.chunk","created":1735689600,
          "model":"gpt-4o-mini","system_fingerprint":"fp_1a2b3c",
          "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,
          "finish_reason":null}],"usage":null})",
      // content chunk
      R"({"id":"chatcmpl-9fA3","object":"chat.completion.chunk","created":1735689600,
          "model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hel"},
          "logprobs":null,"finish_reason":null}],"usage":null})",
      // first tool-call fragment with the role: content is null
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
          "choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[
          {"index":0,"id":"call_7Qx","type":"function","function":{"name":"lookup",
          "arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null})",
      // argument fragments of two interleaved calls
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
          "choices":[{"index":0,"delta":{"tool_calls":[
          {"index":1,"function":{"arguments":"{\"q\":"}},
          {"index":0,"function":{"arguments":"\"cat\"}"}}]},"logprobs":null,
          "finish_reason":null}],"usage":null})",
      // finish chunk
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
          "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],
          "usage":null})",
      // usage chunk
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],
          "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,
          "prompt_tokens_details":{"cached_tokens":4},
          "completion_tokens_details":{"reasoning_tokens":1}}})",
  };
  for (const char* t : texts) {
    CAPTURE(t);
    auto c = gw::api::chat_chunk_from_json(Json::parse(t));
    REQUIRE(c.has_value());
    CHECK(gw::api::to_json(*c) == Json::parse(t));
  }

  auto role = *gw::api::chat_chunk_from_json(Json::parse(texts[0]));
  REQUIRE(role.choices.size() == 1);
  CHECK(role.choices[0].role == "assistant");
  CHECK(role.choices[0].content == "");
  CHECK(role.choices[0].finish_reason == "");
  CHECK_FALSE(role.usage.has_value());

  auto first = *gw::api::chat_chunk_from_json(Json::parse(texts[2]));
  REQUIRE(first.choices[0].tool_calls.size() == 1);
  const auto& td = first.choices[0].tool_calls[0];
  CHECK(td.index == 0);
  CHECK(td.id == "call_7Qx");
  CHECK(td.type == "function");
  CHECK(td.name == "lookup");
  CHECK(td.arguments == "");
  CHECK_FALSE(first.choices[0].content.has_value());

  auto frag = *gw::api::chat_chunk_from_json(Json::parse(texts[3]));
  REQUIRE(frag.choices[0].tool_calls.size() == 2);
  CHECK(frag.choices[0].tool_calls[0].index == 1);
  CHECK(frag.choices[0].tool_calls[0].id == "");
  CHECK(frag.choices[0].tool_calls[0].name == "");
  CHECK(frag.choices[0].tool_calls[0].arguments == "{\"q\":");
  CHECK(frag.choices[0].tool_calls[1].arguments == "\"cat\"}");

  auto usage = *gw::api::chat_chunk_from_json(Json::parse(texts[5]));
  CHECK(usage.choices.empty());
  REQUIRE(usage.usage.has_value());
  CHECK(usage.usage->cached_tokens == 4);
  CHECK(usage.usage->reasoning_tokens == 1);
  CHECK(usage.usage->total_tokens == 11);
}

TEST_CASE("json: a chunk built in code writes finish_reason and usage as null") {
  ChatChunk c;
  c.id = "x";
  c.model = "m";
  gw::api::ChunkChoice ch;
  ch.content = "hi";
  c.choices.push_back(ch);
  Json j = gw::api::to_json(c);
  CHECK(j["object"] == "chat.completion.chunk");
  CHECK(j["choices"][0]["finish_reason"].is_null());
  CHECK(j["choices"][0]["delta"] == Json::parse(R"({"content":"hi"})"));
  CHECK(j["usage"].is_null());
  CHECK_FALSE(j.contains("system_fingerprint"));
}

TEST_CASE("json: validation errors name the param") {
  SUBCASE("malformed JSON") {
    auto e = parse_err(R"({"model":"gpt-4o","messages":[)");
    CHECK(e.param == "");
  }
  SUBCASE("body not an object") {
    CHECK(param_of("[1,2]") == "");
    CHECK(param_of("\"hi\"") == "");
  }
  SUBCASE("missing, empty or non-string model") {
    auto e = parse_err(R"({"messages":[{"role":"user","content":"hi"}]})");
    CHECK(e.param == "model");
    CHECK(e.code == "missing_required_parameter");
    CHECK(param_of(R"({"model":"","messages":[{"role":"user","content":"hi"}]})") == "model");
    CHECK(param_of(R"({"model":5,"messages":[{"role":"user","content":"hi"}]})") == "model");
  }
  SUBCASE("missing, null, empty or non-array messages") {
    auto missing = parse_err(R"({"model":"gpt-4o"})");
    CHECK(missing.param == "messages");
    CHECK(missing.code == "missing_required_parameter");
    CHECK(param_of(R"({"model":"gpt-4o","messages":null})") == "messages");
    auto empty = parse_err(R"({"model":"gpt-4o","messages":[]})");
    CHECK(empty.param == "messages");
    CHECK(empty.code == "empty_array");
    auto notarr = parse_err(R"({"model":"gpt-4o","messages":"hi"})");
    CHECK(notarr.param == "messages");
    CHECK(notarr.code == "invalid_type");
  }
  SUBCASE("bad or missing role") {
    auto e = parse_err(req(R"([{"role":"user","content":"a"},{"role":"robot","content":"b"}])"));
    CHECK(e.param == "messages[1].role");
    CHECK(e.code == "invalid_value");
    CHECK(param_of(req(R"([{"content":"b"}])")) == "messages[0].role");
    CHECK(param_of(req(R"([{"role":7,"content":"b"}])")) == "messages[0].role");
    CHECK(param_of(req(R"(["hi"])")) == "messages[0]");
  }
  SUBCASE("wrong content types") {
    CHECK(param_of(req(R"([{"role":"user","content":5}])")) == "messages[0].content");
    CHECK(param_of(req(R"([{"role":"user","content":[{"text":"x"}]}])")) ==
          "messages[0].content[0].type");
    CHECK(param_of(req(R"([{"role":"user","content":[{"type":"text","text":1}]}])")) ==
          "messages[0].content[0].text");
    CHECK(
        param_of(req(
            R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"detail":"low"}}]}])")) ==
        "messages[0].content[1].image_url");
    CHECK(param_of(req(R"([{"role":"assistant","tool_calls":{}}])")) == "messages[0].tool_calls");
    CHECK(param_of(req(R"([{"role":"assistant","tool_calls":[{"id":"c"}]}])")) ==
          "messages[0].tool_calls[0].function");
  }
  SUBCASE("temperature as a string") {
    auto e = parse_err(req(kHi, R"("temperature":"0.5")"));
    CHECK(e.param == "temperature");
    CHECK(e.code == "invalid_type");
  }
  SUBCASE("temperature out of range") {
    auto hi = parse_err(req(kHi, R"("temperature":2.5)"));
    CHECK(hi.param == "temperature");
    CHECK(hi.code == "decimal_out_of_range");
    CHECK(param_of(req(kHi, R"("temperature":-0.1)")) == "temperature");
    CHECK(parse_ok(req(kHi, R"("temperature":2)")).temperature == 2.0);
    CHECK(parse_ok(req(kHi, R"("temperature":0)")).temperature == 0.0);
  }
  SUBCASE("top_p out of range") {
    CHECK(param_of(req(kHi, R"("top_p":1.5)")) == "top_p");
  }
  SUBCASE("other wrong types") {
    CHECK(param_of(req(kHi, R"("max_tokens":"10")")) == "max_tokens");
    CHECK(param_of(req(kHi, R"("max_tokens":1.5)")) == "max_tokens");
    CHECK(parse_ok(req(kHi, R"("max_tokens":16.0)")).max_tokens == 16);
    CHECK(param_of(req(kHi, R"("max_tokens":0)")) == "max_tokens");
    CHECK(param_of(req(kHi, R"("max_completion_tokens":0)")) == "max_completion_tokens");
    CHECK(param_of(req(kHi, R"("n":0)")) == "n");
    CHECK(param_of(req(kHi, R"("stream":"yes")")) == "stream");
    CHECK(param_of(req(kHi, R"("logprobs":1)")) == "logprobs");
    CHECK(param_of(req(kHi, R"("seed":"x")")) == "seed");
    // Just past int64 either way: never wrapped or rounded into range on the way upstream.
    for (const char* big : {R"("seed":-9223372036854775809)", R"("seed":9223372036854775808)",
                            R"("seed":18446744073709551615)", R"("seed":1e300)"})
      CHECK(parse_err(req(kHi, big)).code == "integer_out_of_range");
    CHECK(parse_ok(req(kHi, R"("seed":-9223372036854775808)")).seed == INT64_MIN);
    CHECK(param_of(req(kHi, R"("user":5)")) == "user");
    CHECK(param_of(req(kHi, R"("tools":{})")) == "tools");
    CHECK(param_of(req(kHi, R"("tools":[{"type":"function"}])")) == "tools[0].function");
    CHECK(param_of(req(kHi, R"("tools":[{"type":"function","function":{"name":""}}])")) ==
          "tools[0].function.name");
    CHECK(param_of(req(kHi, R"("tool_choice":5)")) == "tool_choice");
    CHECK(param_of(req(kHi, R"("response_format":{"json_schema":{}})")) == "response_format");
    CHECK(param_of(req(kHi, R"("metadata":[1])")) == "metadata");
    CHECK(param_of(req(kHi, R"("stream":true,"stream_options":true)")) == "stream_options");
  }
  SUBCASE("stream_options without stream") {
    auto e = parse_err(req(kHi, R"("stream_options":{"include_usage":true})"));
    CHECK(e.param == "stream_options");
    CHECK(param_of(req(kHi, R"("stream":false,"stream_options":{"include_usage":true})")) ==
          "stream_options");
  }
  SUBCASE("tool message without tool_call_id") {
    auto e = parse_err(req(R"([{"role":"user","content":"a"},{"role":"tool","content":"r"}])"));
    CHECK(e.param == "messages[1].tool_call_id");
    CHECK(e.code == "missing_required_parameter");
  }
  SUBCASE("more than 4 stop sequences") {
    auto e = parse_err(req(kHi, R"("stop":["a","b","c","d","e"])"));
    CHECK(e.param == "stop");
    CHECK(e.code == "array_above_max_length");
    CHECK(param_of(req(kHi, R"("stop":["a",1])")) == "stop");
    CHECK(param_of(req(kHi, R"("stop":5)")) == "stop");
  }
}

TEST_CASE("json: max_completion_tokens below 1 is named even when max_tokens is valid") {
  auto e = parse_err(req(kHi, R"("max_tokens":100,"max_completion_tokens":0)"));
  CHECK(e.param == "max_completion_tokens");
}

TEST_CASE("json: penalties and top_logprobs out of range") {
  // OpenAI answers 400 for these, and so does gw, naming the param (docs/PROTOCOLS.md §3.2).
  auto param = [](const std::string& body) {
    auto r = gw::api::parse_chat_request(body);
    return r.has_value() ? std::string("<accepted>") : r.error().param;
  };
  CHECK(param(req(kHi, R"("presence_penalty":2.5)")) == "presence_penalty");
  CHECK(param(req(kHi, R"("frequency_penalty":-3)")) == "frequency_penalty");
  CHECK(param(req(kHi, R"("top_logprobs":21)")) == "top_logprobs");
}

TEST_CASE("json: error_to_json shape") {
  auto plain = gw::api::error_to_json(gw::Error::bad_request("bad thing"));
  CHECK(plain == Json::parse(R"({"error":{"message":"bad thing","type":"invalid_request_error",
                                 "param":null,"code":null}})"));
  auto full = gw::api::error_to_json(gw::Error::bad_request("m", "messages[0].role", "x_code"));
  CHECK(full == Json::parse(R"({"error":{"message":"m","type":"invalid_request_error",
                                "param":"messages[0].role","code":"x_code"}})"));
  gw::Error untyped;
  untyped.message = "oops";
  CHECK(gw::api::error_to_json(untyped)["error"]["type"] == "server_error");
  CHECK(gw::api::error_body(gw::Error::not_found("no such model")) ==
        R"({"error":{"code":"model_not_found","message":"no such model","param":null,)"
        R"("type":"invalid_request_error"}})");
}

TEST_CASE("json: dump replaces invalid UTF-8 instead of throwing") {
  std::string s;
  CHECK_NOTHROW(s = gw::api::dump(Json("a\xff"
                                       "b")));
  CHECK(s ==
        "\"a\xEF\xBF\xBD"
        "b\"");
}

TEST_CASE("json: a non-string id or model from upstream is an error, not an exception") {
  // Upstream JSON is untrusted; json::value("id", "") throws type_error.302 on a number.
  Json resp = Json::parse(R"({"id":5,"model":"m","choices":[]})");
  CHECK_NOTHROW((void)gw::api::chat_response_from_json(resp));
  Json chunk = Json::parse(R"({"id":"c","model":7,"choices":[]})");
  CHECK_NOTHROW((void)gw::api::chat_chunk_from_json(chunk));
}
