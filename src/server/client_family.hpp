// Which kind of client sent a request, from its User-Agent: a small fixed set, so it can be a
// ledger column, a report group and a metric label without letting a client name its own.
#pragma once

#include <string_view>

namespace gw::server {

// "claude-code", "anthropic-sdk", "openai-sdk", "vercel-ai-sdk", "langchain", "litellm",
// "curl", "python-requests", "node", or "other" (also for no User-Agent at all).
std::string_view client_family(std::string_view user_agent);

}  // namespace gw::server
