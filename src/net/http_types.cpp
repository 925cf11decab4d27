#include "net/http_types.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <ctime>

namespace gw::net {

// ASCII only (header names are ASCII), without libc's locale-aware tolower per byte: header
// lookups run several times per request.
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    if ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z') return false;
  }
  return true;
}

namespace {
// A "wait for ages" hint must stay large, not wrap negative (which reads as "no hint").
int clamp_ms(double ms) {
  return ms >= static_cast<double>(INT_MAX) ? INT_MAX : static_cast<int>(ms);
}
}  // namespace

std::string_view header_value(const Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (iequals(k, name)) return v;
  return {};
}

int parse_duration_ms(std::string_view s) {
  if (s.empty()) return -1;
  double mult = 1000;
  if (s.ends_with("ms")) {
    mult = 1;
    s.remove_suffix(2);
  } else if (s.back() == 's') {
    s.remove_suffix(1);
  }
  if (s.empty()) return -1;
  char* end = nullptr;
  std::string tmp(s);
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || !std::isfinite(v) || v < 0) return -1;
  return clamp_ms(std::ceil(v * mult));
}

Headers rate_limit_headers(const Headers& h) {
  Headers out;
  for (const auto& [name, value] : h) {
    if (out.size() >= 16) break;
    std::string lower(name);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "retry-after" || lower == "retry-after-ms" || lower.starts_with("x-ratelimit-") ||
        lower.starts_with("anthropic-ratelimit-"))
      out.emplace_back(std::move(lower), value);
  }
  return out;
}

int retry_after_ms(const Headers& h) {
  if (auto ms = header_value(h, "retry-after-ms"); !ms.empty()) {
    int v = 0;
    if (std::from_chars(ms.data(), ms.data() + ms.size(), v).ec == std::errc()) return v;
  }
  auto ra = header_value(h, "retry-after");
  if (ra.empty()) return -1;
  double secs = 0;
  std::string tmp(ra);
  char* end = nullptr;
  secs = std::strtod(tmp.c_str(), &end);
  if (end == tmp.c_str() + tmp.size())
    return secs < 0 || !std::isfinite(secs) ? -1 : clamp_ms(std::ceil(secs * 1000));
  struct tm tm {};  // an HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT"
  if (strptime(tmp.c_str(), "%a, %d %b %Y %H:%M:%S", &tm)) {
    auto when = timegm(&tm);
    auto diff = static_cast<long>(when - std::time(nullptr));
    return diff <= 0 ? 0 : static_cast<int>(diff * 1000);
  }
  return -1;
}

std::string Url::origin() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

bool parse_url(std::string_view url, Url& out) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return false;
  out.scheme = std::string(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") return false;
  url.remove_prefix(sep + 3);
  auto slash = url.find('/');
  std::string_view hostport = url.substr(0, slash);
  out.path = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
  while (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  out.port = out.scheme == "https" ? 443 : 80;
  if (hostport.starts_with('[')) {  // [::1]:port
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return false;
    out.host = std::string(hostport.substr(1, close - 1));
    hostport.remove_prefix(close + 1);
    if (hostport.starts_with(':')) {
      if (std::from_chars(hostport.data() + 1, hostport.data() + hostport.size(), out.port).ec !=
          std::errc())
        return false;
    }
  } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    out.host = std::string(hostport.substr(0, colon));
    auto p = hostport.substr(colon + 1);
    if (std::from_chars(p.data(), p.data() + p.size(), out.port).ec != std::errc()) return false;
  } else {
    out.host = std::string(hostport);
  }
  return !out.host.empty();
}

}  // namespace gw::net
