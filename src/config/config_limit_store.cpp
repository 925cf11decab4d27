// [limits] redis, redis_failure, redis_timeout_ms, redis_lease_ms: where the limit counters
// live (config::LimitStoreConfig), the Redis URL's parts, and the URL as gw shows it (never
// with its password).
#include <charconv>

#include <nlohmann/json.hpp>

#include "api/percent.hpp"
#include "config/toml_read.hpp"

namespace gw::config {
namespace {

Error url_error(std::string what) {
  return Error::config("[limits] redis: " + what +
                       " (expected redis://[:password@]host[:port][/db])");
}

// %XX in the user or password (a password may hold '@' or ':' only that way); a stray '%'
// stays as it is.
std::string percent_decode(std::string_view s) {
  return *api::percent_decode(s, /*strict=*/false);
}

bool parse_int(std::string_view s, int& out, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

}  // namespace

Result<RedisUrl> parse_redis_url(std::string_view s) {
  constexpr std::string_view kScheme = "redis://";
  if (!s.starts_with(kScheme)) return fail(url_error("not a redis:// URL"));
  s.remove_prefix(kScheme.size());
  RedisUrl u;
  std::string_view path;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    path = s.substr(slash + 1);
    s = s.substr(0, slash);
  }
  if (auto at = s.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = s.substr(0, at);
    s = s.substr(at + 1);
    auto colon = cred.find(':');
    if (colon == std::string_view::npos) {
      u.password = percent_decode(cred);  // redis://password@host, as some clients accept
    } else {
      u.user = percent_decode(cred.substr(0, colon));
      u.password = percent_decode(cred.substr(colon + 1));
    }
  }
  std::string_view host = s, port;
  if (s.starts_with('[')) {  // [::1]:6379
    auto close = s.find(']');
    if (close == std::string_view::npos) return fail(url_error("unclosed [ in the host"));
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return fail(url_error("bad port"));
      port = rest.substr(1);
    }
  } else if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (host.empty()) return fail(url_error("no host"));
  for (char c : host)
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '?' || c == '#')
      return fail(url_error("bad host"));
  u.host = std::string(host);
  if (!port.empty() && !parse_int(port, u.port, 1, 65535))
    return fail(url_error("bad port (1-65535)"));
  if (!path.empty() && !parse_int(path, u.db, 0, 1 << 20))
    return fail(url_error("bad database number after the /"));
  return u;
}

std::string mask_redis_url(std::string_view s) {
  auto start = s.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  auto end = s.find('/', start);
  std::string_view auth = s.substr(start, end == std::string_view::npos ? s.npos : end - start);
  auto at = auth.rfind('@');
  if (at == std::string_view::npos) return std::string(s);
  std::string_view cred = auth.substr(0, at);
  auto colon = cred.find(':');
  // redis://user:pw@h keeps the user; redis://pw@h (no colon) is all password.
  std::string masked = colon == std::string_view::npos
                           ? std::string("***")
                           : std::string(cred.substr(0, colon)) + ":***";
  return std::string(s.substr(0, start)) + masked + std::string(auth.substr(at)) +
         std::string(end == std::string_view::npos ? std::string_view{} : s.substr(end));
}

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::string mask_postgres_url(std::string_view url) {
  std::string out(url);
  auto scheme = out.find("://");
  if (scheme == std::string::npos) return out;
  auto auth_end = out.find_first_of("/?", scheme + 3);
  auto at = out.rfind('@', auth_end == std::string::npos ? std::string::npos : auth_end);
  if (at != std::string::npos && at > scheme) {
    auto colon = out.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at)  // user:password@ (a bare user@ has none)
      out.replace(colon + 1, at - colon - 1, "***");
  }
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p)) {
    p += 9;
    out.replace(p, out.find('&', p) == std::string::npos ? std::string::npos : out.find('&', p) - p,
                "***");
  }
  return out;
}

namespace detail {

// Takes the store's keys out of `t` (a copy of [limits]), so the rest is read as a policy.
Result<void> read_limit_store(LimitStoreConfig& s, toml::table& t, const std::string& file) {
  GW_GET(url, std::string, t, "redis", "a string (redis://host:port/db)");
  if (url && !url->empty()) {
    if (auto u = parse_redis_url(*url); !u)
      return fail(config_error(file, line_of(*t.get("redis")), u.error().message));
    s.redis = *url;
  }
  GW_GET(failure, std::string, t, "redis_failure", "a string");
  if (failure) {
    if (*failure != "fail_open" && *failure != "fail_closed")
      return fail(config_error(file, line_of(*t.get("redis_failure")),
                               "[limits]: redis_failure must be fail_open or fail_closed"));
    s.fail_closed = *failure == "fail_closed";
  }
  auto ms = [&](const char* key, int64_t& into, int64_t lo, int64_t hi) -> Result<void> {
    GW_GET(v, int64_t, t, key, "a whole number of milliseconds");
    if (!v) return {};
    if (*v < lo || *v > hi)
      return fail(config_error(file, line_of(*t.get(key)),
                               std::string("[limits]: ") + key + " must be from " +
                                   std::to_string(lo) + " to " + std::to_string(hi)));
    into = *v;
    return {};
  };
  if (auto r = ms("redis_timeout_ms", s.timeout_ms, 2, 60'000); !r) return r;
  if (auto r = ms("redis_lease_ms", s.lease_ms, 100, 86'400'000); !r) return r;
  for (const char* k : {"redis", "redis_failure", "redis_timeout_ms", "redis_lease_ms"}) t.erase(k);
  return {};
}

// The store's lines of [limits] for gw config show: the URL with its password masked.
std::string render_limit_store(const LimitStoreConfig& s) {
  if (s.redis.empty()) return {};
  nlohmann::json url = mask_redis_url(s.redis);
  return "redis = " + url.dump() + "\nredis_failure = \"" +
         (s.fail_closed ? "fail_closed" : "fail_open") +
         "\"\nredis_timeout_ms = " + std::to_string(s.timeout_ms) +
         "\nredis_lease_ms = " + std::to_string(s.lease_ms) + "\n";
}

}  // namespace detail
}  // namespace gw::config
