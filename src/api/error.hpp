// The one error value that crosses layer boundaries. It is already OpenAI-shaped
// ({"error":{"message","type","param","code"}}) so any layer can hand it to a client.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace gw {

struct Error {
  int status = 500;   // HTTP status a client should see
  std::string type;   // OpenAI error type: invalid_request_error, server_error, ...
  std::string code;   // empty = null
  std::string param;  // empty = null
  std::string message;
  int retry_after_ms = -1;        // upstream hint (Retry-After, retryDelay); -1 when absent
  bool after_first_byte = false;  // the stream had already reached the client
  bool rejected = false;  // refused by gw's own policy (auth, limits, budget, PII), not upstream

  static Error bad_request(std::string message, std::string param = {}, std::string code = {}) {
    return {400, "invalid_request_error", std::move(code), std::move(param), std::move(message)};
  }
  static Error not_found(std::string message, std::string code = "model_not_found") {
    return {404, "invalid_request_error", std::move(code), {}, std::move(message)};
  }
  static Error upstream(int status, std::string message, std::string code = {}) {
    return {status, "server_error", std::move(code), {}, std::move(message)};
  }
  static Error internal(std::string message) {
    return {500, "server_error", {}, {}, std::move(message)};
  }

  // Worth another attempt (same or next target): rate limits, overload, 5xx, timeouts,
  // connection failures. Never 400/401/403/404 (PROTOCOLS 5.30).
  bool retryable() const {
    if (type == "config_error" || type == "upstream_auth_error") return false;  // same answer again
    return status == 408 || status == 409 || status == 429 || status >= 500;
  }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Error e) {
  return std::unexpected<Error>(std::move(e));
}

}  // namespace gw
