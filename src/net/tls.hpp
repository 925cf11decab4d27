// Client-side TLS over a net::Socket (OpenSSL): SNI, certificate and host name verification,
// TLS 1.2+. Reads and writes wait through the socket, so a TLS stream parks a fiber on an
// event loop and polls on a plain thread like a plain socket does. OpenSSL is first touched by
// the first handshake: a gateway with only plain-HTTP upstreams never initialises it.
#pragma once

#include <sys/types.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "net/io.hpp"

struct ssl_st;

namespace gw::net {

struct TlsError {
  bool timeout = false;  // the deadline passed during the handshake
  std::string message;   // OpenSSL's reason, e.g. "certificate verify failed: ..."
};

class TlsStream {
 public:
  // Handshakes over `sock` (already connected, possibly through a proxy tunnel) and verifies
  // the peer's certificate for `host` (a DNS name or an IP address).
  static std::expected<TlsStream, TlsError> handshake(Socket sock, const std::string& host,
                                                      Deadline d);

  TlsStream(TlsStream&&) noexcept = default;
  TlsStream& operator=(TlsStream&&) noexcept = default;
  ~TlsStream();

  // Same contract as Socket: bytes read, 0 at EOF, -1 with `err` set (ETIMEDOUT at the
  // deadline, EPROTO for a TLS failure: last_error() says which).
  ssize_t read_some(char* buf, size_t cap, Deadline d, int& err);
  bool write_all(std::string_view data, Deadline d, int& err);
  // A pooled connection went stale: the peer closed, or sent bytes nobody asked for. Not
  // const: it reads (and keeps) TLS records that carry no data, such as session tickets.
  bool peer_closed_or_readable();

  const std::string& last_error() const { return last_error_; }
  Socket& socket() { return sock_; }

 private:
  struct SslFree {
    void operator()(ssl_st* ssl) const;
  };
  TlsStream(Socket sock, std::unique_ptr<ssl_st, SslFree> ssl)
      : sock_(std::move(sock)), ssl_(std::move(ssl)) {}
  // Waits as OpenSSL asked after a failed call; false (with err set) when it must not retry.
  bool wait_for(int ssl_error, Deadline d, int& err);

  Socket sock_;  // declared first: the SSL (which uses its fd) goes before the socket closes
  std::unique_ptr<ssl_st, SslFree> ssl_;
  std::string last_error_;
};

}  // namespace gw::net
