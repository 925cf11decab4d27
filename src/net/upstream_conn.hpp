// One connection to an upstream origin, plain or TLS, direct or through an HTTP proxy
// (HTTPS_PROXY / HTTP_PROXY / NO_PROXY; loopback is never proxied). The upstream pool lends
// each to one request at a time.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "net/http1.hpp"
#include "net/http_types.hpp"
#include "net/io.hpp"
#include "net/tls.hpp"
#include "net/transport_error.hpp"

namespace gw::net {

class UpstreamConn {
 public:
  UpstreamConn(Socket sock, bool absolute_form)
      : io_(std::move(sock)), absolute_form_(absolute_form) {}
  explicit UpstreamConn(TlsStream tls) : io_(std::move(tls)) {}

  // Socket contract: bytes read, 0 at EOF, -1 with `err` (ETIMEDOUT, EPROTO for TLS, errno).
  ssize_t read_some(char* buf, size_t cap, Deadline d, int& err);
  bool write_all(std::string_view data, Deadline d, int& err);
  // An idle connection the peer closed or wrote to unasked: not worth a request.
  bool stale();
  // The connection goes back to the pool: stale() asks the loop what came since.
  void mark_idle();

  bool tls() const { return std::holds_alternative<TlsStream>(io_); }
  std::string tls_error() const;  // the reason of the last EPROTO
  // An http:// upstream reached through a proxy: request targets are absolute URLs.
  bool absolute_form() const { return absolute_form_; }
  // Where its answers' heads are parsed, one after another: the header strings keep their
  // capacity from one request to the next.
  http1::ResponseHead& head() { return head_; }

 private:
  std::variant<Socket, TlsStream> io_;
  bool absolute_form_ = false;
  http1::ResponseHead head_;
};

// Connects to `base` (through the proxy the environment names, with a CONNECT tunnel for
// https) and handshakes TLS, all by `d`. Failures are connect_failed, connect_timeout,
// tunnel_write_failed, tls_timeout or tls_failed, with the proxy named when there is one.
TransportResult<UpstreamConn> connect_upstream(const Url& base, Deadline d);

// "host" or "host:port" as a Host header / CONNECT authority writes it (port omitted when it
// is the scheme's default, IPv6 literals bracketed).
std::string host_header(const Url& base, bool always_port = false);

}  // namespace gw::net
