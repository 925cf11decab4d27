// HTTP value helpers: retry hints (docs/PROTOCOLS.md §8.4), Google durations, upstream URLs.
#include <doctest/doctest.h>

#include <ctime>
#include <string>

#include "net/http_types.hpp"

namespace {

using gw::net::Headers;
using gw::net::parse_duration_ms;
using gw::net::parse_url;
using gw::net::retry_after_ms;
using gw::net::Url;

std::string http_date(std::time_t t) {
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

Url url_ok(const std::string& s) {
  Url u;
  REQUIRE_MESSAGE(parse_url(s, u), s);
  return u;
}

}  // namespace

TEST_CASE("http: header_value is case-insensitive") {
  Headers h{{"Content-Type", "text/event-stream"}, {"X-Request-Id", "req_1"}};
  CHECK(gw::net::header_value(h, "content-type") == "text/event-stream");
  CHECK(gw::net::header_value(h, "x-request-id") == "req_1");
  CHECK(gw::net::header_value(h, "x-missing").empty());
}

TEST_CASE("http: retry-after in seconds") {
  CHECK(retry_after_ms({{"retry-after", "20"}}) == 20000);
  CHECK(retry_after_ms({{"Retry-After", "0"}}) == 0);
  CHECK(retry_after_ms({{"retry-after", "1.5"}}) == 1500);
  CHECK(retry_after_ms({{"retry-after", "0.0001"}}) == 1);  // rounded up
}

TEST_CASE("http: retry-after-ms wins over retry-after") {
  CHECK(retry_after_ms({{"retry-after-ms", "250"}}) == 250);
  CHECK(retry_after_ms({{"retry-after", "20"}, {"Retry-After-Ms", "1234"}}) == 1234);
  // An unusable retry-after-ms falls back to retry-after.
  CHECK(retry_after_ms({{"retry-after-ms", "soon"}, {"retry-after", "3"}}) == 3000);
}

TEST_CASE("http: retry-after as an HTTP date") {
  std::time_t now = std::time(nullptr);
  int ms = retry_after_ms({{"retry-after", http_date(now + 120)}});
  CHECK(ms >= 118000);
  CHECK(ms <= 120000);
  CHECK(ms % 1000 == 0);
  // A date in the past means "now".
  CHECK(retry_after_ms({{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}}) == 0);
}

TEST_CASE("http: retry-after absent or unusable") {
  CHECK(retry_after_ms({}) == -1);
  CHECK(retry_after_ms({{"x-other", "5"}}) == -1);
  CHECK(retry_after_ms({{"retry-after", "later"}}) == -1);
  CHECK(retry_after_ms({{"retry-after", "-5"}}) == -1);
}

TEST_CASE("http: parse_duration_ms") {
  CHECK(parse_duration_ms("34s") == 34000);
  CHECK(parse_duration_ms("1.5s") == 1500);
  CHECK(parse_duration_ms("0.001s") == 1);
  CHECK(parse_duration_ms("0.0001s") == 1);  // rounds up, never 0 for a positive delay
  CHECK(parse_duration_ms("0s") == 0);
  CHECK(parse_duration_ms("20ms") == 20);
  CHECK(parse_duration_ms("0.5ms") == 1);
  CHECK(parse_duration_ms("2") == 2000);  // bare seconds
  CHECK(parse_duration_ms("") == -1);
  CHECK(parse_duration_ms("abc") == -1);
  CHECK(parse_duration_ms("12x") == -1);
  CHECK(parse_duration_ms("-1s") == -1);
  CHECK(parse_duration_ms("1.5 s") == -1);
}

TEST_CASE("http: parse_duration_ms of a unit with no number is invalid") {
  // "s" and "ms" have no number at all; they should be -1 like any invalid duration.
  CHECK(parse_duration_ms("s") == -1);
  CHECK(parse_duration_ms("ms") == -1);
}

TEST_CASE("http: parse_url with and without a port") {
  auto a = url_ok("http://127.0.0.1:8080/v1");
  CHECK(a.scheme == "http");
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 8080);
  CHECK(a.path == "/v1");
  CHECK(a.origin() == "http://127.0.0.1:8080");

  auto b = url_ok("http://localhost");
  CHECK(b.host == "localhost");
  CHECK(b.port == 80);
  CHECK(b.path == "");
  CHECK(b.origin() == "http://localhost:80");
}

TEST_CASE("http: https defaults to 443") {
  auto u = url_ok("https://api.openai.com/v1");
  CHECK(u.scheme == "https");
  CHECK(u.host == "api.openai.com");
  CHECK(u.port == 443);
  CHECK(u.path == "/v1");
  CHECK(u.origin() == "https://api.openai.com:443");
  CHECK(url_ok("https://api.anthropic.com:8443").port == 8443);
}

TEST_CASE("http: IPv6 literal hosts") {
  auto u = url_ok("http://[::1]:8080/v1");
  CHECK(u.host == "::1");
  CHECK(u.port == 8080);
  CHECK(u.path == "/v1");
  auto d = url_ok("https://[2001:db8::7]/x");
  CHECK(d.host == "2001:db8::7");
  CHECK(d.port == 443);
  CHECK(d.path == "/x");
}

TEST_CASE("http: trailing slashes are trimmed from the path") {
  CHECK(url_ok("http://h:1/v1/").path == "/v1");
  CHECK(url_ok("http://h:1/v1beta/models//").path == "/v1beta/models");
  CHECK(url_ok("http://h:1/").path == "");
  CHECK(url_ok("https://generativelanguage.googleapis.com/").path == "");
}

TEST_CASE("http: parse_url rejects what is not an http(s) URL") {
  Url u;
  CHECK_FALSE(parse_url("api.openai.com/v1", u));
  CHECK_FALSE(parse_url("ftp://example.com", u));
  CHECK_FALSE(parse_url("http://", u));
  CHECK_FALSE(parse_url("http://:8080/v1", u));
  CHECK_FALSE(parse_url("http://host:port/v1", u));
  CHECK_FALSE(parse_url("http://[::1/v1", u));
}

TEST_CASE("http: huge or non-finite delays never come back negative") {
  // Out-of-range double → int conversions are undefined; on x86 they yield INT_MIN, which the
  // gateway reads as "no hint" and retries at once instead of honouring a very long wait.
  CHECK(retry_after_ms({{"retry-after", "4294967296"}}) > 0);
  CHECK(parse_duration_ms("1e10s") > 0);
  CHECK(parse_duration_ms("nans") == -1);
  CHECK(parse_duration_ms("infs") == -1);
}
