// Helpers every adapter shares: ids, clocks, and the upstream-error → client-status rules of
// PROTOCOLS 4.3, so each adapter only has to read its own dialect's error body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/error.hpp"
#include "config/config.hpp"
#include "net/http_types.hpp"

namespace gw::providers {

std::string random_alnum(size_t n);
std::string new_completion_id();  // "chatcmpl-" + 24 alphanumerics
std::string new_tool_call_id();   // "call_" + 24 alphanumerics
int64_t unix_now();

// Appends the provider's configured headers; one with the same name as ours replaces it
// (e.g. a newer anthropic-version, an OpenAI-Organization, a proxy's auth header).
void apply_configured_headers(net::Headers& headers, const config::ProviderConfig& p);

// What a client sees for an upstream failure. `kind` is the dialect-neutral class of the
// failure; the message is prefixed with the provider name.
enum class UpstreamFailure {
  invalid_request,  // 400
  auth,             // gw's own upstream key is bad → 502 upstream_auth_error
  permission,       // 403
  not_found,        // 404 model_not_found
  too_large,        // 413
  rate_limit,       // 429 rate_limit_exceeded
  quota,            // 429 insufficient_quota
  server,           // 502
  overloaded,       // 503
  timeout,          // 504
};
Error upstream_error(UpstreamFailure kind, std::string_view provider, std::string_view message,
                     int retry_after_ms = -1);
// Classifies by HTTP status alone, for bodies that say nothing useful.
UpstreamFailure failure_for_status(int status);

}  // namespace gw::providers
