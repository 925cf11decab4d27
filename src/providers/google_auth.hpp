// Google OAuth2 access tokens for Vertex AI from a service-account key (docs/PROTOCOLS.md §14):
// gw signs an RS256 JWT with the key itself (OpenSSL), exchanges it at the token endpoint
// through the upstream pool (non-blocking on event-loop fibers), and caches the token until
// shortly before it expires. Tokens and keys never appear in a log line or an error message.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "api/error.hpp"
#include "config/config.hpp"
#include "net/upstream_pool.hpp"

namespace gw::providers::google {

inline constexpr std::string_view kCloudPlatformScope =
    "https://www.googleapis.com/auth/cloud-platform";
inline constexpr std::string_view kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
inline constexpr int64_t kJwtLifetimeS = 3600;  // the longest Google accepts

// Base64url without padding (RFC 7515 §2).
std::string base64url(std::string_view bytes);

// The signed assertion `header.claims.signature` for the key in `sa` (sa_email, sa_key_id,
// sa_token_uri as `aud`, sa_private_key), issued at `now` (Unix seconds), valid for an hour.
// A key OpenSSL cannot read is a config error (the message names the file, never the key).
Result<std::string> sign_jwt(const config::CloudConfig& sa, int64_t now);

// The form body of the token request.
std::string token_request_body(std::string_view jwt);

struct AccessToken {
  std::string token;
  int64_t expires_in_s = 0;
};
// The token endpoint's answer ({access_token, expires_in, token_type}, or {error,
// error_description} with a non-2xx status) → a token, or the client-facing error.
Result<AccessToken> parse_token_response(int status, std::string_view body,
                                         std::string_view provider);

// How long before expiry a cached token is replaced: 5 minutes, or half the lifetime of a
// short-lived one.
double refresh_margin_s(double lifetime_s);

// Access tokens by provider, shared by every request and thread. The lock is held only to
// read or store an entry, never across the token request (a fiber may park there).
class TokenCache {
 public:
  explicit TokenCache(net::UpstreamPool& pool) : pool_(pool) {}
  // The token to send as `Authorization: Bearer` for provider `p`: the configured one
  // (access_token_env), else a cached or freshly exchanged service-account token.
  Result<std::string> token(const config::ProviderConfig& p);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string token;
    Clock::time_point refresh_at, expires_at;
    bool fetching = false;  // one request is renewing it: the others keep the still-valid one
  };
  Result<AccessToken> fetch(const config::ProviderConfig& p);

  net::UpstreamPool& pool_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;  // by provider, key and token endpoint
};

}  // namespace gw::providers::google
