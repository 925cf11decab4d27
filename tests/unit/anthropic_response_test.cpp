// Golden tests: Anthropic Message → chat.completion (docs/PROTOCOLS.md §6) and error bodies →
// OpenAI errors (docs/PROTOCOLS.md §8.2).
#include <doctest/doctest.h>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;

// to_json of the response minus the fields that are fresh per call
Json golden(const gw::test::AdapterFixture& f, const std::string& body) {
  auto r = f.parse(body);
  CHECK(r.id.starts_with("chatcmpl-"));
  CHECK(r.id.size() == 9 + 24);
  CHECK(r.created > 1700000000);
  Json j = gw::api::to_json(r);
  j.erase("id");
  j.erase("created");
  return j;
}

std::string message(const std::string& content, const std::string& stop_reason,
                    const std::string& usage = R"({"input_tokens":10,"output_tokens":5})") {
  return R"({"id":"msg_01XYZ","type":"message","role":"assistant",
    "model":"claude-sonnet-4-5-20250929","content":)" +
         content + R"(,"stop_reason":)" + stop_reason + R"(,"stop_sequence":null,"usage":)" +
         usage + "}";
}

}  // namespace

TEST_CASE("anthropic response: text blocks concatenate, thinking is reasoning, not content") {
  auto f = gw::test::anthropic_fixture();
  Json j = golden(f, message(R"([{"type":"thinking","thinking":"hmm","signature":"sig"},
    {"type":"text","text":"Hello, "},{"type":"text","text":"world."}])",
                             R"("end_turn")"));
  CHECK(j == Json::parse(R"({"object":"chat.completion","model":"claude-sonnet-4-5-20250929",
    "choices":[{"index":0,"message":{"role":"assistant","content":"Hello, world.","refusal":null,
      "reasoning_content":"hmm"},"logprobs":null,"finish_reason":"stop"}],
    "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,
      "prompt_tokens_details":{"cached_tokens":0},
      "completion_tokens_details":{"reasoning_tokens":0}}})"));
}

TEST_CASE("anthropic response: tool_use and cache usage") {
  auto f = gw::test::anthropic_fixture();
  auto r = f.parse(message(R"([{"type":"text","text":"Let me look."},
    {"type":"tool_use","id":"toolu_01A","name":"lookup","input":{"q":"cat"}},
    {"type":"tool_use","id":"toolu_01B","name":"now","input":{}}])",
                           R"("tool_use")",
                           R"({"input_tokens":412,"output_tokens":38,
    "cache_creation_input_tokens":100,"cache_read_input_tokens":1024,"service_tier":"standard"})"));
  REQUIRE(r.choices.size() == 1);
  const auto& c = r.choices[0];
  CHECK(c.finish_reason == "tool_calls");
  CHECK(c.message.text == "Let me look.");
  REQUIRE(c.message.tool_calls.size() == 2);
  CHECK(c.message.tool_calls[0].id == "toolu_01A");
  CHECK(c.message.tool_calls[0].type == "function");
  CHECK(c.message.tool_calls[0].name == "lookup");
  CHECK(c.message.tool_calls[0].arguments == R"({"q":"cat"})");
  CHECK(c.message.tool_calls[1].arguments == "{}");
  REQUIRE(r.usage.has_value());
  CHECK(r.usage->prompt_tokens == 412 + 1024 + 100);
  CHECK(r.usage->cached_tokens == 1024);
  CHECK(r.usage->cache_write_tokens == 100);
  CHECK(r.usage->completion_tokens == 38);
  CHECK(r.usage->total_tokens == 412 + 1024 + 100 + 38);
}

TEST_CASE("anthropic response: content is null when there is no text") {
  auto f = gw::test::anthropic_fixture();
  Json j = golden(
      f, message(R"([{"type":"tool_use","id":"toolu_01A","name":"lookup","input":{"q":"cat"}}])",
                 R"("tool_use")"));
  CHECK(j["choices"][0]["message"] == Json::parse(R"({"role":"assistant","content":null,
    "refusal":null,"tool_calls":[{"id":"toolu_01A","type":"function",
    "function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}]})"));
  CHECK(golden(f, message("[]", R"("end_turn")"))["choices"][0]["message"]["content"].is_null());
}

TEST_CASE("anthropic response: every stop_reason maps") {
  const std::pair<const char*, const char*> rows[] = {
      {R"("end_turn")", "stop"},
      {R"("stop_sequence")", "stop"},
      {R"("pause_turn")", "stop"},
      {R"("max_tokens")", "length"},
      {R"("model_context_window_exceeded")", "length"},
      {R"("tool_use")", "tool_calls"},
      {R"("refusal")", "content_filter"},
      {R"("something_new")", "stop"},
      {"null", "stop"}};
  auto f = gw::test::anthropic_fixture();
  for (const auto& [stop, want] : rows) {
    CAPTURE(stop);
    CHECK(f.parse(message(R"([{"type":"text","text":"x"}])", stop)).choices[0].finish_reason ==
          want);
  }
}

TEST_CASE("anthropic response: the json_tool_call input becomes the content") {
  auto f = gw::test::anthropic_fixture();
  auto r = f.parse(message(
      R"([{"type":"tool_use","id":"toolu_01","name":"json_tool_call","input":{"n":3,"s":"é"}}])",
      R"("tool_use")"));
  CHECK(r.choices[0].finish_reason == "stop");
  CHECK(r.choices[0].message.kind == gw::api::Message::ContentKind::text);
  CHECK(r.choices[0].message.text == R"({"n":3,"s":"é"})");
  CHECK(r.choices[0].message.tool_calls.empty());
}

TEST_CASE(
    "anthropic response: only the json_tool_call input is content, text and other calls dropped") {
  auto f = gw::test::anthropic_fixture();
  auto r = f.parse(message(R"([{"type":"thinking","thinking":"Paris.","signature":"s"},
    {"type":"text","text":"Let me check."},
    {"type":"tool_use","id":"toolu_01","name":"json_tool_call","input":{"city":"Paris"}},
    {"type":"tool_use","id":"toolu_02","name":"lookup","input":{"q":1}},
    {"type":"tool_use","id":"toolu_03","name":"json_tool_call","input":{"again":true}},
    {"type":"text","text":"Done."}])",
                           R"("tool_use")"));
  const auto& m = r.choices[0].message;
  CHECK(m.kind == gw::api::Message::ContentKind::text);
  CHECK(m.text == R"({"city":"Paris"})");
  CHECK(m.tool_calls.empty());
  CHECK(m.extra["reasoning_content"] == "Paris.");
  CHECK(r.choices[0].finish_reason == "stop");
}

TEST_CASE("anthropic response: invalid bodies are 502 bad_upstream_response") {
  auto f = gw::test::anthropic_fixture();
  for (const char* body : {"not json", "[1,2]", R"({"type":"message","content":"x"})", ""}) {
    CAPTURE(body);
    auto r = f.adapter->parse_response(body, f.target());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status == 502);
    CHECK(r.error().code == "bad_upstream_response");
  }
  auto e = f.adapter->parse_response(
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", f.target());
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().status == 503);
}

TEST_CASE("anthropic parse_error: each error type maps to its class") {
  struct Row {
    int status;
    const char* type;
    int want_status;
    const char* want_type;
    const char* want_code;  // "" = null
  };
  const Row rows[] = {
      {400, "invalid_request_error", 400, "invalid_request_error", ""},
      {401, "authentication_error", 502, "upstream_auth_error", "upstream_auth_error"},
      {402, "billing_error", 429, "insufficient_quota", "insufficient_quota"},
      {403, "permission_error", 403, "permission_error", ""},
      {404, "not_found_error", 404, "invalid_request_error", "model_not_found"},
      {413, "request_too_large", 413, "invalid_request_error", "request_too_large"},
      {429, "rate_limit_error", 429, "rate_limit_error", "rate_limit_exceeded"},
      {500, "api_error", 502, "server_error", ""},
      {504, "timeout_error", 504, "server_error", "timeout"},
      {529, "overloaded_error", 503, "server_error", "overloaded"},
  };
  auto f = gw::test::anthropic_fixture();
  for (const auto& row : rows) {
    CAPTURE(row.type);
    std::string body = std::string(R"({"type":"error","error":{"type":")") + row.type +
                       R"(","message":"upstream says no"},"request_id":"req_011"})";
    gw::test::check_mapped_error(f.parse_error(row.status, body), row.want_status, row.want_type,
                                 row.want_code, "anthropic: upstream says no");
  }
}

TEST_CASE("anthropic parse_error: retry-after, CDN bodies, unknown types") {
  auto f = gw::test::anthropic_fixture();
  gw::Error rl = f.parse_error(
      429, R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})",
      {{"Retry-After", "7"}});
  CHECK(rl.status == 429);
  CHECK(rl.retry_after_ms == 7000);
  gw::Error ov = f.parse_error(
      529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
      {{"retry-after", "2"}});
  CHECK(ov.status == 503);
  CHECK(ov.retry_after_ms == 2000);

  gw::Error cdn = f.parse_error(413, "<html>Request Entity Too Large</html>");
  CHECK(cdn.status == 413);
  CHECK(cdn.code == "request_too_large");
  CHECK(cdn.message == "anthropic: upstream returned HTTP 413");

  gw::Error bare = f.parse_error(529, "");
  CHECK(bare.status == 503);
  gw::Error odd = f.parse_error(
      418, R"({"type":"error","error":{"type":"teapot_error","message":"short and stout"}})");
  CHECK(odd.status == 400);
  CHECK(odd.message == "anthropic: short and stout");
}
