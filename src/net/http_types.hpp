// Small HTTP value types shared by the upstream client and the provider adapters, so no
// adapter depends on the HTTP library.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

bool iequals(std::string_view a, std::string_view b);  // ASCII, case-insensitive

// Case-insensitive header lookup; empty view when absent.
std::string_view header_value(const Headers& h, std::string_view name);

// Retry-After (seconds or HTTP date) / retry-after-ms, in milliseconds; -1 when absent.
int retry_after_ms(const Headers& h);
// An upstream's own rate-limit headers (retry-after, retry-after-ms, x-ratelimit-*,
// anthropic-ratelimit-*), at most 16, to pass on to the client with its 429.
Headers rate_limit_headers(const Headers& h);

// Parses a Google duration like "34s" or "1.5s" into milliseconds (rounded up); -1 if invalid.
int parse_duration_ms(std::string_view s);

struct Url {
  std::string scheme;  // http | https
  std::string host;
  int port = 0;
  std::string path;            // without trailing slash; may be empty
  std::string origin() const;  // scheme://host:port
};
bool parse_url(std::string_view url, Url& out);

}  // namespace gw::net
