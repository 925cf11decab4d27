// providers::transport_error: what a client is told for each way the wire can fail. net
// reports the failure (net::TransportError); the wording, status and code are the provider
// layer's, and must stay exactly what clients have always seen.
#include <doctest/doctest.h>

#include <string>

#include "net/transport_error.hpp"
#include "providers/http_provider.hpp"

namespace {

using gw::net::TransportError;
using Kind = TransportError::Kind;

gw::Error word(Kind kind, std::string detail = {}, std::string proxy = {}) {
  gw::net::Url base;
  REQUIRE(gw::net::parse_url("https://api.example.com/v1", base));
  return gw::providers::transport_error(TransportError{kind, std::move(detail), std::move(proxy)},
                                        "acme", base);
}

void check(const gw::Error& e, int status, const std::string& code, const std::string& message) {
  CHECK(e.status == status);
  CHECK(e.type == "server_error");
  CHECK(e.code == code);
  CHECK(e.message == message);
}

}  // namespace

TEST_SUITE("transport_error") {
  TEST_CASE("connecting: refused, timed out, through a proxy, the tunnel, TLS") {
    check(word(Kind::connect_failed, "Connection refused"), 502, "upstream_connect_error",
          "cannot connect to acme (api.example.com:443): Connection refused");
    check(word(Kind::connect_failed, "the proxy hung up", "10.0.0.1:3128"), 502,
          "upstream_connect_error",
          "cannot connect to acme (api.example.com:443) through proxy 10.0.0.1:3128: the proxy "
          "hung up");
    check(word(Kind::connect_timeout), 504, "timeout",
          "timed out connecting to acme (api.example.com:443)");
    check(word(Kind::connect_timeout, {}, "10.0.0.1:3128"), 504, "timeout",
          "timed out connecting to acme (api.example.com:443) through proxy 10.0.0.1:3128");
    check(word(Kind::tunnel_write_failed, {}, "10.0.0.1:3128"), 502, "upstream_connect_error",
          "failed sending CONNECT to acme (api.example.com:443) through proxy 10.0.0.1:3128");
    // TLS messages never named the proxy: the handshake is with the upstream itself.
    check(word(Kind::tls_timeout, {}, "10.0.0.1:3128"), 504, "timeout",
          "timed out connecting to acme (api.example.com:443) (TLS handshake)");
    check(word(Kind::tls_failed, "certificate verify failed", "10.0.0.1:3128"), 502,
          "upstream_tls_error",
          "TLS failure talking to acme (api.example.com:443) (certificate verify failed)");
  }

  TEST_CASE("sending and reading: write failure, stall, total timeout, hang-up, garbage") {
    check(word(Kind::send_failed), 502, "upstream_connect_error",
          "failed sending the request to acme (api.example.com:443)");
    check(word(Kind::stalled), 504, "timeout",
          "acme (api.example.com:443) did not answer in time (nothing within "
          "first_byte_timeout_s)");
    check(word(Kind::total_timeout), 504, "timeout", "acme: upstream exceeded timeout_s");
    check(word(Kind::closed), 504, "timeout",
          "acme (api.example.com:443) did not answer in time (or closed the connection)");
    check(word(Kind::bad_response, "invalid status code"), 502, "bad_upstream_response",
          "acme (api.example.com:443) sent a malformed response: invalid status code");
  }

  TEST_CASE("a request gw cannot put on the wire is gw's own 500") {
    auto e = word(Kind::invalid_request, "upstream header 'x' contains a line break or NUL");
    CHECK(e.status == 500);
    CHECK(e.message == "upstream header 'x' contains a line break or NUL");
  }

  TEST_CASE("a deadline passed: stalls and the total timeout, not hang-ups") {
    CHECK(TransportError{Kind::stalled, {}, {}}.deadline_passed());
    CHECK(TransportError{Kind::total_timeout, {}, {}}.deadline_passed());
    CHECK_FALSE(TransportError{Kind::closed, {}, {}}.deadline_passed());
    CHECK_FALSE(TransportError{Kind::connect_timeout, {}, {}}.deadline_passed());
  }
}
