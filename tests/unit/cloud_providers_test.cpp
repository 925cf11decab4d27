// Azure OpenAI and Vertex AI: their settings, the URL of every style and location, the
// headers and bodies the wrapped adapters send, and Azure's error and content-filter shapes.
#include <cstdlib>

#include "config/config.hpp"
#include "fixtures.hpp"
#include "providers/azure_adapter.hpp"
#include "providers/vertex_provider.hpp"

namespace {

using gw::config::parse_config;
using gw::providers::Target;
using gw::test::chat_body;

gw::config::ProviderConfig provider_from(const std::string& toml) {
  auto c = parse_config("[providers.p]\n" + toml, "t.toml");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return c->providers.at("p");
}

std::string config_error(const std::string& toml) {
  auto c = parse_config("[providers.p]\n" + toml, "t.toml");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().type == "config_error");
  return c.error().message;
}

std::string header(const gw::net::Headers& h, std::string_view name) {
  return std::string(gw::net::header_value(h, name));
}

const char* kVertex =
    "kind = \"vertex\"\nproject = \"proj-1\"\naccess_token_env = \"GW_TEST_VX_TOKEN\"\n";

}  // namespace

TEST_CASE("vertex: the host follows the location; base_url overrides it") {
  auto host = [](const std::string& loc) {
    return provider_from("kind = \"vertex\"\nproject = \"p1\"\nlocation = \"" + loc +
                         "\"\naccess_token_env = \"X\"\n")
        .base_url;
  };
  CHECK(host("us-central1") == "https://us-central1-aiplatform.googleapis.com");
  CHECK(host("europe-west4") == "https://europe-west4-aiplatform.googleapis.com");
  CHECK(host("global") == "https://aiplatform.googleapis.com");
  CHECK(host("us") == "https://aiplatform.us.rep.googleapis.com");
  CHECK(host("eu") == "https://aiplatform.eu.rep.googleapis.com");
  auto p = provider_from(std::string(kVertex) + "base_url = \"http://127.0.0.1:9/\"\n");
  CHECK(p.base_url == "http://127.0.0.1:9");
  CHECK(p.cloud.location == "us-central1");
  CHECK(p.cloud.bearer);
  CHECK(p.api_key_env == "GW_TEST_VX_TOKEN");
}

TEST_CASE("vertex: settings refused at load") {
  CHECK(config_error("kind = \"vertex\"\naccess_token_env = \"X\"\n").find("needs a project") !=
        std::string::npos);
  CHECK(config_error("kind = \"vertex\"\nproject = \"a/b\"\naccess_token_env = \"X\"\n")
            .find("invalid project or location") != std::string::npos);
  CHECK(config_error(
            "kind = \"vertex\"\nproject = \"a\"\nlocation = \"x?y\"\naccess_token_env = \"X\"\n")
            .find("invalid project or location") != std::string::npos);
  CHECK(config_error("kind = \"vertex\"\nproject = \"a\"\napi_key = \"k\"\n").find("not api_key") !=
        std::string::npos);
  CHECK(
      config_error(
          "kind = \"vertex\"\nproject = \"a\"\ntoken_url = \"ftp://x\"\naccess_token_env = \"X\"\n")
          .find("token_url") != std::string::npos);
}

TEST_CASE("vertex: URLs of both publishers; the publisher follows the model name") {
  auto p = provider_from(std::string(kVertex) + "location = \"global\"\n");
  CHECK(gw::providers::vertex_publisher("claude-sonnet-4-5@20250929") == "anthropic");
  CHECK(gw::providers::vertex_publisher("gemini-2.5-pro") == "google");
  CHECK(gw::providers::vertex_publisher("llama-3") == "google");
  CHECK(*gw::providers::vertex_path(p.cloud, "google", "gemini-2.5-pro", "generateContent") ==
        "/v1/projects/proj-1/locations/global/publishers/google/models/"
        "gemini-2.5-pro:generateContent");
  CHECK(*gw::providers::vertex_path(p.cloud, "anthropic", "claude-sonnet-4-5@20250929",
                                    "rawPredict") ==
        "/v1/projects/proj-1/locations/global/publishers/anthropic/models/"
        "claude-sonnet-4-5@20250929:rawPredict");
  for (auto bad : {"", "a/b", "a?b", "a#b", "a%2f", "..", "a b"})
    CHECK_FALSE(gw::providers::vertex_path(p.cloud, "google", bad, "generateContent").has_value());
}

TEST_CASE("vertex gemini: Gemini's body at the Vertex URL with a bearer token") {
  auto p = provider_from(std::string(kVertex) + "location = \"europe-west4\"\n");
  p.api_key = "ya29.tok";  // VertexProvider puts the token here
  auto a = gw::providers::make_vertex_gemini_adapter();
  Target t{&p, "gemini-2.5-pro"};
  for (bool stream : {false, true}) {
    auto call = gw::test::build_call(*a, chat_body("gemini-2.5-pro"), t, stream);
    REQUIRE(call.has_value());
    CHECK(call->path == std::string("/v1/projects/proj-1/locations/europe-west4/publishers/google/"
                                    "models/gemini-2.5-pro:") +
                            (stream ? "streamGenerateContent?alt=sse" : "generateContent"));
    CHECK(header(call->headers, "authorization") == "Bearer ya29.tok");
    CHECK(header(call->headers, "x-goog-api-key").empty());
    auto body = gw::test::call_body(call);
    CHECK(body["contents"][0]["role"] == "user");
    CHECK(body["contents"][0]["parts"][0]["text"] == "hi");
  }
  auto bad = gw::test::build_call(*a, chat_body("x"), Target{&p, "tunedModels/x"});
  CHECK_FALSE(bad.has_value());
}

TEST_CASE("vertex anthropic: Messages body without model, vertex anthropic_version, bearer") {
  auto p = provider_from(kVertex);
  p.api_key = "ya29.tok";
  auto a = gw::providers::make_vertex_anthropic_adapter();
  Target t{&p, "claude-sonnet-4-5@20250929"};
  for (bool stream : {false, true}) {
    auto req = gw::test::chat_request(chat_body("c"));
    req.anthropic_beta = "context-1m-2025-08-07";
    auto call = a->build_request(req, t, stream);
    REQUIRE(call.has_value());
    CHECK(call->path ==
          std::string("/v1/projects/proj-1/locations/us-central1/publishers/anthropic/models/"
                      "claude-sonnet-4-5@20250929:") +
              (stream ? "streamRawPredict" : "rawPredict"));
    CHECK(header(call->headers, "authorization") == "Bearer ya29.tok");
    CHECK(header(call->headers, "x-api-key").empty());
    CHECK(header(call->headers, "anthropic-version").empty());
    CHECK(header(call->headers, "anthropic-beta") == "context-1m-2025-08-07");
    auto body = gw::test::call_body(call);
    CHECK_FALSE(body.contains("model"));
    CHECK(body["anthropic_version"] == "vertex-2023-10-16");
    CHECK(body["max_tokens"] == 4096);
    CHECK(body.value("stream", false) == stream);
  }
  CHECK_FALSE(
      a->build_request(gw::test::chat_request(chat_body("c")), Target{&p, "claude/x"}, false)
          .has_value());
}

TEST_CASE("vertex anthropic: Anthropic errors and Vertex's google.rpc errors both map") {
  auto p = provider_from(kVertex);
  auto a = gw::providers::make_vertex_anthropic_adapter();
  Target t{&p, "claude-haiku-4-5@20251001"};
  auto quota = a->parse_error(
      429, R"({"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}})", {},
      t);
  CHECK(quota.status == 429);
  CHECK(quota.code == "rate_limit_exceeded");
  CHECK(quota.message.find("Quota exceeded") != std::string::npos);
  auto unauth = a->parse_error(
      401, R"({"error":{"code":401,"message":"bad token","status":"UNAUTHENTICATED"}})", {}, t);
  CHECK(unauth.status == 502);
  CHECK(unauth.code == "upstream_auth_error");
  auto overloaded = a->parse_error(
      529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})", {}, t);
  CHECK(overloaded.status == 503);
}

TEST_CASE("azure: URLs of both styles, the deployment mapped from the model") {
  auto p = provider_from(
      "kind = \"azure\"\nbase_url = \"https://r.openai.azure.com\"\napi_key = \"k\"\n"
      "deployments = { \"gpt-4o\" = \"my-gpt4o\" }\n");
  CHECK(p.cloud.api_style == "deployments");
  CHECK(p.cloud.api_version == "2024-10-21");
  CHECK(gw::providers::azure_path(p.cloud, "gpt-4o", "chat/completions") ==
        "/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21");
  CHECK(gw::providers::azure_path(p.cloud, "gpt-4o-mini", "embeddings") ==
        "/openai/deployments/gpt-4o-mini/embeddings?api-version=2024-10-21");
  CHECK(gw::providers::azure_path(p.cloud, "a/b?c", "chat/completions") ==
        "/openai/deployments/a%2Fb%3Fc/chat/completions?api-version=2024-10-21");
  auto v1 = provider_from(
      "kind = \"azure\"\nbase_url = \"https://r.openai.azure.com\"\napi_style = \"v1\"\n"
      "api_version = \"2025-04-01-preview\"\n");
  CHECK(v1.cloud.api_version == "2025-04-01-preview");
  CHECK(gw::providers::azure_path(v1.cloud, "gpt-4o", "chat/completions") ==
        "/openai/v1/chat/completions");
  CHECK(config_error("kind = \"azure\"\nbase_url = \"https://r\"\napi_style = \"v2\"\n")
            .find("api_style must be deployments or v1") != std::string::npos);
  CHECK(config_error("kind = \"azure\"\napi_key = \"k\"\n").find("needs a base_url") !=
        std::string::npos);
  CHECK(config_error("kind = \"azure\"\nbase_url = \"https://r\"\napi_key = \"k\"\n"
                     "access_token_env = \"T\"\n")
            .find("not both") != std::string::npos);
}

TEST_CASE("azure: api-key header (or a bearer token), the deployment as the body's model") {
  auto p = provider_from(
      "kind = \"azure\"\nbase_url = \"https://r.openai.azure.com\"\napi_key = \"az-key-123\"\n"
      "api_style = \"v1\"\ndeployments = { \"gpt-4o\" = \"my-gpt4o\" }\n");
  auto a = gw::providers::make_azure_adapter();
  auto call = gw::test::build_call(*a, chat_body("gpt-4o"), Target{&p, "gpt-4o"}, true);
  REQUIRE(call.has_value());
  CHECK(call->path == "/openai/v1/chat/completions");
  CHECK(header(call->headers, "api-key") == "az-key-123");
  CHECK(header(call->headers, "authorization").empty());
  auto body = gw::test::call_body(call);
  CHECK(body["model"] == "my-gpt4o");
  CHECK(body["stream_options"]["include_usage"] == true);

  ::setenv("GW_TEST_AZ_TOKEN", "entra-token-456", 1);
  auto b = provider_from(
      "kind = \"azure\"\nbase_url = \"https://r.openai.azure.com\"\n"
      "access_token_env = \"GW_TEST_AZ_TOKEN\"\n");
  auto bcall = gw::test::build_call(*a, chat_body("gpt-4o"), Target{&b, "gpt-4o"});
  REQUIRE(bcall.has_value());
  CHECK(header(bcall->headers, "authorization") == "Bearer entra-token-456");
  CHECK(header(bcall->headers, "api-key").empty());
  CHECK(bcall->path == "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21");

  auto none = provider_from("kind = \"azure\"\nbase_url = \"https://r.openai.azure.com\"\n");
  auto missing = gw::test::build_call(*a, chat_body("gpt-4o"), Target{&none, "gpt-4o"});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == "missing_api_key");
}

TEST_CASE("azure: content filter and Azure error bodies in OpenAI's shape") {
  auto p = provider_from(
      "kind = \"azure\"\nbase_url = \"https://r.openai.azure.com\"\napi_key = \"az-key-123\"\n");
  auto filtered = gw::providers::azure_error(
      400,
      R"({"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":true,"detected":true},"violence":{"filtered":true,"severity":"medium"}}}}})",
      {}, p);
  CHECK(filtered.status == 400);
  CHECK(filtered.type == "invalid_request_error");
  CHECK(filtered.code == "content_filter");
  CHECK(filtered.message.starts_with(
      "p: the prompt was stopped by Azure's content filter (jailbreak, violence (medium)): The "
      "response was filtered"));
  CHECK(gw::api::error_to_json(filtered)["error"]["code"] == "content_filter");

  auto limited = gw::providers::azure_error(
      429, R"({"error":{"code":"429","message":"Requests have exceeded token rate limit."}})",
      {{"retry-after-ms", "1500"}}, p);
  CHECK(limited.status == 429);
  CHECK(limited.code == "rate_limit_exceeded");
  CHECK(limited.retry_after_ms == 1500);
  auto nodeploy = gw::providers::azure_error(
      404,
      R"({"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}})",
      {}, p);
  CHECK(nodeploy.status == 404);
  CHECK(nodeploy.code == "model_not_found");
  CHECK(nodeploy.message.find("[providers.p].deployments") != std::string::npos);
  auto denied = gw::providers::azure_error(
      401,
      R"({"error":{"code":"401","message":"Access denied due to invalid subscription key az-key-123"}})",
      {}, p);
  CHECK(denied.status == 502);
  CHECK(denied.code == "upstream_auth_error");
  CHECK(denied.message.find("az-key-123") == std::string::npos);
}

TEST_CASE("azure: a stream's prompt_filter_results event and content_filter finish pass cleanly") {
  auto p = provider_from(
      "kind = \"azure\"\nbase_url = \"https://r.openai.azure.com\"\napi_key = \"k\"\n");
  auto a = gw::providers::make_azure_adapter();
  Target t{&p, "gpt-4o"};
  auto dec = a->make_stream_decoder(gw::test::hi_stream_request("gpt-4o"), t);
  gw::api::ChunkList out;
  auto err = gw::test::feed_events(
      *dec,
      {{"",
        R"({"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false}}}]})"},
       {"",
        R"({"choices":[{"content_filter_results":{},"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0}],"created":1,"id":"chatcmpl-a","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk"})"},
       {"",
        R"({"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hel"},"finish_reason":null,"index":0}],"created":1,"id":"chatcmpl-a","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk"})"},
       {"",
        R"({"choices":[{"content_filter_results":{"violence":{"filtered":true,"severity":"high"}},"delta":{},"finish_reason":"content_filter","index":0}],"created":1,"id":"chatcmpl-a","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk"})"},
       {"",
        R"({"choices":[],"created":1,"id":"chatcmpl-a","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}})"},
       {"", "[DONE]"}},
      out);
  REQUIRE_FALSE(err.has_value());
  REQUIRE_FALSE(gw::test::end_stream(*dec, out).has_value());
  std::string text;
  for (const auto& c : out) {
    CHECK(c.id == "chatcmpl-a");  // the filter-only event is not forwarded
    for (const auto& ch : c.choices)
      if (ch.content) text += *ch.content;
  }
  CHECK(text == "Hel");
  CHECK(dec->finish_reason() == "content_filter");
  REQUIRE(dec->usage().has_value());
  CHECK(dec->usage()->prompt_tokens == 9);

  auto answer = gw::test::parse_answer(
      *a,
      R"({"choices":[{"content_filter_results":{"violence":{"filtered":true,"severity":"high"}},"finish_reason":"content_filter","index":0,"message":{"content":null,"role":"assistant"}}],"created":1,"id":"chatcmpl-b","model":"gpt-4o","object":"chat.completion","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}],"usage":{"prompt_tokens":5,"completion_tokens":0,"total_tokens":5}})",
      t);
  REQUIRE(answer.choices.size() == 1);
  CHECK(answer.choices[0].finish_reason == "content_filter");
  REQUIRE(answer.usage.has_value());
  CHECK(answer.usage->prompt_tokens == 5);
}
