#include "server/client_family.hpp"

#include <algorithm>
#include <cctype>

namespace gw::server {
namespace {

bool contains_nocase(std::string_view hay, std::string_view needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         }) != hay.end();
}

}  // namespace

std::string_view client_family(std::string_view ua) {
  // Most specific first: Claude Code is built on the Anthropic SDK, LangChain and the Vercel
  // AI SDK on the vendors' SDKs; each says so in its own product token.
  struct Rule {
    std::string_view needle;  // lower case
    std::string_view family;
  };
  static constexpr Rule kRules[] = {
      {"claude-cli", "claude-code"},
      {"claude-code", "claude-code"},
      {"langchain", "langchain"},
      {"ai-sdk", "vercel-ai-sdk"},
      {"litellm", "litellm"},
      {"anthropic/", "anthropic-sdk"},
      {"anthropic-", "anthropic-sdk"},
      {"openai/", "openai-sdk"},
      {"openai-", "openai-sdk"},
      {"curl/", "curl"},
      {"python-requests", "python-requests"},
      {"node", "node"},
  };
  for (const auto& r : kRules)
    if (contains_nocase(ua, r.needle)) return r.family;
  return "other";
}

}  // namespace gw::server
