// Cloud front doors onto the dialects: Vertex AI (both publishers) with its OAuth2 token
// endpoint, Azure OpenAI, and AWS Bedrock's Converse (a dialect of its own, bedrock.cpp). Each
// checks the cloud's own URL, auth and envelope, then hands the request to the vendor dialect
// (Gemini, Anthropic, OpenAI) as that vendor would get it.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exchange.hpp"

namespace fake {

// POST /v1/projects/{p}/locations/{l}/publishers/{google|anthropic}/models/{m}:{method}
void vertex_post(Exchange& ex);
// POST /oauth2/token: the service-account JWT exchange (google_token.cpp).
void google_token(Exchange& ex);
// The token is one google_token issued and it has not expired.
bool google_token_valid(const std::string& token);
// POST /openai/deployments/{d}/chat/completions?api-version=..., /openai/v1/chat/completions
void azure_post(Exchange& ex);

// POST /model/{modelId}/converse, /model/{modelId}/converse-stream (SigV4-signed).
void bedrock_post(Exchange& ex);
// "" when `body` is a Converse request Bedrock accepts, else the ValidationException message.
std::string bedrock_validate(const nlohmann::json& body);

// The AWS credentials the fake Bedrock knows (test-only values that grant nothing anywhere):
// long-term, and temporary ones that need the session token.
inline constexpr std::string_view kAwsAccessKeyId = "AKIAGWTESTFAKE000001";
inline constexpr std::string_view kAwsSecretKey = "gwTestSecretKey/NotReal+0123456789abcdefghij";
inline constexpr std::string_view kAwsTempAccessKeyId = "ASIAGWTESTFAKE000002";
inline constexpr std::string_view kAwsTempSecretKey = "gwTestTempSecret/NotReal+9876543210zyxwvuts";
inline constexpr std::string_view kAwsSessionToken =
    "gw-test-session-token/NotReal+FwoGZXIvYXdzEJr";

// The public half of tests/fixtures/vertex_test_service_account.json (a test-only key
// generated with openssl; it grants nothing anywhere) and who that key belongs to.
inline constexpr std::string_view kTestServiceAccountEmail =
    "gw-test@gw-test-project.iam.gserviceaccount.com";
inline constexpr std::string_view kTestServiceAccountKeyId = "test-key-not-a-secret-0001";
inline constexpr std::string_view kTestServiceAccountPublicKey = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvLcsOFmDW1KkwLPkECmS
1zxBFXBjWWdLzcVGtZe9zE3ZH/RSmqyIW/h1QsEh518ibw3ir2Rjd3TcqAhszUt1
ro4GYyEbByMouEXj75gt7IRn2YriviV8imJBGJMkdggNptv8qfX9UNGt6pakRziJ
59uWMy36DdiGN7B6pWRkaJMjr7tp06hA5JXavhvfTZFwfWGSAq1XjOtdtuvERQ0f
ylWiO+ia7/fYaOvYE7UharQI+HSuUmUtZUGIkZLuqItqVS+QIyoBqB/qWeuJd9tf
8vcc/5tgdk52gzUh6HmGFlgXQDhE9wcvETTUPKiDdHZwYyj76s/Pl8+prJ6oLVwz
SQIDAQAB
-----END PUBLIC KEY-----
)";

}  // namespace fake
