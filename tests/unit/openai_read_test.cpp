// The simdjson readers of OpenAI-compatible answers and events (providers/openai_read) take
// the usual shapes and decline the rest; whatever they take, they read exactly as the
// nlohmann readers in api/ do.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api/json_codec.hpp"
#include "providers/openai_read.hpp"

namespace {

using gw::api::Json;

// Both readers on one event: the simdjson one may decline, but never disagree.
bool chunk_agrees(const std::string& text) {
  auto fast = gw::providers::read_openai_chunk(text);
  if (!fast) return true;
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return false;
  auto slow = gw::api::chat_chunk_from_json(j);
  return slow && gw::api::to_json(*fast) == gw::api::to_json(*slow);
}

bool response_agrees(const std::string& text) {
  auto fast = gw::providers::read_openai_response(text);
  if (!fast) return true;
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return false;
  auto slow = gw::api::chat_response_from_json(j);
  return slow && gw::api::to_json(*fast) == gw::api::to_json(*slow);
}

const std::vector<std::string> kChunks = {
    R"({"id":"chatcmpl-9fA3","object":"chat.completion.chunk","created":1735689600,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_1a2b3c","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"x1"})",
    R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Qk3uZ"})",
    R"({"id":"c","choices":[{"index":0,"delta":{"content":"\"usage\":{\"prompt_tokens\":5},\"error\":{}"}}]})",
    R"({"id":"c","choices":[{"index":0,"delta":{"content":"caf\u00e9 \ud83d\ude00 \n\t\r\b\f\\\/\" \u0000"}}]})",
    R"({"usage":null,"x":{"usage":{"prompt_tokens":1},"choices":[1,{"a":[true,false,null,-1.5e3]}]},"id":"c","choices":[]})",
    R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":1,"accepted_prediction_tokens":0}},"obfuscation":"a"})",
    R"({"id":"c","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":null}})",
    R"({"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_7Qx","type":"function","function":{"name":"lookup","arguments":""}}]},"finish_reason":null}]})",
    R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"q\":"}},{"index":0,"function":{"arguments":"\"caf\u00e9\"}"}}]},"finish_reason":null}]})",
    R"({"id":"c","choices":[{"index":1,"delta":{},"finish_reason":"length"},{"index":0,"delta":{},"finish_reason":"stop"}]})",
    R"({"id":"c","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1,"bytes":[97]}]}}]})",
    R"({"id":"c","choices":[{"delta":{"role":null,"content":null,"refusal":"no","tool_calls":null}}]})",
    R"({})",
};

}  // namespace

TEST_CASE("openai_read: the usual stream events are read, and as nlohmann reads them") {
  for (const auto& t : kChunks) {
    CAPTURE(t);
    CHECK(gw::providers::read_openai_chunk(t).has_value());
    CHECK(chunk_agrees(t));
  }
}

TEST_CASE("openai_read: errors, odd types, duplicates and bad counts decline to nlohmann") {
  for (const char* t : {
           R"({"error":{"message":"overloaded","type":"server_error"}})",
           R"({"id":"c","error":null,"choices":[]})",
           R"({"id":5,"choices":[]})",
           R"({"id":"c","choices":[{"index":"0","delta":{}}]})",
           R"({"id":"c","choices":[1]})",
           R"({"id":"c","choices":[],"choices":[]})",
           R"({"id":"c","choices":[],"usage":{"prompt_tokens":-1}})",
           R"({"id":"c","choices":[],"usage":{"prompt_tokens":1.5}})",
           R"({"id":"c","choices":[],"usage":{"prompt_tokens":1e300}})",
           R"({"id":"c","created":1.0,"choices":[]})",
           R"({"id":"c","choices":[{"index":0,"delta":{"content":5}}]})",
           R"({"id":"c", "choices":[)",
           R"([])",
           "not json",
       }) {
    CAPTURE(t);
    CHECK_FALSE(gw::providers::read_openai_chunk(t).has_value());
  }
}

TEST_CASE("openai_read: every truncation and byte mutation of an event agrees with nlohmann") {
  const std::string base = kChunks[1];
  for (size_t n = 0; n <= base.size(); ++n) CHECK(chunk_agrees(base.substr(0, n)));
  const char subs[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', 'e', 'n', ' ', '\x01'};
  for (size_t i = 0; i < base.size(); ++i)
    for (char c : subs) {
      std::string t = base;
      t[i] = c;
      CAPTURE(t);
      CHECK(chunk_agrees(t));
    }
}

TEST_CASE("openai_read: answers in the usual shape are read, and as nlohmann reads them") {
  for (
      const char* t : {
          R"({"id":"chatcmpl-9fA2","object":"chat.completion","created":1735689600,"model":"gpt-4o-mini","system_fingerprint":"fp_1a2b3c","service_tier":"default","choices":[{"index":0,"message":{"role":"assistant","content":"A cat.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":3,"total_tokens":34}})",
          R"({"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}]})",
          R"({"id":"c","choices":[{"message":{"content":"no role"},"finish_reason":"stop"}]})",
          R"({"id":"c","choices":[]})",
      }) {
    CAPTURE(t);
    CHECK(gw::providers::read_openai_response(t).has_value());
    CHECK(response_agrees(t));
  }
  for (
      const char* t : {
          R"({"id":"c"})",
          R"({"choices":null})",
          R"({"choices":[{"message":{"role":"robot"}}]})",
          R"({"choices":[{"message":{"role":"assistant","content":[{"type":"text","text":"t"}]}}]})",
          R"({"choices":[{"message":{"role":"assistant","tool_calls":[{"id":"x"}]}}]})",
          R"({"error":{"message":"x"}})",
      }) {
    CAPTURE(t);
    CHECK_FALSE(gw::providers::read_openai_response(t).has_value());
    CHECK(response_agrees(t));
  }
}
