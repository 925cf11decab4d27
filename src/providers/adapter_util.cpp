#include "providers/adapter_util.hpp"

#include <chrono>
#include <random>

#include "providers/provider.hpp"

namespace gw::providers {

std::string random_alnum(size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string s(n, '\0');
  for (auto& c : s) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  return s;
}

std::string new_completion_id() {
  return "chatcmpl-" + random_alnum(24);
}
std::string new_tool_call_id() {
  return "call_" + random_alnum(24);
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void apply_configured_headers(net::Headers& headers, const config::ProviderConfig& p) {
  for (const auto& h : p.headers) {
    std::erase_if(headers, [&](const auto& have) { return net::iequals(have.first, h.first); });
    headers.push_back(h);
  }
}

UpstreamFailure failure_for_status(int status) {
  switch (status) {
    case 400:
    case 409:
    case 422:
      return UpstreamFailure::invalid_request;
    case 401:
      return UpstreamFailure::auth;
    case 402:
      return UpstreamFailure::quota;
    case 403:
      return UpstreamFailure::permission;
    case 404:
      return UpstreamFailure::not_found;
    case 408:
    case 504:
      return UpstreamFailure::timeout;
    case 413:
      return UpstreamFailure::too_large;
    case 429:
      return UpstreamFailure::rate_limit;
    case 503:
    case 529:
      return UpstreamFailure::overloaded;
    default:
      return status >= 400 && status < 500 ? UpstreamFailure::invalid_request
                                           : UpstreamFailure::server;
  }
}

Error upstream_error(UpstreamFailure kind, std::string_view provider, std::string_view message,
                     int retry_after_ms) {
  Error e;
  e.message = std::string(provider) + ": " + std::string(message);
  e.retry_after_ms = retry_after_ms;
  switch (kind) {
    case UpstreamFailure::invalid_request:
      e.status = 400;
      e.type = "invalid_request_error";
      break;
    case UpstreamFailure::auth:
      e.status = 502;
      e.type = "upstream_auth_error";
      e.code = "upstream_auth_error";
      break;
    case UpstreamFailure::permission:
      e.status = 403;
      e.type = "permission_error";
      break;
    case UpstreamFailure::not_found:
      e.status = 404;
      e.type = "invalid_request_error";
      e.code = "model_not_found";
      break;
    case UpstreamFailure::too_large:
      e.status = 413;
      e.type = "invalid_request_error";
      e.code = "request_too_large";
      break;
    case UpstreamFailure::rate_limit:
      e.status = 429;
      e.type = "rate_limit_error";
      e.code = "rate_limit_exceeded";
      break;
    case UpstreamFailure::quota:
      e.status = 429;
      e.type = "insufficient_quota";
      e.code = "insufficient_quota";
      break;
    case UpstreamFailure::server:
      e.status = 502;
      e.type = "server_error";
      break;
    case UpstreamFailure::overloaded:
      e.status = 503;
      e.type = "server_error";
      e.code = "overloaded";
      break;
    case UpstreamFailure::timeout:
      e.status = 504;
      e.type = "server_error";
      e.code = "timeout";
      break;
  }
  return e;
}

Error truncated_stream_error(std::string_view provider) {
  (void)provider;  // the message is fixed (PROTOCOLS 5.8) so clients can match on it
  return Error::upstream(502, "upstream stream ended early", "upstream_stream_truncated");
}

}  // namespace gw::providers
