// The client family a User-Agent maps to: a closed set, most specific product first.
#include <doctest/doctest.h>

#include "server/client_family.hpp"

TEST_CASE("client family from the user agent") {
  using gw::server::client_family;
  CHECK(client_family("claude-cli/2.0.14 (external, cli)") == "claude-code");
  CHECK(client_family("Anthropic/JS 0.65.0") == "anthropic-sdk");
  CHECK(client_family("Anthropic/Python 0.69.0") == "anthropic-sdk");
  CHECK(client_family("OpenAI/JS 5.23.2") == "openai-sdk");
  CHECK(client_family("OpenAI/Python 1.109.1") == "openai-sdk");
  CHECK(client_family("ai-sdk/openai/2.0.30 ai/5.0.44") == "vercel-ai-sdk");
  CHECK(client_family("langchainjs-openai/0.6 OpenAI/JS 5.0.0") == "langchain");
  CHECK(client_family("curl/7.88.1") == "curl");
  CHECK(client_family("python-requests/2.31") == "python-requests");
  CHECK(client_family("node") == "node");
  CHECK(client_family("") == "other");
  CHECK(client_family("Mozilla/5.0 \x01\xff") == "other");
}
