// The simdjson readings of a request body (into a Json, and straight into a ChatRequest) give
// what the nlohmann path gives, number kinds included, or decline so that nlohmann reads it.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api/json_codec.hpp"
#include "api/json_fast.hpp"
#include "json_same.hpp"

using gw::api::Json;

TEST_CASE("parse_json_fast: nlohmann's value, or declined") {
  for (std::string_view t : {
           R"({"model":"m","messages":[{"role":"user","content":"hi \u00e9 \ud83d\ude00 \n"}]})",
           R"({"a":1,"b":-1,"c":1.5,"d":1e2,"e":18446744073709551615,"f":true,"g":null})",
           R"({"dup":1,"dup":"last"})",
           R"([1,[2,[3,{"x":[]}]],{}])",
           R"("just a string")",
           R"(  {"spaces" :  [ 1 , 2 ]  }  )",
       }) {
    CAPTURE(t);
    auto fast = gw::api::parse_json_fast(t);
    REQUIRE(fast);
    CHECK(gw::test::same_json(*fast, Json::parse(t)));
  }
  CHECK(gw::api::parse_json_fast(R"({"dup":1,"dup":"last"})")->at("dup") == "last");
  CHECK(gw::api::parse_json_fast(R"({"n":5})")->at("n").is_number_unsigned());
  CHECK(gw::api::parse_json_fast(R"({"n":-5})")->at("n").is_number_integer());
  // "-0" is a signed 0 to nlohmann and reads here as "0" does: the same value, which nothing
  // tells apart (both are whole numbers, dumped as 0).
  CHECK(gw::api::parse_json_fast(R"({"z":-0})")->at("z") == Json::parse(R"({"z":-0})")["z"]);

  // What simdjson refuses or cannot tell apart goes to nlohmann.
  for (std::string_view t :
       {std::string_view(R"({"big":123456789012345678901234567890})"),
        std::string_view(R"({"z":-0.0})"), std::string_view("\xef\xbb\xbf{\"bom\":1}"),
        std::string_view(R"({"bad":)"), std::string_view(R"({"x":1e999})")})
    CHECK_FALSE(gw::api::parse_json_fast(t));
  std::string big(gw::api::kFastParseMaxBytes + 10, ' ');
  big.replace(0, 2, "{}");
  CHECK_FALSE(gw::api::parse_json_fast(big));

  // And the request reader ends where nlohmann would: these still parse, or fail as before.
  CHECK(gw::api::parse_chat_request(R"({"model":"m","messages":[],"seed":-0})").has_value() ==
        gw::api::chat_request_from_json(Json::parse(R"({"model":"m","messages":[],"seed":-0})"))
            .has_value());
}

namespace {

// Request bodies built from pieces, valid and not: each parameter in a right and several
// wrong shapes, messages and tools of every kind the readers know, unknown members.
std::vector<std::string> request_corpus() {
  const std::vector<std::string> models = {R"("m")", R"("")", "5", "null"};
  const std::vector<std::string> messages = {
      R"([{"role":"user","content":"hi \u00e9\n"}])",
      R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi","name":"ann"}])",
      R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}])",
      R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}])",
      R"([{"role":"user","content":[{"type":"text","text":"a","cache_control":{}}]}])",
      R"([{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}])",
      R"([{"role":"assistant","content":null,"tool_calls":[{"id":"c1","function":{"name":"f","arguments":{"a":1}}}]}])",
      R"([{"role":"assistant","refusal":"no","content":"x"}])",
      R"([{"role":"tool","content":"42"}])",
      R"([{"role":"user","content":"x","extra_member":{"k":[1,2.5,"s",null]},"gone":null}])",
      R"([{"role":"user","content":"x","name":5}])",
      R"([{"role":"user","content":5}])",
      R"([{"role":"wizard","content":"x"}])",
      R"([{"content":"x"}])",
      R"([{"role":"user","content":"x","tool_calls":"no"}])",
      R"([{"role":"user","role":"system","content":"x"}])",
      R"(["just text"])",
      R"([])",
      R"({"role":"user"})",
  };
  const std::vector<std::string> params = {
      R"("temperature":0.5)",
      R"("temperature":2)",
      R"("temperature":3)",
      R"("temperature":-0.0)",
      R"("temperature":"hot")",
      R"("temperature":null)",
      R"("top_p":1)",
      R"("presence_penalty":-2)",
      R"("frequency_penalty":2.5)",
      R"("max_tokens":5)",
      R"("max_tokens":0)",
      R"("max_tokens":5.0)",
      R"("max_tokens":9223372036854775808)",
      R"("max_tokens":"5")",
      R"("max_completion_tokens":100)",
      R"("n":1)",
      R"("n":0)",
      R"("seed":-5)",
      R"("seed":18446744073709551615)",
      R"("seed":1e3)",
      R"("logprobs":true)",
      R"("logprobs":1)",
      R"("top_logprobs":5)",
      R"("top_logprobs":21)",
      R"("stream":true)",
      R"("stream":false)",
      R"("stream":"yes")",
      R"("stream":true,"stream_options":{"include_usage":true})",
      R"("stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false})",
      R"("stream":true,"stream_options":{"include_usage":"x"})",
      R"("stream":true,"stream_options":{"other":1})",
      R"("stream_options":{"include_usage":true})",
      R"("stream":true,"stream_options":5)",
      R"("stop":"END")",
      R"("stop":["a","b"])",
      R"("stop":["a","b","c","d","e"])",
      R"("stop":[1])",
      R"("stop":[])",
      R"("tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object","properties":{}},"strict":true}}])",
      R"("tools":[{"function":{"name":"f"}}])",
      R"("tools":[{"type":"function","function":{"name":""}}])",
      R"("tools":[{"type":"function","function":{"name":"f","parameters":[]}}])",
      R"("tools":[{"type":5,"function":{"name":"f"}}])",
      R"("tools":{})",
      R"("tool_choice":"auto")",
      R"("tool_choice":{"type":"function","function":{"name":"f"}})",
      R"("tool_choice":5)",
      R"("parallel_tool_calls":false)",
      R"("response_format":{"type":"json_object"})",
      R"("response_format":{"schema":1})",
      R"("response_format":"json")",
      R"("reasoning_effort":"low")",
      R"("reasoning_effort":"huge")",
      R"("reasoning_effort":5)",
      R"("user":"u-1")",
      R"("user":5)",
      R"("metadata":{"task":"t"})",
      R"("metadata":[1])",
      R"("unknown":{"nested":[1,-2,3.25,true,null]})",
      R"("nothing":null)",
      R"("dup":1,"dup":2)",
      R"("seed":-0)",
  };
  std::vector<std::string> out;
  uint32_t state = 12345;  // a fixed walk: the same corpus on every run
  auto next = [&](size_t n) {
    state = state * 1664525u + 1013904223u;
    return static_cast<size_t>(state >> 8) % n;
  };
  for (const auto& msgs : messages)
    for (const auto& p : params)
      out.push_back(R"({"model":"m","messages":)" + msgs + "," + p + "}");
  for (int i = 0; i < 3000; ++i) {
    std::string body = "{\"model\":" + models[next(models.size())] +
                       ",\"messages\":" + messages[next(messages.size())];
    for (size_t k = next(5); k > 0; --k) body += "," + params[next(params.size())];
    out.push_back(body + "}");
  }
  return out;
}

}  // namespace

TEST_CASE("read_chat_request_fast: the reference reader's request, or declined") {
  size_t taken = 0, declined = 0;
  for (const std::string& body : request_corpus()) {
    CAPTURE(body);
    gw::api::Json tree = Json::parse(body);
    auto ref = gw::api::chat_request_from_json(tree);
    auto direct = gw::api::read_chat_request_fast(body);
    if (direct) {
      ++taken;
      REQUIRE(ref);  // never a request the reference refuses
      CHECK(gw::test::same_request(*direct, *ref));
    } else {
      ++declined;
    }
    // And parse_chat_request, whichever reader answered, ends as the reference does.
    auto both = gw::api::parse_chat_request(body);
    REQUIRE(both.has_value() == ref.has_value());
    if (both)
      CHECK(gw::test::same_request(*both, *ref));
    else
      CHECK(both.error().message == ref.error().message);
  }
  // Both ways are walked often: the corpus is no test of one of them alone.
  CHECK(taken > 200);
  CHECK(declined > 1000);
}

TEST_CASE("read_chat_request_fast takes the requests clients send most") {
  for (
      std::string_view body : {
          // an SDK's chat call
          R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"hi"}],"max_tokens":1024,"temperature":0.2})",
          // a streamed agent turn with tools, a tool call and its result
          R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"tool_choice":"auto","messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"}]})",
          // text parts, a seed, stop words, user and metadata, a field gw does not type
          R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}],"seed":7,"stop":["\n\n"],"user":"u","metadata":{"task":"t"},"service_tier":"auto"})",
      }) {
    CAPTURE(body);
    auto direct = gw::api::read_chat_request_fast(body);
    REQUIRE(direct);
    auto ref = gw::api::chat_request_from_json(Json::parse(body));
    REQUIRE(ref);
    CHECK(gw::test::same_request(*direct, *ref));
  }
}
