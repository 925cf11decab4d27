// AWS Bedrock (kind "bedrock"): its settings, the Converse body of every request shape, the
// signed call, the answer, ConverseStream's frames fed a byte at a time, and AWS's errors.
#include <cstdlib>

#include "config/config.hpp"
#include "fixtures.hpp"
#include "providers/aws_eventstream.hpp"
#include "providers/aws_sigv4.hpp"
#include "providers/bedrock_provider.hpp"
#include "providers/bedrock_translate.hpp"

namespace {

using gw::api::Json;
using gw::config::parse_config;
using gw::providers::Target;
using gw::test::chat_body;
using gw::test::chat_request;
namespace bedrock = gw::providers::bedrock;
namespace aws = gw::providers::aws;

gw::config::ProviderConfig bedrock_provider(const std::string& toml = "") {
  ::setenv("GW_TEST_BR_AKID", "AKIDEXAMPLE", 1);
  ::setenv("GW_TEST_BR_SECRET", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
  auto c = parse_config(
      "[providers.br]\nkind = \"bedrock\"\nregion = \"us-west-2\"\naccess_key_id_env = "
      "\"GW_TEST_BR_AKID\"\nsecret_access_key_env = \"GW_TEST_BR_SECRET\"\n" +
          toml,
      "t.toml");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return c->providers.at("br");
}

std::string config_error(const std::string& toml) {
  auto c = parse_config("[providers.br]\nkind = \"bedrock\"\n" + toml, "t.toml");
  REQUIRE_FALSE(c.has_value());
  return c.error().message;
}

Json body_of(const gw::config::ProviderConfig& p, std::string_view openai_json,
             std::string model = "anthropic.claude-3-5-sonnet-20240620-v1:0") {
  auto b = bedrock::request_body(chat_request(openai_json), Target{&p, model});
  REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().message));
  return *b;
}

std::string frame(std::string type, const Json& payload) {
  return aws::encode_event_message(
      {{":event-type", type}, {":content-type", "application/json"}, {":message-type", "event"}},
      payload.dump());
}

// Every chunk the translator makes of `bytes` fed one byte at a time, then EOF.
struct Fed {
  std::vector<Json> chunks;
  std::optional<gw::Error> error;
};
Fed feed_bytewise(bedrock::StreamTranslator& tr, std::string_view bytes, bool end = true) {
  Fed out;
  gw::api::ChunkList list;
  for (size_t i = 0; i < bytes.size() && !out.error; ++i) {
    list.clear();
    if (auto r = tr.feed(bytes.substr(i, 1), list); !r) out.error = r.error();
    for (const auto& c : list) out.chunks.push_back(gw::test::chunk_json_without_fresh_fields(c));
  }
  if (end && !out.error) {
    list.clear();
    if (auto r = tr.finish(list); !r) out.error = r.error();
    for (const auto& c : list) out.chunks.push_back(gw::test::chunk_json_without_fresh_fields(c));
  }
  return out;
}

}  // namespace

TEST_CASE("bedrock config: region, host, credentials from the named variables") {
  auto p = bedrock_provider();
  CHECK(p.base_url == "https://bedrock-runtime.us-west-2.amazonaws.com");
  CHECK(p.cloud.region == "us-west-2");
  CHECK(p.cloud.access_key_id == "AKIDEXAMPLE");
  CHECK(p.cloud.secret_access_key == "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  CHECK(p.cloud.session_token_env.empty());  // own names: AWS_SESSION_TOKEN is not theirs
  CHECK(bedrock_provider("base_url = \"http://127.0.0.1:9/\"\n").base_url == "http://127.0.0.1:9");
  ::setenv("GW_TEST_BR_TOKEN", "tok-SECRET-123", 1);
  CHECK(bedrock_provider("session_token_env = \"GW_TEST_BR_TOKEN\"\n").cloud.session_token ==
        "tok-SECRET-123");

  CHECK(config_error("api_key = \"x\"\n").find("not api_key") != std::string::npos);
  CHECK(config_error("secret_access_key = \"x\"\n").find("secret_access_key_env") !=
        std::string::npos);
  CHECK(config_error("region = \"us east\"\n").find("invalid region") != std::string::npos);
  CHECK(config_error("access_key_id_env = \"A-B\"\n").find("environment variable") !=
        std::string::npos);

  // gw config show: the names, never the secret or the token.
  auto c = parse_config(
      "[providers.br]\nkind = \"bedrock\"\naccess_key_id_env = \"GW_TEST_BR_AKID\"\n"
      "secret_access_key_env = \"GW_TEST_BR_SECRET\"\nsession_token_env = \"GW_TEST_BR_TOKEN\"\n",
      "t.toml");
  REQUIRE(c);
  const std::string all = gw::config::render_config(*c);
  const size_t at = all.find("[providers.br]");
  REQUIRE(at != std::string::npos);
  const std::string shown = all.substr(at, all.find("\n[", at + 1) - at);
  CHECK(shown.find("kind = \"bedrock\"") != std::string::npos);
  CHECK(shown.find("secret_access_key_env = \"GW_TEST_BR_SECRET\"") != std::string::npos);
  CHECK(shown.find("secret_access_key = \"(set)\"") != std::string::npos);
  CHECK(shown.find("EXAMPLEKEY") == std::string::npos);
  CHECK(shown.find("tok-SECRET") == std::string::npos);
  CHECK(shown.find("api_key") == std::string::npos);
}

TEST_CASE("bedrock request: the model id goes into the path encoded") {
  CHECK(bedrock::model_path("anthropic.claude-3-5-sonnet-20240620-v1:0", false) ==
        "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  CHECK(bedrock::model_path("us.amazon.nova-pro-v1:0", true) ==
        "/model/us.amazon.nova-pro-v1%3A0/converse-stream");
  CHECK(bedrock::model_path("arn:aws:bedrock:us-east-1:1:inference-profile/x", false) ==
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx/converse");
  CHECK_FALSE(bedrock::model_path("", false));
}

TEST_CASE("bedrock request: system, merged turns, inferenceConfig") {
  auto p = bedrock_provider();
  Json b = body_of(p, chat_body("m", R"([
    {"role":"system","content":"Be brief."},
    {"role":"developer","content":[{"type":"text","text":"And kind."}]},
    {"role":"user","content":"one"},
    {"role":"user","content":[{"type":"text","text":"two"},{"type":"text","text":"  "}]},
    {"role":"assistant","content":"Sure.  "}])",
                                R"("max_tokens":100,"temperature":1.5,"top_p":0.9,)"
                                R"("stop":["END"," "],"seed":3)"));
  CHECK(b["system"] == Json::parse(R"([{"text":"Be brief."},{"text":"And kind."}])"));
  CHECK(b["messages"] == Json::parse(R"([
    {"role":"user","content":[{"text":"one"},{"text":"two"}]},
    {"role":"assistant","content":[{"text":"Sure."}]}])"));
  CHECK(b["inferenceConfig"] ==
        Json::parse(R"({"maxTokens":100,"temperature":1.0,"topP":0.9,"stopSequences":["END"]})"));
  CHECK_FALSE(b.contains("toolConfig"));
  CHECK_FALSE(b.contains("modelId"));
}

TEST_CASE("bedrock request: tools, toolChoice, a tool round trip, images") {
  auto p = bedrock_provider();
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",)"
      R"("parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}])";
  const std::string history = R"([
    {"role":"user","content":[{"type":"text","text":"weather?"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
    {"role":"assistant","content":null,"tool_calls":[{"id":"call.1!","type":"function",
      "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
    {"role":"tool","tool_call_id":"call.1!","content":"18C"},
    {"role":"user","content":"and tomorrow?"}])";
  Json b = body_of(p, chat_body("m", history, tools + R"(,"tool_choice":"required")"));
  CHECK(b["toolConfig"] == Json::parse(R"({"tools":[{"toolSpec":{"name":"get_weather",
      "description":"Weather","inputSchema":{"json":{"type":"object",
      "properties":{"city":{"type":"string"}}}}}}],"toolChoice":{"any":{}}})"));
  CHECK(b["messages"] == Json::parse(R"([
    {"role":"user","content":[{"text":"weather?"},
      {"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]},
    {"role":"assistant","content":[{"toolUse":{"toolUseId":"call_1_","name":"get_weather",
      "input":{"city":"Paris"}}}]},
    {"role":"user","content":[{"toolResult":{"toolUseId":"call_1_","content":[{"text":"18C"}],
      "status":"success"}},{"text":"and tomorrow?"}]}])"));
  CHECK(body_of(p, chat_body("m", history,
                             tools + R"(,"tool_choice":"auto")"))["toolConfig"]["toolChoice"] ==
        Json::parse(R"({"auto":{}})"));
  CHECK(body_of(p, chat_body("m", history,
                             tools + R"(,"tool_choice":{"type":"function","function":)"
                                     R"({"name":"get_weather"}})"))["toolConfig"]["toolChoice"] ==
        Json::parse(R"({"tool":{"name":"get_weather"}})"));
  // "none": no tools at all, and the history's calls as text.
  Json none = body_of(p, chat_body("m", history, tools + R"(,"tool_choice":"none")"));
  CHECK_FALSE(none.contains("toolConfig"));
  CHECK(none["messages"][1]["content"][0]["text"] ==
        "[tool call call.1!] get_weather({\"city\":\"Paris\"})");

  // An https image: Bedrock fetches no URL.
  auto bad = bedrock::request_body(
      chat_request(chat_body("m", R"([{"role":"user","content":[{"type":"image_url",
        "image_url":{"url":"https://example.com/a.png"}}]}])")),
      Target{&p, "m"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().status == 400);
  CHECK(bad.error().param == "messages[0].content[0].image_url");
}

TEST_CASE("bedrock request: json mode, reasoning, unsupported parameters") {
  auto p = bedrock_provider();
  Json j = body_of(p, chat_body("m", gw::test::kHiMessages,
                                R"("response_format":{"type":"json_schema","json_schema":)"
                                R"({"name":"x","schema":{"type":"object","properties":{}}}})"));
  CHECK(j["toolConfig"]["toolChoice"] == Json::parse(R"({"tool":{"name":"json_tool_call"}})"));
  CHECK(j["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["type"] == "object");

  Json r = body_of(p, chat_body("m", gw::test::kHiMessages, R"("reasoning_effort":"low")"));
  CHECK(r["additionalModelRequestFields"]["thinking"] ==
        Json::parse(R"({"type":"enabled","budget_tokens":2048})"));
  CHECK(r["inferenceConfig"]["maxTokens"] == 2048 + 4096);
  CHECK_FALSE(body_of(p, chat_body("m", gw::test::kHiMessages, R"("reasoning_effort":"low")"),
                      "amazon.nova-pro-v1:0")
                  .contains("additionalModelRequestFields"));

  auto n = bedrock::request_body(chat_request(chat_body("m", gw::test::kHiMessages, R"("n":2)")),
                                 Target{&p, "m"});
  REQUIRE_FALSE(n);
  CHECK(n.error().param == "n");
  p.drop_params = true;
  CHECK(body_of(p, chat_body("m", gw::test::kHiMessages, R"("n":2)")).contains("messages"));
}

TEST_CASE("bedrock call: signed with SigV4 for the host and path on the wire") {
  auto p = bedrock_provider("base_url = \"http://127.0.0.1:8123/prefix\"\n");
  auto req = chat_request(chat_body("m"));
  Target t{&p, "anthropic.claude-3-haiku-20240307-v1:0"};
  auto call = gw::providers::bedrock_call(req, t, true, "20250102T030405Z");
  REQUIRE(call);
  CHECK(call->path == "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream");
  const std::string auth(gw::net::header_value(call->headers, "authorization"));
  CHECK(
      auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250102/us-west-2/bedrock/"
                       "aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, "
                       "Signature="));
  CHECK(auth.size() == auth.find("Signature=") + 10 + 64);
  CHECK(gw::net::header_value(call->headers, "x-amz-date") == "20250102T030405Z");
  CHECK(gw::net::header_value(call->headers, "accept") == "application/vnd.amazon.eventstream");
  CHECK(gw::net::header_value(call->headers, "x-amz-security-token").empty());
  // The same signature AWS computes over the wire's host (with its port) and full path.
  const std::string wire_path = "/prefix" + call->path;
  aws::SigningRequest sr{"POST", "127.0.0.1:8123", wire_path, "", {}, call->body};
  sr.headers = {{"content-type", "application/json"},
                {"accept", "application/vnd.amazon.eventstream"}};
  aws::Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  std::string want;
  for (const auto& [k, v] : aws::sign_v4(sr, creds, "us-west-2", "bedrock", "20250102T030405Z"))
    if (k == "authorization") want = v;
  CHECK(auth == want);

  ::setenv("GW_TEST_BR_TOKEN", "tok-SECRET-123", 1);
  auto tp = bedrock_provider("session_token_env = \"GW_TEST_BR_TOKEN\"\n");
  auto tcall = gw::providers::bedrock_call(req, Target{&tp, "m"}, false, "20250102T030405Z");
  REQUIRE(tcall);
  CHECK(gw::net::header_value(tcall->headers, "x-amz-security-token") == "tok-SECRET-123");
  CHECK(std::string(gw::net::header_value(tcall->headers, "authorization"))
            .find("x-amz-date;x-amz-security-token") != std::string::npos);

  gw::config::ProviderConfig none = p;
  none.cloud.secret_access_key.clear();
  auto missing = gw::providers::bedrock_call(req, Target{&none, "m"}, false, "20250102T030405Z");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().status == 502);
  CHECK(missing.error().code == "missing_api_key");
}

TEST_CASE("bedrock response: text, tool calls, reasoning, usage with cache, stop reasons") {
  auto p = bedrock_provider();
  Target t{&p, "anthropic.claude-3-5-sonnet-20240620-v1:0"};
  auto r = bedrock::response_from_body(R"({"output":{"message":{"role":"assistant","content":[
      {"reasoningContent":{"reasoningText":{"text":"hmm","signature":"s"}}},
      {"text":"Let me check."},
      {"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]}},
      "stopReason":"tool_use","usage":{"inputTokens":10,"outputTokens":7,"totalTokens":25,
      "cacheReadInputTokens":5,"cacheWriteInputTokens":3},"metrics":{"latencyMs":9}})",
                                       t);
  REQUIRE(r);
  const auto& m = r->choices[0].message;
  CHECK(m.text == "Let me check.");
  REQUIRE(m.tool_calls.size() == 1);
  CHECK(m.tool_calls[0].id == "tooluse_1");
  CHECK(m.tool_calls[0].arguments == R"({"city":"Paris"})");
  CHECK(m.extra["reasoning_content"] == "hmm");
  CHECK(r->choices[0].finish_reason == "tool_calls");
  REQUIRE(r->usage);
  CHECK(r->usage->prompt_tokens == 18);
  CHECK(r->usage->cached_tokens == 5);
  CHECK(r->usage->cache_write_tokens == 3);
  CHECK(r->usage->completion_tokens == 7);
  CHECK(r->usage->total_tokens == 25);

  CHECK(bedrock::finish_reason_for("end_turn") == "stop");
  CHECK(bedrock::finish_reason_for("stop_sequence") == "stop");
  CHECK(bedrock::finish_reason_for("max_tokens") == "length");
  CHECK(bedrock::finish_reason_for("content_filtered") == "content_filter");
  CHECK(bedrock::finish_reason_for("guardrail_intervened") == "content_filter");

  auto json_answer = bedrock::response_from_body(
      R"({"output":{"message":{"content":[{"toolUse":{"toolUseId":"a","name":"json_tool_call",)"
      R"("input":{"a":1}}}]}},"stopReason":"tool_use"})",
      t);
  REQUIRE(json_answer);
  CHECK(json_answer->choices[0].message.text == R"({"a":1})");
  CHECK(json_answer->choices[0].finish_reason == "stop");

  CHECK_FALSE(bedrock::usage_from(Json::parse(R"({"inputTokens":-1,"outputTokens":2})")));
  auto bad = bedrock::response_from_body(R"({"message":"x"})", t);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().status == 502);
  CHECK(bad.error().code == "bad_upstream_response");
}

TEST_CASE("bedrock errors: AWS's classes to OpenAI's statuses") {
  auto err = [](int status, const char* type, std::string_view body = R"({"message":"m"})") {
    gw::net::Headers h;
    if (*type)
      h.emplace_back("x-amzn-ErrorType", std::string(type) + ":http://internal.amazon.com/");
    return bedrock::error_from_response(status, body, h, "br");
  };
  auto e = err(429, "ThrottlingException");
  CHECK(e.status == 429);
  CHECK(e.code == "rate_limit_exceeded");
  CHECK(e.message == "br: ThrottlingException: m");
  CHECK(err(400, "ValidationException").status == 400);
  CHECK(err(403, "AccessDeniedException").code == "upstream_auth_error");
  CHECK(err(403, "UnrecognizedClientException").status == 502);
  CHECK(err(429, "ModelNotReadyException").status == 503);
  CHECK(err(503, "ServiceUnavailableException").status == 503);
  CHECK(err(404, "ResourceNotFoundException").code == "model_not_found");
  CHECK(err(408, "ModelTimeoutException").status == 504);
  CHECK(err(424, "ModelErrorException").status == 502);
  // No header: the body's __type, then the status alone.
  CHECK(err(400, "", R"({"__type":"com.amazon.coral.service#ThrottlingException","Message":"x"})")
            .status == 429);
  CHECK(err(500, "", "not json").status == 502);
}

TEST_CASE("bedrock stream: frames fed a byte at a time, text then tool then usage") {
  auto p = bedrock_provider();
  const std::string bytes =
      frame("messageStart", {{"role", "assistant"}}) +
      frame("contentBlockDelta",
            {{"contentBlockIndex", 0}, {"delta", {{"text", "Hel"}}}, {"p", "abcd"}}) +
      frame("contentBlockDelta", {{"contentBlockIndex", 0}, {"delta", {{"text", "lo"}}}}) +
      frame("contentBlockStop", {{"contentBlockIndex", 0}}) +
      frame("contentBlockStart",
            {{"contentBlockIndex", 1},
             {"start", {{"toolUse", {{"toolUseId", "tu_1"}, {"name", "get_weather"}}}}}}) +
      frame("contentBlockDelta",
            {{"contentBlockIndex", 1}, {"delta", {{"toolUse", {{"input", "{\"ci"}}}}}}) +
      frame("contentBlockDelta",
            {{"contentBlockIndex", 1}, {"delta", {{"toolUse", {{"input", "ty\":1}"}}}}}}) +
      frame("contentBlockStop", {{"contentBlockIndex", 1}}) +
      frame("messageStop", {{"stopReason", "tool_use"}}) +
      frame("metadata", {{"usage",
                          {{"inputTokens", 4},
                           {"outputTokens", 6},
                           {"totalTokens", 12},
                           {"cacheReadInputTokens", 2}}},
                         {"metrics", {{"latencyMs", 5}}}});
  bedrock::StreamTranslator tr(gw::test::hi_stream_request(), Target{&p, "m"});
  auto fed = feed_bytewise(tr, bytes);
  REQUIRE_FALSE(fed.error);
  std::vector<Json> choices;
  for (const auto& c : fed.chunks)
    choices.push_back(c["choices"].empty() ? Json(nullptr) : c["choices"][0]["delta"]);
  REQUIRE(fed.chunks.size() == 8);
  CHECK(choices[0] == Json::parse(R"({"role":"assistant","content":""})"));
  CHECK(choices[1] == Json::parse(R"({"content":"Hel"})"));
  CHECK(choices[2] == Json::parse(R"({"content":"lo"})"));
  CHECK(choices[3]["tool_calls"][0] == Json::parse(R"({"index":0,"id":"tu_1","type":"function",
                        "function":{"name":"get_weather","arguments":""}})"));
  CHECK(choices[4]["tool_calls"][0]["function"]["arguments"] == "{\"ci");
  CHECK(choices[5]["tool_calls"][0]["function"]["arguments"] == "ty\":1}");
  CHECK(fed.chunks[6]["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(fed.chunks[7]["usage"]["prompt_tokens"] == 6);
  CHECK(fed.chunks[7]["usage"]["completion_tokens"] == 6);
  CHECK(tr.done());
  CHECK(tr.usage_final());
  CHECK(tr.finish_reason() == "tool_calls");
}

TEST_CASE("bedrock stream: an exception frame, a cut stream, a broken frame") {
  auto p = bedrock_provider();
  Target t{&p, "m"};
  {
    bedrock::StreamTranslator tr(gw::test::hi_stream_request(), t);
    std::string bytes = aws::encode_event_message({{":message-type", "exception"},
                                                   {":exception-type", "throttlingException"},
                                                   {":content-type", "application/json"}},
                                                  R"({"message":"Too many requests"})");
    auto fed = feed_bytewise(tr, bytes);
    REQUIRE(fed.error);
    CHECK(fed.error->status == 429);
    CHECK(fed.error->message == "br: throttlingException: Too many requests");
  }
  {
    bedrock::StreamTranslator tr(gw::test::hi_stream_request(), t);
    auto fed = feed_bytewise(
        tr, frame("messageStart", {{"role", "assistant"}}) +
                frame("contentBlockDelta", {{"contentBlockIndex", 0}, {"delta", {{"text", "x"}}}}));
    REQUIRE(fed.error);
    CHECK(fed.error->code == "upstream_stream_truncated");
  }
  {
    bedrock::StreamTranslator tr(gw::test::hi_stream_request(), t);
    std::string broken = frame("messageStart", {{"role", "assistant"}});
    broken.back() ^= 0x55;
    auto fed = feed_bytewise(tr, broken);
    REQUIRE(fed.error);
    CHECK(fed.error->status == 502);
    CHECK(fed.error->code == "bad_upstream_response");
  }
  {  // messageStop without metadata: whole, usage unknown
    bedrock::StreamTranslator tr(gw::test::hi_stream_request(), t);
    auto fed = feed_bytewise(tr, frame("messageStop", {{"stopReason", "max_tokens"}}));
    REQUIRE_FALSE(fed.error);
    CHECK(tr.finish_reason() == "length");
    CHECK_FALSE(tr.usage());
  }
}

TEST_CASE("bedrock stream: json mode sends only the forced tool's input, as content") {
  auto p = bedrock_provider();
  auto req = chat_request(chat_body("m", gw::test::kHiMessages,
                                    R"("stream":true,"response_format":{"type":"json_object"})"));
  bedrock::StreamTranslator tr(req, Target{&p, "m"});
  auto fed = feed_bytewise(
      tr, frame("contentBlockDelta", {{"contentBlockIndex", 0}, {"delta", {{"text", "Sure"}}}}) +
              frame("contentBlockStart",
                    {{"contentBlockIndex", 1},
                     {"start", {{"toolUse", {{"toolUseId", "a"}, {"name", "json_tool_call"}}}}}}) +
              frame("contentBlockDelta", {{"contentBlockIndex", 1},
                                          {"delta", {{"toolUse", {{"input", "{\"a\":1}"}}}}}}) +
              frame("messageStop", {{"stopReason", "tool_use"}}));
  REQUIRE_FALSE(fed.error);
  std::string content;
  for (const auto& c : fed.chunks)
    if (!c["choices"].empty() && c["choices"][0]["delta"].contains("content"))
      content += c["choices"][0]["delta"]["content"].get<std::string>();
  CHECK(content == "{\"a\":1}");
  CHECK(tr.finish_reason() == "stop");
}

TEST_CASE("bedrock stream: hostile bytes end in an error, never a crash") {
  auto p = bedrock_provider();
  Target t{&p, "m"};
  auto error_of = [&](std::string_view bytes) {
    bedrock::StreamTranslator tr(gw::test::hi_stream_request(), t);
    return feed_bytewise(tr, bytes).error;
  };
  // A prelude claiming 1 GiB: refused at once, not buffered.
  std::string huge("\x40\x00\x00\x00\x00\x00\x00\x00", 8);
  const uint32_t crc = aws::crc32(huge);
  for (int shift : {24, 16, 8, 0}) huge.push_back(static_cast<char>((crc >> shift) & 0xFF));
  auto e = error_of(huge + "more");
  REQUIRE(e);
  CHECK(e->code == "bad_upstream_response");
  // Garbage, and a well-framed event whose payload is not JSON.
  REQUIRE(error_of("this is not an event stream at all"));
  auto not_json = error_of(aws::encode_event_message(
      {{":event-type", "contentBlockDelta"}, {":message-type", "event"}}, "{\"delta\":"));
  REQUIRE(not_json);
  CHECK(not_json->status == 502);
  // Unknown events and fields are skipped; a stream of only those is truncated.
  auto unknown = error_of(frame("somethingNew", {{"x", 1}}));
  REQUIRE(unknown);
  CHECK(unknown->code == "upstream_stream_truncated");
}
