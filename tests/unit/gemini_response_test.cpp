// Gemini adapter: GenerateContentResponse and google.rpc errors → OpenAI (docs/PROTOCOLS.md §6,
// §8.2).
#include <doctest/doctest.h>

#include <cctype>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;

bool is_generated_call_id(std::string_view id) {
  if (!id.starts_with("call_") || id.size() != 5 + 24) return false;
  for (char c : id.substr(5))
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string one_candidate(std::string_view parts, std::string_view finish) {
  return R"({"candidates":[{"content":{"role":"model","parts":)" + std::string(parts) +
         R"(},"finishReason":")" + std::string(finish) + R"(","index":0}]})";
}

}  // namespace

TEST_CASE("gemini response: text, thoughts as reasoning_content, model and usage") {
  auto f = gw::test::gemini_fixture();
  auto r = f.parse(R"({"candidates":[{"content":{"role":"model","parts":[
      {"text":"thinking...","thought":true},{"text":"A "},{"text":"cat."}]},
     "finishReason":"STOP","index":0}],
   "usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":3,"totalTokenCount":34,
     "thoughtsTokenCount":23,"promptTokensDetails":[{"modality":"TEXT","tokenCount":8}]},
   "modelVersion":"gemini-2.5-flash-001","responseId":"4HkhaaajEJaY0"})");
  CHECK(r.id.starts_with("chatcmpl-"));
  CHECK(r.id.size() == 9 + 24);
  CHECK(r.created > 1700000000);
  CHECK(r.model == "gemini-2.5-flash-001");
  REQUIRE(r.choices.size() == 1);
  CHECK(r.choices[0].message.role == "assistant");
  CHECK(r.choices[0].message.kind == gw::api::Message::ContentKind::text);
  CHECK(r.choices[0].message.text == "A cat.");
  CHECK(r.choices[0].message.tool_calls.empty());
  CHECK(r.choices[0].finish_reason == "stop");
  REQUIRE(r.usage);
  CHECK(r.usage->prompt_tokens == 8);
  CHECK(r.usage->completion_tokens == 26);
  CHECK(r.usage->reasoning_tokens == 23);
  CHECK(r.usage->total_tokens == 34);
  CHECK(r.usage->cached_tokens == 0);

  Json out = gw::api::to_json(r);
  CHECK(out["object"] == "chat.completion");
  CHECK(out["usage"]["completion_tokens_details"]["reasoning_tokens"] == 23);
  // The thought summary is reasoning, never content.
  CHECK(out["choices"][0]["message"]["reasoning_content"] == "thinking...");
  CHECK(out["choices"][0]["message"]["content"] == "A cat.");
}

TEST_CASE("gemini response: a JSON answer after thoughts is the JSON alone") {
  auto f = gw::test::gemini_fixture();
  auto r = f.parse(one_candidate(R"([{"text":"The user wants Paris.","thought":true},
    {"text":"{\"city\":"},{"text":"\"Paris\"}"}])",
                                 "STOP"));
  CHECK(Json::parse(r.choices[0].message.text) == Json{{"city", "Paris"}});
  CHECK(r.choices[0].message.extra["reasoning_content"] == "The user wants Paris.");
  // No thoughts: no reasoning_content member at all.
  auto plain = f.parse(one_candidate(R"([{"text":"hi"}])", "STOP"));
  CHECK_FALSE(gw::api::to_json(plain)["choices"][0]["message"].contains("reasoning_content"));
}

TEST_CASE("gemini response: model falls back to the target's name; several candidates") {
  auto f = gw::test::gemini_fixture();
  auto r = f.parse(R"({"candidates":[
     {"content":{"parts":[{"text":"one"}]},"finishReason":"STOP","index":0},
     {"content":{"parts":[{"text":"two"}]},"finishReason":"MAX_TOKENS","index":1}]})");
  CHECK(r.model == "gemini-2.5-flash");
  CHECK_FALSE(r.usage);
  REQUIRE(r.choices.size() == 2);
  CHECK(r.choices[1].index == 1);
  CHECK(r.choices[1].message.text == "two");
  CHECK(r.choices[1].finish_reason == "length");
}

TEST_CASE("gemini response: functionCall parts → tool_calls") {
  auto f = gw::test::gemini_fixture();
  auto r = f.parse(one_candidate(R"([
      {"text":"Let me look."},
      {"functionCall":{"name":"lookup","args":{"q":"cat","n":2},"id":"flveizpn"},
       "thoughtSignature":"EvwD+/=="},
      {"functionCall":{"name":"lookup","args":{"q":"dog"}}},
      {"functionCall":{"name":"now"}}])",
                                 "STOP"));
  const auto& c = r.choices[0];
  CHECK(c.finish_reason == "tool_calls");
  CHECK(c.message.text == "Let me look.");
  REQUIRE(c.message.tool_calls.size() == 3);
  CHECK(c.message.tool_calls[0].id == "flveizpn__thought__EvwD+/==");
  CHECK(c.message.tool_calls[0].type == "function");
  CHECK(c.message.tool_calls[0].name == "lookup");
  CHECK(c.message.tool_calls[0].arguments == R"({"n":2,"q":"cat"})");
  CHECK(is_generated_call_id(c.message.tool_calls[1].id));
  CHECK(c.message.tool_calls[1].arguments == R"({"q":"dog"})");
  CHECK(is_generated_call_id(c.message.tool_calls[2].id));
  CHECK(c.message.tool_calls[1].id != c.message.tool_calls[2].id);
  CHECK(c.message.tool_calls[2].arguments == "{}");

  // Calls only: content is null, not "".
  auto only =
      f.parse(one_candidate(R"([{"functionCall":{"name":"f","args":{}}},{"text":""}])", "STOP"));
  CHECK(only.choices[0].message.kind == gw::api::Message::ContentKind::null);
  CHECK(gw::api::to_json(only)["choices"][0]["message"]["content"].is_null());
  CHECK(only.choices[0].finish_reason == "tool_calls");
}

TEST_CASE("gemini response: every finishReason class") {
  auto f = gw::test::gemini_fixture();
  struct Row {
    const char* gemini;
    const char* openai;
  };
  for (const Row& row : {
           Row{"STOP", "stop"},
           Row{"FINISH_REASON_UNSPECIFIED", "stop"},
           Row{"MALFORMED_FUNCTION_CALL", "stop"},
           Row{"UNEXPECTED_TOOL_CALL", "stop"},
           Row{"TOO_MANY_TOOL_CALLS", "stop"},
           Row{"SOMETHING_NEW", "stop"},
           Row{"MAX_TOKENS", "length"},
           Row{"SAFETY", "content_filter"},
           Row{"RECITATION", "content_filter"},
           Row{"LANGUAGE", "content_filter"},
           Row{"OTHER", "content_filter"},
           Row{"BLOCKLIST", "content_filter"},
           Row{"PROHIBITED_CONTENT", "content_filter"},
           Row{"SPII", "content_filter"},
           Row{"IMAGE_SAFETY", "content_filter"},
           Row{"IMAGE_PROHIBITED_CONTENT", "content_filter"},
       }) {
    CAPTURE(row.gemini);
    auto r = f.parse(one_candidate(R"([{"text":"x"}])", row.gemini));
    CHECK(r.choices[0].finish_reason == row.openai);
  }
  // A candidate without content (SAFETY, MALFORMED_FUNCTION_CALL): content null.
  auto r = f.parse(R"({"candidates":[{"finishReason":"SAFETY","index":0,
      "safetyRatings":[{"category":"HARM_CATEGORY_HARASSMENT","probability":"HIGH","blocked":true}]}]})");
  CHECK(r.choices[0].message.kind == gw::api::Message::ContentKind::null);
  CHECK(r.choices[0].finish_reason == "content_filter");
  auto noparts = f.parse(
      R"({"candidates":[{"content":{"role":"model"},"finishReason":"MALFORMED_FUNCTION_CALL"}]})");
  CHECK(noparts.choices[0].finish_reason == "stop");
}

TEST_CASE("gemini response: blocked prompt is a content_filter completion") {
  auto f = gw::test::gemini_fixture();
  auto r = f.parse(R"({"promptFeedback":{"blockReason":"PROHIBITED_CONTENT",
      "safetyRatings":[]},"usageMetadata":{"promptTokenCount":12,"totalTokenCount":12},
      "modelVersion":"gemini-2.5-flash"})");
  REQUIRE(r.choices.size() == 1);
  CHECK(r.choices[0].index == 0);
  CHECK(r.choices[0].message.role == "assistant");
  CHECK(r.choices[0].message.kind == gw::api::Message::ContentKind::null);
  CHECK(r.choices[0].finish_reason == "content_filter");
  REQUIRE(r.usage);
  CHECK(r.usage->prompt_tokens == 12);
  CHECK(r.usage->completion_tokens == 0);
}

TEST_CASE("gemini response: usage with thoughts, cache and tool-use prompt") {
  auto f = gw::test::gemini_fixture();
  auto r = f.parse(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],
    "usageMetadata":{"promptTokenCount":1000,"cachedContentTokenCount":800,
      "candidatesTokenCount":50,"thoughtsTokenCount":120,"toolUsePromptTokenCount":30,
      "totalTokenCount":1200}})");
  REQUIRE(r.usage);
  CHECK(r.usage->prompt_tokens == 1030);
  CHECK(r.usage->cached_tokens == 800);
  CHECK(r.usage->completion_tokens == 170);
  CHECK(r.usage->reasoning_tokens == 120);
  CHECK(r.usage->total_tokens == 1200);
}

TEST_CASE("gemini response: logprobsResult → OpenAI logprobs") {
  auto f = gw::test::gemini_fixture();
  auto r = f.parse(R"({"candidates":[{"content":{"parts":[{"text":"Hi"}]},"finishReason":"STOP",
    "logprobsResult":{"topCandidates":[{"candidates":[{"token":"Hi","logProbability":-0.1},
      {"token":"Yo","logProbability":-2.5}]}],
      "chosenCandidates":[{"token":"Hi","logProbability":-0.1}]}}]})");
  Json want = Json::parse(R"({"content":[{"token":"Hi","logprob":-0.1,"bytes":[72,105],
    "top_logprobs":[{"token":"Hi","logprob":-0.1,"bytes":[72,105]},
                    {"token":"Yo","logprob":-2.5,"bytes":[89,111]}]}],"refusal":null})");
  CHECK(r.choices[0].logprobs == want);
}

TEST_CASE("gemini response: invalid bodies → 502 bad_upstream_response") {
  auto f = gw::test::gemini_fixture();
  for (std::string_view body : {std::string_view("not json"), std::string_view("{\"candid"),
                                std::string_view("[1,2]"), std::string_view("{}")}) {
    CAPTURE(body);
    auto r = f.adapter->parse_response(body, f.target());
    REQUIRE_FALSE(r);
    CHECK(r.error().status == 502);
    CHECK(r.error().code == "bad_upstream_response");
    CHECK(r.error().message.starts_with("gemini: "));
  }
}

TEST_CASE("gemini errors: each google.rpc status maps to its class") {
  auto f = gw::test::gemini_fixture();
  auto body = [](int code, std::string_view status, std::string_view message,
                 std::string_view details = "[]") {
    // Gemini pretty-prints its errors.
    return "{\n  \"error\": {\n    \"code\": " + std::to_string(code) + ",\n    \"message\": \"" +
           std::string(message) + "\",\n    \"status\": \"" + std::string(status) +
           "\",\n    \"details\": " + std::string(details) + "\n  }\n}\n";
  };
  struct Row {
    int http;
    const char* status;
    int want_status;
    const char* want_type;
    const char* want_code;
  };
  for (const Row& row : {
           Row{400, "INVALID_ARGUMENT", 400, "invalid_request_error", ""},
           Row{400, "FAILED_PRECONDITION", 400, "invalid_request_error", ""},
           Row{403, "PERMISSION_DENIED", 403, "permission_error", ""},
           Row{404, "NOT_FOUND", 404, "invalid_request_error", "model_not_found"},
           Row{429, "RESOURCE_EXHAUSTED", 429, "rate_limit_error", "rate_limit_exceeded"},
           Row{500, "INTERNAL", 502, "server_error", ""},
           Row{503, "UNAVAILABLE", 503, "server_error", "overloaded"},
           Row{504, "DEADLINE_EXCEEDED", 504, "server_error", "timeout"},
           Row{401, "UNAUTHENTICATED", 502, "upstream_auth_error", "upstream_auth_error"},
       }) {
    CAPTURE(row.status);
    gw::test::check_mapped_error(f.parse_error(row.http, body(row.http, row.status, "boom")),
                                 row.want_status, row.want_type, row.want_code, "gemini: boom");
  }
}

TEST_CASE("gemini errors: bad or missing key is gw's problem → 502 upstream_auth_error") {
  auto f = gw::test::gemini_fixture();
  auto bad_key = f.parse_error(400, R"({
  "error": {
    "code": 400,
    "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com"}
      }
    ]
  }
}
)");
  CHECK(bad_key.status == 502);
  CHECK(bad_key.type == "upstream_auth_error");
  CHECK(bad_key.message == "gemini: API key not valid. Please pass a valid API key.");

  f.cfg.api_key.clear();
  auto missing = f.parse_error(
      403,
      R"({"error":{"code":403,"message":"Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.","status":"PERMISSION_DENIED"}})");
  CHECK(missing.status == 502);
  CHECK(missing.type == "upstream_auth_error");
}

TEST_CASE("gemini errors: retryDelay and retry-after become retry_after_ms") {
  auto f = gw::test::gemini_fixture();
  auto with_delay = [](std::string_view delay) {
    return R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED",
      "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},
                 {"@type":"type.googleapis.com/google.rpc.Help","links":[]},
                 {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":")" +
           std::string(delay) + R"("}]}})";
  };
  auto e34 = f.parse_error(429, with_delay("34s"));
  CHECK(e34.status == 429);
  CHECK(e34.code == "rate_limit_exceeded");
  CHECK(e34.retry_after_ms == 34000);
  CHECK(f.parse_error(429, with_delay("1.5s")).retry_after_ms == 1500);
  CHECK(f.parse_error(429, with_delay("0.0004s")).retry_after_ms == 1);  // rounded up
  // retryDelay wins over the header; the header serves when there is no retryDelay.
  CHECK(f.parse_error(429, with_delay("2s"), {{"Retry-After", "9"}}).retry_after_ms == 2000);
  auto hdr =
      f.parse_error(429, R"({"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED"}})",
                    {{"retry-after", "7"}});
  CHECK(hdr.retry_after_ms == 7000);
}

TEST_CASE("gemini errors: bodies that say nothing fall back to the HTTP status") {
  auto f = gw::test::gemini_fixture();
  auto e = f.parse_error(503, "<html>Service Unavailable</html>");
  CHECK(e.status == 503);
  CHECK(e.code == "overloaded");
  CHECK(e.message == "gemini: upstream returned HTTP 503");
  CHECK(f.parse_error(429, "").status == 429);
  CHECK(f.parse_error(500, "{}").status == 502);
  // The non-SSE streaming endpoint wraps errors in an array.
  auto arr = f.parse_error(
      404, R"([{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}])");
  CHECK(arr.status == 404);
  CHECK(arr.message == "gemini: models/x is not found");
}
