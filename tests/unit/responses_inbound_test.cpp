// Responses API inbound (providers/responses_inbound.hpp): a Responses request body → the
// canonical request, the canonical answer → a response object, canonical chunks → Responses
// SSE events.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "api/json_codec.hpp"
#include "providers/responses_inbound.hpp"

namespace {

using gw::api::Json;
namespace rsp = gw::providers::responses;

// `body` read as a Responses request and turned into the canonical one, after `history`.
gw::api::ChatRequest read(std::string_view body, const Json& history = Json::array()) {
  auto call = rsp::read_responses_request(body);
  REQUIRE_MESSAGE(call.has_value(), (call ? "" : call.error().message));
  auto req = rsp::chat_request_for(*call, history);
  REQUIRE_MESSAGE(req.has_value(), (req ? "" : req.error().message));
  return *req;
}

// The 400 a body must get, naming `param`.
gw::Error refused(std::string_view body, std::string_view param) {
  auto call = rsp::read_responses_request(body);
  gw::Error e;
  if (call) {
    auto req = rsp::chat_request_for(*call, Json::array());
    REQUIRE_FALSE(req.has_value());
    e = req.error();
  } else {
    e = call.error();
  }
  CHECK(e.status == 400);
  CHECK(e.param == param);
  return e;
}

// The JSON objects of an SSE text's data lines, and their event names.
std::vector<Json> events(const std::string& sse, std::vector<std::string>* names = nullptr) {
  std::vector<Json> out;
  size_t at = 0;
  while ((at = sse.find("event: ", at)) != std::string::npos) {
    size_t eol = sse.find('\n', at);
    std::string name = sse.substr(at + 7, eol - at - 7);
    size_t data = sse.find("data: ", eol);
    size_t end = sse.find("\n\n", data);
    Json j = Json::parse(sse.substr(data + 6, end - data - 6));
    CHECK(j["type"] == name);  // the event line names the data's type
    if (names) names->push_back(name);
    out.push_back(std::move(j));
    at = end;
  }
  return out;
}

gw::api::ChatChunk chunk() {
  gw::api::ChatChunk c;
  c.id = "chatcmpl-1";
  c.model = "m";
  c.choices.emplace_back();
  return c;
}

}  // namespace

TEST_CASE("responses: a string input is one user message, instructions a system message first") {
  auto r = read(R"({"model":"gpt-x","input":"Hello","instructions":"Be brief."})");
  CHECK(r.model == "gpt-x");
  REQUIRE(r.messages.size() == 2);
  CHECK(r.messages[0].role == "system");
  CHECK(r.messages[0].text == "Be brief.");
  CHECK(r.messages[1].role == "user");
  CHECK(r.messages[1].text == "Hello");
  CHECK_FALSE(r.stream);
}

TEST_CASE("responses: items become chat messages; function calls and outputs pair up") {
  auto r = read(R"({"model":"m","input":[
    {"role":"user","content":[{"type":"input_text","text":"Weather in Oslo?"},
                              {"type":"input_image","image_url":"https://x/y.png","detail":"original"}]},
    {"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Oslo\"}"},
    {"type":"function_call","call_id":"call_2","name":"time","arguments":"{}"},
    {"type":"function_call_output","call_id":"call_1","output":"cold"},
    {"type":"function_call_output","call_id":"call_2","output":[{"type":"input_text","text":"noon"}]},
    {"type":"reasoning","id":"rs_1","summary":[]},
    {"type":"message","role":"assistant","content":[{"type":"output_text","text":"It is cold."}]}
  ]})");
  REQUIRE(r.messages.size() == 5);
  CHECK(r.messages[0].parts.size() == 2);
  CHECK(r.messages[0].parts[1].type == "image_url");
  CHECK(r.messages[0].parts[1].detail == "high");  // "original" has no chat name
  CHECK(r.messages[1].role == "assistant");
  REQUIRE(r.messages[1].tool_calls.size() == 2);  // consecutive calls: one assistant turn
  CHECK(r.messages[1].tool_calls[0].id == "call_1");
  CHECK(r.messages[1].tool_calls[0].arguments == R"({"city":"Oslo"})");
  CHECK(r.messages[1].tool_calls[1].name == "time");
  CHECK(r.messages[2].role == "tool");
  CHECK(r.messages[2].tool_call_id == "call_1");
  CHECK(r.messages[2].text == "cold");
  CHECK(r.messages[3].text == "noon");
  CHECK(r.messages[4].role == "assistant");
  CHECK(r.messages[4].text == "It is cold.");
}

TEST_CASE("responses: settings map to their chat names") {
  auto r = read(R"({"model":"m","input":"x","max_output_tokens":300,"temperature":0.5,
    "top_p":0.9,"parallel_tool_calls":false,"reasoning":{"effort":"low"},"user":"u1",
    "tools":[{"type":"function","name":"weather","description":"d",
              "parameters":{"type":"object","properties":{}},"strict":true}],
    "tool_choice":{"type":"function","name":"weather"},
    "text":{"format":{"type":"json_schema","name":"city","schema":{"type":"object"},"strict":true}},
    "stream":true})");
  CHECK(r.max_completion_tokens == 300);
  CHECK(r.temperature == 0.5);
  CHECK(r.top_p == 0.9);
  CHECK(r.parallel_tool_calls == false);
  CHECK(r.user == "u1");
  REQUIRE(r.tools.size() == 1);
  CHECK(r.tools[0].name == "weather");
  CHECK(r.tools[0].strict == true);
  CHECK(r.tool_choice["function"]["name"] == "weather");
  CHECK(r.response_format["type"] == "json_schema");
  CHECK(r.response_format["json_schema"]["name"] == "city");
  CHECK(r.response_format["json_schema"]["strict"] == true);
  CHECK(r.stream);
  CHECK(r.include_usage);  // a Responses stream always ends with usage
  Json j = gw::api::to_json(r);
  CHECK(j["reasoning_effort"] == "low");
}

TEST_CASE("responses: history comes between instructions and the new input") {
  Json history =
      Json::parse(R"([{"role":"user","content":"a"},{"role":"assistant","content":"b"}])");
  auto r = read(R"({"model":"m","input":"c","instructions":"sys"})", history);
  REQUIRE(r.messages.size() == 4);
  CHECK(r.messages[0].role == "system");
  CHECK(r.messages[1].text == "a");
  CHECK(r.messages[2].text == "b");
  CHECK(r.messages[3].text == "c");
}

TEST_CASE("responses: bad requests name the Responses parameter") {
  refused(R"({"input":"x"})", "model");
  refused(R"({"model":"m"})", "input");
  refused(R"({"model":"m","input":42})", "input");
  refused(R"({"model":"m","input":[{"role":"robot","content":"x"}]})", "input[0].role");
  refused(R"({"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]})",
          "input[0].call_id");
  refused(R"({"model":"m","input":[{"type":"item_reference","id":"x"}]})", "input[0]");
  refused(R"({"model":"m","input":"x","tools":[{"type":"web_search"}]})", "tools[0].type");
  refused(R"({"model":"m","input":"x","conversation":"c1"})", "conversation");
  refused(R"({"model":"m","input":"x","background":true})", "background");
  refused(R"({"model":"m","input":"x","truncation":"auto"})", "truncation");
  refused(R"({"model":"m","input":"x","bogus":1})", "bogus");
  refused(R"({"model":"m","input":"x","text":{"format":{"type":"xml"}}})", "text.format.type");
  // The chat schema's checks, under the Responses names.
  refused(R"({"model":"m","input":"x","max_output_tokens":"many"})", "max_output_tokens");
  refused(R"({"model":"m","input":"x","temperature":7})", "temperature");
  refused(R"({"model":"m","input":[]})", "input");
  auto e = refused(R"({"model":"m","input":"x","previous_response_id":"../etc"})",
                   "previous_response_id");
  CHECK(e.code == "invalid_value");
  refused("{not json", "");
}

TEST_CASE("responses: a finished answer is a response object with items and usage") {
  gw::api::ChatResponse r;
  r.id = "chatcmpl-9";
  gw::api::Choice ch;
  ch.message.role = "assistant";
  ch.message.kind = gw::api::Message::ContentKind::text;
  ch.message.text = "Cold.";
  ch.message.extra["reasoning_content"] = "Think.";
  ch.message.tool_calls.push_back({"call_7", "function", "weather", R"({"city":"Oslo"})"});
  ch.finish_reason = "tool_calls";
  r.choices.push_back(ch);
  r.usage = gw::api::Usage{12, 10, 22, 2, 0, 4};
  auto call = rsp::read_responses_request(R"({"model":"gpt-x","input":"x","temperature":0.2})");
  REQUIRE(call);
  Json o = rsp::response_object({"resp_abc", 1700000000, "gpt-x", &*call, false}, r);
  CHECK(o["id"] == "resp_abc");
  CHECK(o["object"] == "response");
  CHECK(o["status"] == "completed");
  CHECK(o["model"] == "gpt-x");
  CHECK(o["temperature"] == 0.2);
  CHECK(o["store"] == false);
  REQUIRE(o["output"].size() == 3);
  CHECK(o["output"][0]["type"] == "reasoning");
  CHECK(o["output"][0]["summary"][0]["text"] == "Think.");
  CHECK(o["output"][1]["type"] == "message");
  CHECK(o["output"][1]["content"][0]["type"] == "output_text");
  CHECK(o["output"][1]["content"][0]["text"] == "Cold.");
  CHECK(o["output"][2]["type"] == "function_call");
  CHECK(o["output"][2]["call_id"] == "call_7");
  CHECK(o["output"][2]["arguments"] == R"({"city":"Oslo"})");
  CHECK(o["usage"]["input_tokens"] == 12);
  CHECK(o["usage"]["output_tokens"] == 10);
  CHECK(o["usage"]["total_tokens"] == 22);
  CHECK(o["usage"]["input_tokens_details"]["cached_tokens"] == 2);
  CHECK(o["usage"]["output_tokens_details"]["reasoning_tokens"] == 4);

  r.choices[0].finish_reason = "length";
  o = rsp::response_object({"resp_abc", 1, "gpt-x", &*call, false}, r);
  CHECK(o["status"] == "incomplete");
  CHECK(o["incomplete_details"]["reason"] == "max_output_tokens");

  Json m = rsp::assistant_message(r);
  CHECK(m["content"] == "Cold.");
  CHECK(m["tool_calls"][0]["function"]["name"] == "weather");
}

TEST_CASE("responses: a stream of text and a tool call makes the documented event sequence") {
  auto call = rsp::read_responses_request(R"({"model":"gpt-x","input":"x","stream":true})");
  REQUIRE(call);
  rsp::ResponsesStreamWriter w({"resp_s", 5, "gpt-x", &*call, false});
  std::string sse;
  auto c = chunk();
  c.choices[0].role = "assistant";
  c.choices[0].content = "";
  sse += w.on_chunk(c);
  for (const char* piece : {"Let ", "me."}) {
    c = chunk();
    c.choices[0].content = piece;
    sse += w.on_chunk(c);
  }
  c = chunk();
  c.choices[0].tool_calls.push_back({0, "call_1", "function", "weather", std::string("{\"ci")});
  sse += w.on_chunk(c);
  c = chunk();
  c.choices[0].tool_calls.push_back({0, "", "", "", std::string("ty\":\"Oslo\"}")});
  sse += w.on_chunk(c);
  c = chunk();
  c.choices[0].finish_reason = "tool_calls";
  sse += w.on_chunk(c);
  sse += w.finish(gw::api::Usage{5, 7, 12, 0, 0, 0}, "");
  CHECK(w.finish(std::nullopt, "") == "");  // once

  std::vector<std::string> names;
  auto evs = events(sse, &names);
  std::vector<std::string> want = {"response.created",
                                   "response.in_progress",
                                   "response.output_item.added",
                                   "response.content_part.added",
                                   "response.output_text.delta",
                                   "response.output_text.delta",
                                   "response.output_text.done",
                                   "response.content_part.done",
                                   "response.output_item.done",
                                   "response.output_item.added",
                                   "response.function_call_arguments.delta",
                                   "response.function_call_arguments.delta",
                                   "response.function_call_arguments.done",
                                   "response.output_item.done",
                                   "response.completed"};
  CHECK(names == want);
  for (size_t i = 0; i < evs.size(); ++i) CHECK(evs[i]["sequence_number"] == i);
  CHECK(evs[0]["response"]["status"] == "in_progress");
  CHECK(evs[0]["response"]["id"] == "resp_s");
  CHECK(evs[6]["text"] == "Let me.");
  CHECK(evs[9]["output_index"] == 1);
  CHECK(evs[9]["item"]["call_id"] == "call_1");
  CHECK(evs[12]["arguments"] == R"({"city":"Oslo"})");
  const Json& done = evs.back()["response"];
  CHECK(done["status"] == "completed");
  CHECK(done["usage"]["input_tokens"] == 5);
  CHECK(done["usage"]["output_tokens"] == 7);
  REQUIRE(done["output"].size() == 2);
  CHECK(done["output"][0]["content"][0]["text"] == "Let me.");
  CHECK(done["output"][1]["arguments"] == R"({"city":"Oslo"})");
  CHECK(w.final_response() == done);
  Json m = w.assistant_message();
  CHECK(m["content"] == "Let me.");
  CHECK(m["tool_calls"][0]["id"] == "call_1");
}

TEST_CASE("responses: reasoning in a stream is its own item first; a length end is incomplete") {
  auto call = rsp::read_responses_request(R"({"model":"m","input":"x","stream":true})");
  REQUIRE(call);
  rsp::ResponsesStreamWriter w({"resp_r", 5, "m", &*call, false});
  std::string sse;
  auto c = chunk();
  c.choices[0].reasoning = "Hmm.";
  sse += w.on_chunk(c);
  c = chunk();
  c.choices[0].content = "Answer";
  c.choices[0].finish_reason = "length";
  sse += w.on_chunk(c);
  sse += w.finish(std::nullopt, "");
  std::vector<std::string> names;
  auto evs = events(sse, &names);
  CHECK(names[2] == "response.output_item.added");
  CHECK(evs[2]["item"]["type"] == "reasoning");
  CHECK(names[3] == "response.reasoning_summary_part.added");
  CHECK(names[4] == "response.reasoning_summary_text.delta");
  CHECK(evs[4]["delta"] == "Hmm.");
  CHECK(names.back() == "response.incomplete");
  CHECK(evs.back()["response"]["incomplete_details"]["reason"] == "max_output_tokens");
  CHECK(evs.back()["response"]["output"][0]["summary"][0]["text"] == "Hmm.");
  CHECK(evs.back()["response"]["output"][1]["content"][0]["text"] == "Answer");
}

TEST_CASE("responses: an error after the first byte is an error event with code and message") {
  auto call = rsp::read_responses_request(R"({"model":"m","input":"x","stream":true})");
  REQUIRE(call);
  rsp::ResponsesStreamWriter w({"resp_e", 5, "m", &*call, false});
  auto c = chunk();
  c.choices[0].content = "a";
  std::string sse = w.on_chunk(c);
  sse += w.error(gw::Error::upstream(502, "upstream broke", "bad_upstream_response"));
  CHECK(w.finish(std::nullopt, "") == "");
  std::vector<std::string> names;
  auto evs = events(sse, &names);
  CHECK(names.back() == "error");
  CHECK(evs.back()["code"] == "bad_upstream_response");
  CHECK(evs.back()["message"] == "upstream broke");
}
