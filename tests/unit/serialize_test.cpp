// serialize() writes what dump(to_json(x)) writes, and an upstream request keeps the rules
// OpenAI-compatible servers rely on (gw's model and stream fields win, usage asked for).
#include <doctest/doctest.h>

#include <set>

#include <random>
#include <string>

#include "api/json_codec.hpp"

namespace {

using gw::api::ChatChunk;
using gw::api::ChatRequest;
using gw::api::ChatResponse;
using gw::api::Json;

// Strings that need every kind of care.
std::vector<std::string> tricky_strings() {
  std::vector<std::string> v = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD",
      std::string("nul \0 inside", 12),
      "\x7f del",
      "invalid \xff byte",
      "truncated \xE2\x82",
      "overlong \xC0\xAF",
      "surrogate \xED\xA0\x80 half",
      "\xF4\x90\x80\x80 too high",
      "\xE2\x82\xAC\xE2",
      "a long run of plain text, longer than eight bytes at a time, then \"q\"",
  };
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  v.push_back(controls);
  return v;
}

TEST_CASE("serialize escapes every string and replaces invalid UTF-8: the text always parses") {
  std::mt19937 rng(7);
  const char alphabet[] = {'a',    '"',    '\\',   '\n',   '\x01', '\x1f', '\x7f', '\xC3',
                           '\xA9', '\xE2', '\x82', '\xAC', '\xF0', '\x9F', '\xff', ' '};
  auto strings = tricky_strings();
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    size_t n = rng() % 24;
    for (size_t k = 0; k < n; ++k) s += alphabet[rng() % sizeof alphabet];
    strings.push_back(s);
  }
  for (const auto& s : strings) {
    CAPTURE(s);
    ChatChunk c;
    gw::api::ChunkChoice ch;
    ch.content = s;
    c.choices.push_back(ch);
    auto back = Json::parse(gw::api::serialize(c), nullptr, false);
    REQUIRE_FALSE(back.is_discarded());
    bool valid_utf8 = true;
    try {
      (void)Json(s).dump();
    } catch (const Json::exception&) {
      valid_utf8 = false;
    }
    const Json& content = back["choices"][0]["delta"]["content"];
    REQUIRE(content.is_string());
    if (valid_utf8) CHECK(content.get<std::string>() == s);  // else bytes became U+FFFD
    CHECK(gw::api::serialize(c) == gw::api::dump(gw::api::to_json(c)));
  }
}

TEST_CASE("serialize(ChatChunk) == dump(to_json(chunk))") {
  const char* texts[] = {
      R"({"id":"chatcmpl-9fA3","created":1735689600,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})",
      R"({"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_7Qx","type":"function","function":{"name":"lookup","arguments":""}}]}}]})",
      R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"q\":"}},{"index":0,"function":{"name":"n"}},{"index":2,"function":{}}]}}]})",
      R"({"id":"c","choices":[{"index":1,"delta":{"refusal":"no"},"finish_reason":"stop","logprobs":{"content":[{"token":"a","logprob":-0.5}]}}]})",
      R"({"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}})",
  };
  for (const char* t : texts) {
    CAPTURE(t);
    auto c = gw::api::chat_chunk_from_json(Json::parse(t));
    REQUIRE(c.has_value());
    CHECK(gw::api::serialize(*c) == gw::api::dump(gw::api::to_json(*c)));
  }
  for (const auto& s : tricky_strings()) {
    CAPTURE(s);
    ChatChunk c;
    c.id = s;
    c.model = s;
    c.system_fingerprint = s;
    c.created = -5;
    gw::api::ChunkChoice ch;
    ch.content = s;
    ch.role = s;
    ch.refusal = s;
    ch.finish_reason = s;
    gw::api::ToolCallDelta td;
    td.id = s;
    td.name = s;
    td.type = s;
    td.arguments = s;
    td.index = 3;
    ch.tool_calls.push_back(td);
    c.choices.push_back(ch);
    c.choices.push_back(gw::api::ChunkChoice{});
    CHECK(gw::api::serialize(c) == gw::api::dump(gw::api::to_json(c)));
  }
}

TEST_CASE("serialize(ChatResponse) == dump(to_json(response))") {
  const char* texts[] = {
      R"({"id":"chatcmpl-9fA2","object":"chat.completion","created":1735689600,"model":"gpt-4o-mini","system_fingerprint":"fp_1a2b3c","service_tier":"default","choices":[{"index":0,"message":{"role":"assistant","content":"A cat.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":3,"total_tokens":34}})",
      R"({"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}]})",
      // extra members before, between and after the typed ones, and overriding one ("name": 5)
      R"({"id":"c","choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"t"},{"type":"image_url","image_url":{"url":"u","detail":"low"}},{"type":"image_url","image_url":"v"},{"type":"audio","x":1}],"aaa":1,"name":5,"refusal_x":2,"zzz":[3],"r\u00e9":4,"tool_call_id":"t"}}]})",
      R"({"id":"c","choices":[{"message":{"role":"assistant","content":"x","refusal":"no","tool_calls":[]}},{"message":null}]})",
      R"({"choices":[{"message":{"role":"assistant","refusal":5}}]})",
  };
  for (const char* t : texts) {
    CAPTURE(t);
    auto r = gw::api::chat_response_from_json(Json::parse(t));
    REQUIRE(r.has_value());
    CHECK(gw::api::serialize(*r) == gw::api::dump(gw::api::to_json(*r)));
  }
  for (const auto& s : tricky_strings()) {
    CAPTURE(s);
    ChatResponse r;
    r.id = r.model = r.system_fingerprint = r.service_tier = s;
    gw::api::Choice c;
    c.message = gw::api::Message::plain("assistant", s);
    c.message.name = s;
    c.message.tool_calls.push_back({s, s, s, s});
    c.finish_reason = s;
    r.choices.push_back(c);
    r.usage = gw::api::Usage{1, 2, 3, 4, 5, 6};
    CHECK(gw::api::serialize(r) == gw::api::dump(gw::api::to_json(r)));
  }
}

const char* kRequest = R"({
  "model": "openai/gpt-4o",
  "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "developer", "content": [{"type": "text", "text": "Rules."}], "name": "dev"},
    {"role": "user", "content": [
      {"type": "text", "text": "What is here?"},
      {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "high"}},
      {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    ], "x_custom": {"a": 1}},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_7Qx", "type": "function",
       "function": {"name": "lookup", "arguments": "{\"q\":\"cat\"}"}}]},
    {"role": "tool", "tool_call_id": "call_7Qx", "content": "a cat"},
    {"role": "assistant", "content": "It is a cat.", "refusal": "none"}
  ],
  "temperature": 0.2, "top_p": 1, "presence_penalty": -0.5, "frequency_penalty": 0.1,
  "max_tokens": 100, "max_completion_tokens": 200, "n": 1, "seed": -7,
  "logprobs": true, "top_logprobs": 3,
  "stop": ["\n\n", "END"], "stream": true, "stream_options": {"include_usage": true},
  "tools": [{"type": "function", "function": {"name": "lookup", "description": "Find",
    "parameters": {"type": "object"}, "strict": false}}, {"type": "function", "function": {"name": "now"}}],
  "tool_choice": "auto", "parallel_tool_calls": false, "response_format": {"type": "json_object"},
  "user": "u-1", "metadata": {"task": "polish"},
  "aaa_first": 1, "store": true, "mmm": null, "zzz_last": [1], "function_call": "auto"
})";

// What the OpenAI adapter's build_request wrote before it used serialize_upstream.
std::string old_upstream_body(const ChatRequest& req, const std::string& model, bool stream) {
  Json body = gw::api::to_json(req);
  body["model"] = model;
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  } else {
    body.erase("stream");
    body.erase("stream_options");
  }
  return gw::api::dump(body);
}

TEST_CASE("serialize(ChatRequest) and serialize_upstream match the Json path") {
  std::vector<ChatRequest> reqs;
  for (const char* t : {kRequest, R"({"model":"m","messages":[{"role":"user","content":"hi"}]})",
                        R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":"END",
                            "stream":true})"}) {
    auto r = gw::api::parse_chat_request(t);
    REQUIRE(r.has_value());
    reqs.push_back(*r);
  }
  // Built in code: extra members named like typed ones (they win in to_json, lose upstream).
  ChatRequest odd = reqs[1];
  odd.extra["model"] = "from-extra";
  odd.extra["stream"] = "s";
  odd.extra["stream_options"] = 1;
  odd.extra["temperature"] = "warm";
  odd.temperature = 0.5;
  odd.messages[0].extra["content"] = "extra content";
  odd.messages[0].text = "tricky \x01 \xff \"";
  reqs.push_back(odd);
  for (const auto& r : reqs) {
    CHECK(gw::api::serialize(r) == gw::api::dump(gw::api::to_json(r)));
    // The same JSON value member for member (the direct writer keeps the description's
    // order of members, nlohmann's tree sorted them).
    for (bool stream : {false, true}) {
      std::string body = gw::api::serialize_upstream(r, "gpt-x", stream);
      CHECK(Json::parse(body) == Json::parse(old_upstream_body(r, "gpt-x", stream)));
      // ... and no member twice (a parse keeps the last of two, which equality would hide).
      std::vector<std::set<std::string>> seen;
      bool twice = false;
      Json tree = Json::parse(body, [&](int, Json::parse_event_t e, Json& v) {
        if (e == Json::parse_event_t::object_start) seen.emplace_back();
        if (e == Json::parse_event_t::object_end) seen.pop_back();
        if (e == Json::parse_event_t::key)
          twice |= !seen.back().insert(v.get<std::string>()).second;
        return true;
      });
      CHECK_FALSE(tree.is_discarded());
      CHECK_FALSE(twice);
    }
  }
}

}  // namespace
