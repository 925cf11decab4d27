// Helpers every adapter shares: ids, clocks, and the upstream-error → client-status rules of
// docs/PROTOCOLS.md §8.1-§8.2, so each adapter only has to read its own dialect's error body.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "api/chat.hpp"
#include "api/error.hpp"
#include "config/config.hpp"
#include "net/http_types.hpp"

namespace gw::providers {

std::string random_alnum(size_t n);
// This thread's pseudo-random generator, seeded once from the OS. Out of line on purpose:
// std::random_device is a 5 KB object, and inlined into a caller its frame would sit on the
// stack of every request's fiber (a parked stream keeps each stack page it ever touched).
std::mt19937_64& thread_rng();
std::string new_completion_id();  // "chatcmpl-" + 24 alphanumerics
std::string new_tool_call_id();   // "call_" + 24 alphanumerics
int64_t unix_now();

// Appends the provider's configured headers; one with the same name as ours replaces it
// (e.g. a newer anthropic-version, an OpenAI-Organization, a proxy's auth header).
void apply_configured_headers(net::Headers& headers, const config::ProviderConfig& p);

// `s` percent-encoded as one URL path segment: only unreserved bytes (RFC 3986) and the
// sub-delims '+' and '=' (plain data in a path) stay as they are, so no client string can add
// a segment, a query or a fragment to an upstream URL.
std::string percent_encode_segment(std::string_view s);

// `message` with every configured secret of the provider (its api_key, the values of its
// configured headers and the token after an auth scheme in them) replaced by "***": upstream
// error text reaches clients, and some upstreams echo the key they were sent.
// The OpenAI parameters whose silent loss would change the answer and that Anthropic-style
// upstreams (Anthropic, Bedrock) cannot honour (n > 1, logprobs, logit_bias, audio output,
// prediction): a 400 naming `vendor`, or nothing when the provider sets drop_params.
Result<void> refuse_lossy_params(const api::ChatRequest& req, bool drop, std::string_view vendor);

std::string mask_secrets(std::string message, const config::ProviderConfig& p);

// Upstream JSON (answers, error bodies, stream events) parsed with its nesting bounded
// (api::parse_json_bounded): discarded when invalid or too deep.
api::Json parse_upstream_json(std::string_view text);

// A client's tool-call `arguments` text as the object Anthropic and Gemini take: "" or bad
// JSON → {}; JSON nested past api::kMaxJsonNesting → a 400 naming `param`.
Result<api::Json> tool_arguments_object(std::string_view arguments, const std::string& param);

// Token counts an upstream reports go to the ledger: anything outside [0, kMaxTokenCount]
// means the upstream is broken, and its usage counts as not reported (gw then estimates).
inline constexpr int64_t kMaxTokenCount = 1'000'000'000'000;
// Reads the count `key` of a usage object into `out`. Absent or null: true, `out` untouched.
// A value that is no integer (integral floats pass) in [0, kMaxTokenCount]: false.
bool read_token_count(const api::Json& usage, std::string_view key, std::optional<int64_t>& out);
// Every field of `u` in [0, kMaxTokenCount]: `u` as reported when so, else nullopt.
std::optional<api::Usage> plausible_usage(const api::Usage& u);

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
