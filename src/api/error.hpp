// The one error value that crosses layer boundaries. It is already OpenAI-shaped
// ({"error":{"message","type","param","code"}}) so any layer can hand it to a client, and it
// carries the CLI's exit code separately from the HTTP status. Build one with a named
// constructor: the kind of failure says which status, type and exit code go together.
#pragma once

#include <expected>
#include <string>
#include <utility>
#include <vector>

namespace gw {

// The gw command's exit codes (README, "Using gw from the terminal"; man page, EXIT STATUS).
namespace exit_code {
inline constexpr int kOk = 0, kUpstream = 1, kUsage = 2, kConfig = 3, kRejected = 4;
}  // namespace exit_code

struct Error {
  int status = 500;   // HTTP status a client should see
  std::string type;   // OpenAI error type: invalid_request_error, server_error, ...
  std::string code;   // empty = null
  std::string param;  // empty = null
  std::string message;
  int retry_after_ms = -1;        // upstream hint (Retry-After, retryDelay); -1 when absent
  bool after_first_byte = false;  // the stream had already reached the client
  bool rejected = false;  // refused by gw's own policy (auth, limits, budget, PII), not upstream
  int exit = exit_code::kUpstream;  // what `gw` exits with when this error ends a command
  // Headers the client should get with this error: a rate-limited upstream's own
  // retry-after and x-ratelimit-* hints, passed on (names lowercase, values untrusted).
  std::vector<std::pair<std::string, std::string>> headers;

  // A request gw cannot take as it is (400; exit 1, like any failed request).
  static Error bad_request(std::string message, std::string param = {}, std::string code = {}) {
    return make(400, "invalid_request_error", std::move(code), std::move(message),
                std::move(param));
  }
  static Error not_found(std::string message, std::string code = "model_not_found") {
    return make(404, "invalid_request_error", std::move(code), std::move(message));
  }
  // The upstream failed or answered with an error.
  static Error upstream(int status, std::string message, std::string code = {}) {
    return make(status, "server_error", std::move(code), std::move(message));
  }
  static Error internal(std::string message) {
    return make(500, "server_error", {}, std::move(message));
  }
  // A command line the CLI cannot use (exit 2).
  static Error usage(std::string message) {
    Error e = make(400, "usage_error", {}, std::move(message));
    e.exit = exit_code::kUsage;
    return e;
  }
  // The config, the store or the machine is not as gw needs it (exit 3): a missing API key
  // is one too, with the status a client then sees (502).
  static Error config(std::string message, int status = 500, std::string code = {}) {
    Error e = make(status, "config_error", std::move(code), std::move(message));
    e.exit = exit_code::kConfig;
    return e;
  }
  // Refused by gw's own policy: auth 401, model 403, limits 429, PII 400 (exit 4).
  static Error refused(int status, std::string type, std::string code, std::string message) {
    Error e = make(status, std::move(type), std::move(code), std::move(message));
    e.rejected = true;
    e.exit = exit_code::kRejected;
    return e;
  }
  // The client left before the answer (nginx's 499); nothing is retried for it.
  static Error client_cancelled() {
    return make(499, "client_cancelled", "client_cancelled",
                "the client closed the connection before the answer");
  }

  static Error make(int status, std::string type, std::string code, std::string message,
                    std::string param = {}) {
    Error e;
    e.status = status;
    e.type = std::move(type);
    e.code = std::move(code);
    e.param = std::move(param);
    e.message = std::move(message);
    return e;
  }

  // Worth another attempt (same or next target): rate limits, overload, 5xx, timeouts,
  // connection failures. Never 400/401/403/404: the same request gets the same answer.
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
