// The DOM-free readers (api/fast_parse, api/json_scan) against the nlohmann path they stand
// in for. The invariant, checked on hand-written texts and on every truncation and many byte
// mutations of them: when a fast reader accepts a text, nlohmann accepts it too and the
// json_codec function gives the same value; when nlohmann rejects it, the fast reader declines.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api/fast_parse.hpp"
#include "api/json_codec.hpp"
#include "api/json_scan.hpp"

namespace {

using gw::api::ChatChunk;
using gw::api::Json;

// Every field, compared one by one (to_json would hide nothing either, but this says which).
void check_same(const ChatChunk& a, const ChatChunk& b) {
  CHECK(a.id == b.id);
  CHECK(a.created == b.created);
  CHECK(a.model == b.model);
  CHECK(a.system_fingerprint == b.system_fingerprint);
  REQUIRE(a.usage.has_value() == b.usage.has_value());
  if (a.usage) {
    CHECK(a.usage->prompt_tokens == b.usage->prompt_tokens);
    CHECK(a.usage->completion_tokens == b.usage->completion_tokens);
    CHECK(a.usage->total_tokens == b.usage->total_tokens);
    CHECK(a.usage->cached_tokens == b.usage->cached_tokens);
    CHECK(a.usage->reasoning_tokens == b.usage->reasoning_tokens);
  }
  REQUIRE(a.choices.size() == b.choices.size());
  for (size_t i = 0; i < a.choices.size(); ++i) {
    const auto& x = a.choices[i];
    const auto& y = b.choices[i];
    CHECK(x.index == y.index);
    CHECK(x.role == y.role);
    CHECK(x.content == y.content);
    CHECK(x.refusal == y.refusal);
    CHECK(x.finish_reason == y.finish_reason);
    CHECK(x.logprobs == y.logprobs);
    REQUIRE(x.tool_calls.size() == y.tool_calls.size());
    for (size_t k = 0; k < x.tool_calls.size(); ++k) {
      CHECK(x.tool_calls[k].index == y.tool_calls[k].index);
      CHECK(x.tool_calls[k].id == y.tool_calls[k].id);
      CHECK(x.tool_calls[k].type == y.tool_calls[k].type);
      CHECK(x.tool_calls[k].name == y.tool_calls[k].name);
      CHECK(x.tool_calls[k].arguments == y.tool_calls[k].arguments);
    }
  }
}

// The decoder's rule: nlohmann parse, an error object goes elsewhere, else chat_chunk_from_json.
std::optional<ChatChunk> slow_chunk(const std::string& t) {
  Json j = Json::parse(t, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  if (j.is_object())
    if (auto e = j.find("error"); e != j.end() && !e->is_null()) return std::nullopt;
  auto c = gw::api::chat_chunk_from_json(j);
  if (!c) return std::nullopt;
  return *c;
}

// Returns whether the fast reader accepted (for the tests that want it to).
bool agree_chunk(const std::string& t) {
  CAPTURE(t);
  auto fast = gw::api::fast_chat_chunk(t);
  auto slow = slow_chunk(t);
  if (fast) {
    REQUIRE(slow.has_value());
    check_same(*fast, *slow);
  }
  return fast.has_value();
}

bool agree_response(const std::string& t) {
  CAPTURE(t);
  auto fast = gw::api::fast_chat_response(t);
  if (!fast) return false;
  Json j = Json::parse(t, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  auto slow = gw::api::chat_response_from_json(j);
  REQUIRE(slow.has_value());
  CHECK(gw::api::to_json(*fast) == gw::api::to_json(*slow));
  return true;
}

bool agree_request(const std::string& t) {
  CAPTURE(t);
  auto fast = gw::api::fast_chat_request(t);
  if (!fast) return false;
  Json j = Json::parse(t, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  auto slow = gw::api::chat_request_from_json(j);
  REQUIRE_MESSAGE(slow.has_value(), slow.error().message);
  CHECK(gw::api::to_json(*fast) == gw::api::to_json(*slow));
  CHECK(fast->include_usage == slow->include_usage);
  CHECK(fast->stream == slow->stream);
  return true;
}

// Every prefix, and each position replaced by a few troublesome bytes.
template <class Agree>
void mutate_all(const std::string& t, Agree agree) {
  for (size_t n = 0; n < t.size(); ++n) agree(t.substr(0, n));
  static const char kBytes[] = {'"', '\\', '}', ']', ',', ':', '0', 'n', '\x01', '\xff', ' '};
  for (size_t i = 0; i < t.size(); ++i)
    for (char b : kBytes) {
      std::string m = t;
      m[i] = b;
      agree(m);
    }
}

const std::vector<std::string> kChunks = {
    // role chunk, as OpenAI sends it
    R"({"id":"chatcmpl-9fA3","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_1a2b3c","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x1"})",
    // content
    R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null})",
    // "usage" and "error" only inside content text, escaped quotes around them
    R"({"id":"c","choices":[{"index":0,"delta":{"content":"\"usage\":{\"prompt_tokens\":5},\"error\":{}"}}]})",
    // unicode escapes, a surrogate pair, every short escape
    R"({"id":"c","choices":[{"index":0,"delta":{"content":"caf\u00e9 \ud83d\ude00 \n\t\r\b\f\\\/\" \u0000"}}]})",
    // raw multi-byte UTF-8: é, €, 😀, 中文
    "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"caf\xC3\xA9 \xE2\x82\xAC "
    "\xF0\x9F\x98\x80 \xE4\xB8\xAD\xE6\x96\x87\"}}]}",
    // whitespace everywhere, pretty-printed
    "  {\n \"id\" : \"c\" ,\r\n\t\"choices\" : [ { \"index\" : 0 , \"delta\" : { \"content\" : "
    "\"a\" } , \"finish_reason\" : null } ] , \"usage\" : null }\n ",
    // usage first, then nested unknown members that mention usage and choices
    R"({"usage":null,"x":{"usage":{"prompt_tokens":1},"choices":[1,{"a":[true,false,null,-1.5e3]}]},"id":"c","choices":[]})",
    // the usage chunk
    R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":1,"accepted_prediction_tokens":0}}})",
    // usage without total, null details
    R"({"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":null}})",
    // tool calls: first fragment with role, then interleaved argument pieces
    R"({"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_7Qx","type":"function","function":{"name":"lookup","arguments":""}}]},"finish_reason":null}]})",
    R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"q\":"}},{"index":0,"function":{"arguments":"\"caf\u00e9\"}"}}]},"finish_reason":null}]})",
    // n > 1: a finish reason per choice
    R"({"id":"c","choices":[{"index":1,"delta":{},"finish_reason":"length"},{"index":0,"delta":{},"finish_reason":"stop"}]})",
    // logprobs kept as a value
    R"({"id":"c","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1,"bytes":[97]}]}}]})",
    // nulls where strings or objects could be
    R"({"id":null,"created":null,"model":null,"system_fingerprint":null,"choices":[{"index":null,"delta":null,"finish_reason":null}],"error":null})",
    R"({"choices":null})",
    R"({"id":"c","choices":[{"delta":{"role":null,"content":null,"refusal":"no","tool_calls":null}}]})",
    R"({"id":"c","choices":[{"delta":{"tool_calls":[{"index":0,"id":null,"type":null,"function":null}]}}]})",
    R"({})",
};

TEST_CASE("fast chunk: the usual events are read without a DOM and agree with nlohmann") {
  for (const auto& t : kChunks) CHECK(agree_chunk(t));
}

TEST_CASE("fast chunk: usage or error inside content text does not mislead the reader") {
  auto c = gw::api::fast_chat_chunk(kChunks[2]);
  REQUIRE(c.has_value());
  CHECK_FALSE(c->usage.has_value());
  CHECK(c->choices[0].content == R"("usage":{"prompt_tokens":5},"error":{})");

  auto u = gw::api::fast_chat_chunk(kChunks[7]);
  REQUIRE(u.has_value());
  REQUIRE(u->usage.has_value());
  CHECK(u->usage->prompt_tokens == 9);
  CHECK(u->usage->cached_tokens == 4);
  CHECK(u->usage->reasoning_tokens == 1);
  auto n = gw::api::fast_chat_chunk(kChunks[6]);
  REQUIRE(n.has_value());
  CHECK_FALSE(n->usage.has_value());
  CHECK(n->choices.empty());

  auto e = gw::api::fast_chat_chunk(kChunks[3]);
  REQUIRE(e.has_value());
  CHECK(*e->choices[0].content ==
        std::string("caf\xC3\xA9 \xF0\x9F\x98\x80 \n\t\r\b\f\\/\" \0", 21));
}

TEST_CASE("fast chunk: errors, malformed text and odd types decline to the nlohmann path") {
  const char* declined[] = {
      R"({"error":{"message":"overloaded","type":"server_error"}})",
      R"({"id":"c","choices":[],"error":{"message":"x"}})",
      R"({"id":"c","choices":[]})"
      "x",                                  // trailing garbage
      R"({"id":"c","choices":[],})",        // trailing comma
      R"({"id":"c",,"choices":[]})",        // double comma
      R"({'id':'c'})",                      // single quotes
      "{\"id\":\"a\tb\"}",                  // raw control character in a string
      R"({"id":"\x41"})",                   // unknown escape
      R"({"id":"\u12"})",                   // short \u
      R"({"id":"\ud800"})",                 // lone high surrogate
      R"({"id":"\ud800\u0041"})",           // high surrogate without its low half
      R"({"id":"\udc00"})",                 // lone low surrogate
      "{\"id\":\"\xff\"}",                  // invalid UTF-8 byte
      "{\"id\":\"\xC0\xAF\"}",              // overlong encoding
      "{\"id\":\"\xED\xA0\x80\"}",          // an encoded surrogate
      "{\"id\":\"\xF4\x90\x80\x80\"}",      // above U+10FFFF
      "{\"id\":\"\xE2\x82\"}",              // truncated sequence
      R"({"created":1e999,"choices":[]})",  // number overflow
      R"({"x":1e999,"choices":[]})",        // ... even where nothing reads it
      R"({"x":01})",                        // leading zero
      R"({"x":-})",
      R"({"x":1.})",
      R"({"x":.5})",
      R"({"x":NaN})",
      R"({"x":tru})",
      R"({"x":nul})",
      R"(/* c */ {"choices":[]})",
      R"({"id":"a","id":"b"})",  // duplicate keys: left to nlohmann (the last wins there)
      R"({"id":5})",             // a number where a string belongs: nlohmann reads ""
      R"({"choices":[{"index":"0"}]})",
      R"({"choices":[{"index":1.0}]})",
      R"({"choices":[{"index":99999999999}]})",
      R"({"choices":[{"delta":{"content":5}}]})",
      R"({"choices":[7]})",
      R"({"usage":{"prompt_tokens":1.5}})",
      R"({"\u0069d":"c"})",  // an escaped key
      R"([1])",
      "",
      "   ",
  };
  for (const char* t : declined) {
    CAPTURE(t);
    CHECK_FALSE(gw::api::fast_chat_chunk(t).has_value());
    agree_chunk(t);
  }
}

TEST_CASE("fast chunk: every truncation and byte mutation agrees with nlohmann") {
  for (const auto& t : kChunks) mutate_all(t, agree_chunk);
}

// A stream's frame (the text around one delta content) read back with other content, or
// broken anywhere: whenever the template answers, nlohmann agrees.
bool agree_template(const gw::api::ChunkTemplate& frame, const std::string& t) {
  CAPTURE(t);
  ChatChunk fast;
  bool read = frame.read_into(t, fast);
  if (read) {
    auto slow = slow_chunk(t);
    REQUIRE(slow.has_value());
    check_same(fast, *slow);
  }
  return read;
}

TEST_CASE("fast chunk: a frame learned from one event reads the next, and agrees with nlohmann") {
  const std::vector<std::string> contents = {
      "",
      "Hel",
      R"(lo \"quoted\" \\ back)",
      R"(caf\u00e9 \ud83d\ude00 \n\t)",
      "caf\xC3\xA9 \xE2\x82\xAC",
      R"(\"},\"x\":{\")",
      R"(\"usage\":{\"prompt_tokens\":5})",
      "a long run of ordinary words that spans several sixteen-byte steps of the scanner"};
  int learned = 0;
  for (const auto& t : kChunks) {
    std::string_view raw;
    auto first = gw::api::fast_chat_chunk(t, &raw);
    if (!first || raw.data() == nullptr) continue;
    gw::api::ChunkTemplate frame;
    frame.learn(t, *first, raw);
    ++learned;
    CHECK(agree_template(frame, t));  // the event itself
    size_t pre = static_cast<size_t>(raw.data() - t.data());
    std::string head = t.substr(0, pre), tail = t.substr(pre + raw.size());
    for (const auto& c : contents) {
      std::string next = head + c + tail;
      CHECK(agree_template(frame, next));  // other words in the same frame
      mutate_all(next, [&](const std::string& m) { agree_template(frame, m); });
    }
    // Quotes, controls and broken escapes between the frame's halves are declined.
    for (std::string bad : {"\"", "a\"b", "\\", "\\x", "\x01", "\\u12", "\xff"})
      CHECK_FALSE(agree_template(frame, head + bad + tail));
  }
  CHECK(learned >= 4);
  // A frame with more than one choice teaches nothing.
  std::string_view raw = "x";
  auto two = gw::api::fast_chat_chunk(kChunks[11], &raw);
  REQUIRE(two.has_value());
  CHECK(raw.data() == nullptr);
}

TEST_CASE("scanner: numbers as nlohmann reads them") {
  auto num = [](const char* t) {
    gw::api::json::Scanner s(t);
    double d = 0;
    bool ok = s.number(d) && s.finish();
    return ok ? std::optional<double>(d) : std::nullopt;
  };
  auto integer = [](const char* t) {
    gw::api::json::Scanner s(t);
    int64_t v = 0;
    bool ok = s.integer(v) && s.finish();
    return ok ? std::optional<int64_t>(v) : std::nullopt;
  };
  for (const char* t : {"0", "-0", "0.2", "1e-7", "2", "-1.5E+3", "123456789012345678", "1e308",
                        "4.9e-324", "1e-400"}) {
    std::string text = t;
    CAPTURE(text);
    auto d = num(t);
    REQUIRE(d.has_value());
    CHECK(Json(*d).dump() == Json(Json::parse(t).get<double>()).dump());
  }
  CHECK_FALSE(num("1e309").has_value());
  CHECK_FALSE(num("-").has_value());
  CHECK_FALSE(num("1.e5").has_value());
  CHECK(integer("-42") == -42);
  CHECK(integer("123456789012345678") == 123456789012345678);
  CHECK_FALSE(integer("1234567890123456789").has_value());  // left to nlohmann
  CHECK_FALSE(integer("1.0").has_value());
  CHECK_FALSE(integer("1e2").has_value());
}

TEST_CASE("scanner: strings decode as nlohmann decodes them") {
  for (const char* t : {R"("plain")", R"("\u00e9\u20ac\ud83d\ude00")", R"("\"\\\/\b\f\n\r\t")",
                        R"("\u0000x")", "\"caf\xC3\xA9\"", R"("a long run of plain text...")"}) {
    CAPTURE(t);
    gw::api::json::Scanner s(t);
    std::string out;
    REQUIRE(s.string(out));
    CHECK(s.finish());
    CHECK(out == Json::parse(t).get<std::string>());
  }
}

const std::vector<std::string> kResponses = {
    R"({"id":"chatcmpl-9fA2","object":"chat.completion","created":1735689600,
 "model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_1a2b3c","service_tier":"default",
 "choices":[{"index":0,"message":{"role":"assistant","content":"A \"cat\".\n","refusal":null,
   "annotations":[]},"logprobs":null,"finish_reason":"stop"}],
 "usage":{"prompt_tokens":31,"completion_tokens":3,"total_tokens":34,
   "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
   "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,
     "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})",
    R"({"id":"c","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,
   "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
   {"id":"call_2","function":{"name":"now","arguments":null}}]},"finish_reason":"tool_calls"}]})",
    R"({"id":"c","choices":[{"message":{"content":"no role: the assistant's","x_custom":{"a":[1]},"name":"bot"}}],"usage":null})",
    R"({"choices":[{"index":1,"message":null,"logprobs":{"content":[]}},{"message":{"role":"assistant","content":[{"type":"text","text":"t"}],"refusal":"no"}}]})",
    R"({"choices":[]})",
};

TEST_CASE("fast response: agrees with chat_response_from_json, mutations included") {
  for (const auto& t : kResponses) {
    CHECK(agree_response(t));
    mutate_all(t, agree_response);
  }
  for (const char* t :
       {R"({"id":"c"})", R"({"choices":null})", R"({"choices":[{"message":{"role":"robot"}}]})",
        R"({"choices":[{"message":{"role":"assistant","tool_calls":[{"id":"x"}]}}]})",
        R"({"choices":[{"message":{"role":"assistant","tool_calls":{}}}]})",
        R"({"error":{"message":"x"}})"}) {
    CAPTURE(t);
    CHECK_FALSE(gw::api::fast_chat_response(t).has_value());
  }
}

const std::vector<std::string> kRequests = {
    R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})",
    R"({
  "model": "openai/gpt-4o",
  "messages": [
    {"role": "system", "content": "Be brief."},
    {"role": "developer", "content": [{"type": "text", "text": "Rules."}], "name": "dev"},
    {"role": "user", "content": [
      {"type": "text", "text": "What is \"here\"?\u00e9"},
      {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "high"}},
      {"type": "image_url", "image_url": "data:image/png;base64,iVBORw0K"},
      {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    ], "x_custom": {"a": 1}, "nothing": null},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "call_7Qx", "type": "function",
       "function": {"name": "lookup", "arguments": "{\"q\":\"cat\"}"}}
    ]},
    {"role": "tool", "tool_call_id": "call_7Qx", "content": "a cat"},
    {"role": "assistant", "content": "It is a cat.", "refusal": "none"}
  ],
  "temperature": 0.2, "top_p": 1, "presence_penalty": -0.5, "frequency_penalty": 0.5,
  "max_tokens": 100, "max_completion_tokens": 200, "n": 1, "seed": -7,
  "logprobs": true, "top_logprobs": 3,
  "stop": ["\n\n", "END"], "stream": true, "stream_options": {"include_usage": true},
  "tools": [{"type": "function", "function": {"name": "lookup", "description": "Find",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}, "strict": true}},
    {"type": "function", "function": {"name": "now"}}],
  "tool_choice": {"type": "function", "function": {"name": "lookup"}},
  "parallel_tool_calls": false,
  "response_format": {"type": "json_object"},
  "user": "u-1", "metadata": {"task": "polish"},
  "store": true, "reasoning_effort": "low", "extra_null": null,
  "function_call": "auto"
})",
    R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":"END","tool_choice":"auto","stream":false,"temperature":null,"user":null})",
    R"({"messages":[{"role":"user","content":"x"}],"model":"m","stream":true,"stream_options":{"include_usage":false}})",
};

TEST_CASE("fast request: agrees with chat_request_from_json, mutations included") {
  for (const auto& t : kRequests) {
    CHECK(agree_request(t));
    mutate_all(t, agree_request);
  }
}

TEST_CASE("fast request: every invalid request declines, so the worded 400 still comes") {
  auto req = [](const std::string& extra) {
    return R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}])" +
           (extra.empty() ? "" : "," + extra) + "}";
  };
  const std::string bad[] = {
      R"({"model":"","messages":[{"role":"user","content":"hi"}]})",
      R"({"messages":[{"role":"user","content":"hi"}]})",
      R"({"model":"m"})",
      R"({"model":"m","messages":[]})",
      R"({"model":"m","messages":"hi"})",
      R"({"model":"m","messages":[{"content":"hi"}]})",
      R"({"model":"m","messages":[{"role":"robot","content":"hi"}]})",
      R"({"model":"m","messages":[{"role":"tool","content":"hi"}]})",
      R"({"model":"m","messages":[{"role":"user","content":5}]})",
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]})",
      R"({"model":"m","messages":[{"role":"user","content":[{"text":"x"}]}]})",
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]})",
      R"({"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"x"}]}]})",
      req(R"("temperature":3)"),
      req(R"("temperature":"hot")"),
      req(R"("top_p":1.5)"),
      req(R"("presence_penalty":-3)"),
      req(R"("max_tokens":0)"),
      req(R"("max_completion_tokens":0,"max_tokens":5)"),
      req(R"("n":0)"),
      req(R"("top_logprobs":21)"),
      req(R"("stream_options":{"include_usage":true})"),
      req(R"("stream":false,"stream_options":{})"),
      req(R"("stop":["a","b","c","d","e"])"),
      req(R"("stop":5)"),
      req(R"("tools":[{"type":"function","function":{"description":"no name"}}])"),
      req(R"("tools":{})"),
      req(R"("tool_choice":5)"),
      req(R"("response_format":{"json":true})"),
      req(R"("metadata":"x")"),
      req(R"("user":5)"),
      req(R"("stream":"yes")"),
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
      R"({"model":"gpt-4o","messages":[)",
      "[1,2]",
  };
  for (const auto& t : bad) {
    CAPTURE(t);
    CHECK_FALSE(gw::api::fast_chat_request(t).has_value());
  }
  // Valid, but a duplicate key is nlohmann's to resolve (the last wins).
  CHECK_FALSE(gw::api::fast_chat_request(req(R"("model":"again")")).has_value());
}

}  // namespace
