// What went wrong between gw and an upstream, in transport terms. net only says what
// happened; the provider layer (providers/http_provider) decides what a client is told: the
// status, the error code and the wording, naming the provider. So net needs no notion of
// clients, statuses or providers, and sits below every other layer.
#pragma once

#include <expected>
#include <string>

namespace gw::net {

struct TransportError {
  enum class Kind {
    invalid_request,      // the request cannot go on the wire as given (control bytes in its
                          // target or headers); detail says which
    connect_failed,       // no connection: refused, unresolvable, or the proxy refused, hung up
                          // or answered garbage; detail says which
    connect_timeout,      // connect_s passed while connecting or opening a proxy tunnel
    tunnel_write_failed,  // the CONNECT request could not be sent to the proxy
    tls_timeout,          // the deadline passed during the TLS handshake
    tls_failed,           // the handshake or a TLS record failed; detail is OpenSSL's reason
    send_failed,          // the request could not be written
    stalled,              // nothing arrived within first_byte_s (before the head or between bytes)
    total_timeout,        // total_s passed
    closed,               // the upstream closed or reset the connection before its answer ended
    bad_response,         // the answer is not HTTP/1.1 we can read; detail says what is wrong
  };
  Kind kind = Kind::closed;
  std::string detail;
  std::string proxy;  // "host:port" of the proxy the connection went through; empty: direct

  // A deadline passed while the answer was being read (a stall or the total timeout), as
  // opposed to a connection the upstream cut.
  bool deadline_passed() const { return kind == Kind::stalled || kind == Kind::total_timeout; }
};

template <class T>
using TransportResult = std::expected<T, TransportError>;

}  // namespace gw::net
