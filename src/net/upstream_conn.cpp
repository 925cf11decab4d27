#include "net/upstream_conn.hpp"

#include <cerrno>
#include <cstdlib>
#include <optional>

#include "net/http1.hpp"

namespace gw::net {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// NO_PROXY: comma list of host suffixes, or "*". Loopback is never proxied.
bool bypass_proxy(const std::string& host) {
  if (host == "127.0.0.1" || host == "localhost" || host == "::1") return true;
  std::string np = env("NO_PROXY");
  if (np.empty()) np = env("no_proxy");
  size_t start = 0;
  while (start <= np.size()) {
    size_t end = np.find(',', start);
    if (end == std::string::npos) end = np.size();
    std::string_view item = std::string_view(np).substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "*") return true;
    if (!item.empty() && item.front() == '.') item.remove_prefix(1);
    if (!item.empty() && (host == item || (host.size() > item.size() && host.ends_with(item) &&
                                           host[host.size() - item.size() - 1] == '.')))
      return true;
    start = end + 1;
  }
  return false;
}

// The proxy for `base` from the environment, if any.
bool proxy_for(const Url& base, Url& proxy) {
  if (bypass_proxy(base.host)) return false;
  bool https = base.scheme == "https";
  std::string p = env(https ? "HTTPS_PROXY" : "HTTP_PROXY");
  if (p.empty()) p = env(https ? "https_proxy" : "http_proxy");
  if (p.empty()) return false;
  if (!p.starts_with("http")) p = "http://" + p;
  return parse_url(p, proxy);
}

using Kind = TransportError::Kind;

TransportError connect_error(const ConnectError& e, const std::string& proxy) {
  if (e.timeout) return {Kind::connect_timeout, {}, proxy};
  return {Kind::connect_failed, e.message, proxy};
}

// Opens a CONNECT tunnel to `base` through the proxy `sock` is connected to.
std::optional<TransportError> open_tunnel(Socket& sock, const Url& base, Deadline d,
                                          const std::string& proxy) {
  std::string authority = host_header(base, true);
  std::string req;
  http1::append_request_head(req, "CONNECT", authority, authority, {});
  int err = 0;
  if (!sock.write_all(req, d, err)) return TransportError{Kind::tunnel_write_failed, {}, proxy};
  std::string buf(1024, '\0');
  size_t len = 0;
  http1::ResponseHead head;
  for (;;) {
    if (len == buf.size()) buf.resize(buf.size() * 2);
    ssize_t n = sock.read_some(buf.data() + len, buf.size() - len, d, err);
    if (n < 0 && err == ETIMEDOUT) return TransportError{Kind::connect_timeout, {}, proxy};
    if (n <= 0) return TransportError{Kind::connect_failed, "the proxy hung up", proxy};
    len += static_cast<size_t>(n);
    auto r = http1::parse_response_head(std::string_view(buf.data(), len), head);
    if (r.status == http1::Parse::incomplete) continue;
    if (r.status == http1::Parse::error || r.consumed != len)
      return TransportError{Kind::connect_failed, "bad proxy answer", proxy};
    if (head.status < 200 || head.status > 299)
      return TransportError{Kind::connect_failed,
                            "the proxy answered " + std::to_string(head.status), proxy};
    return std::nullopt;
  }
}

}  // namespace

std::string host_header(const Url& base, bool always_port) {
  bool v6 = base.host.find(':') != std::string::npos;
  std::string h = v6 ? "[" + base.host + "]" : base.host;
  bool default_port = base.port == (base.scheme == "https" ? 443 : 80);
  if (always_port || !default_port) {  // two appends: gcc 12 -O3 misreads ":" + to_string
    h += ':';
    h += std::to_string(base.port);
  }
  return h;
}

ssize_t UpstreamConn::read_some(char* buf, size_t cap, Deadline d, int& err) {
  if (auto* t = std::get_if<TlsStream>(&io_)) return t->read_some(buf, cap, d, err);
  return std::get<Socket>(io_).read_some(buf, cap, d, err);
}

bool UpstreamConn::write_all(std::string_view data, Deadline d, int& err) {
  if (auto* t = std::get_if<TlsStream>(&io_)) return t->write_all(data, d, err);
  return std::get<Socket>(io_).write_all(data, d, err);
}

bool UpstreamConn::stale() {
  if (auto* t = std::get_if<TlsStream>(&io_)) return t->peer_closed_or_readable();
  return std::get<Socket>(io_).peer_closed_or_readable();
}

void UpstreamConn::mark_idle() {
  if (auto* t = std::get_if<TlsStream>(&io_)) return t->socket().mark_idle();
  std::get<Socket>(io_).mark_idle();
}

std::string UpstreamConn::tls_error() const {
  if (auto* t = std::get_if<TlsStream>(&io_)) return t->last_error();
  return {};
}

TransportResult<UpstreamConn> connect_upstream(const Url& base, Deadline d) {
  Url proxy_url;
  bool proxied = proxy_for(base, proxy_url);
  std::string proxy =
      proxied ? proxy_url.host + ":" + std::to_string(proxy_url.port) : std::string();
  auto sock = proxied ? connect_tcp(proxy_url.host, proxy_url.port, d)
                      : connect_tcp(base.host, base.port, d);
  if (!sock) return std::unexpected(connect_error(sock.error(), proxy));
  if (base.scheme != "https") return UpstreamConn(std::move(*sock), proxied);
  if (proxied)
    if (auto e = open_tunnel(*sock, base, d, proxy)) return std::unexpected(std::move(*e));
  auto tls = TlsStream::handshake(std::move(*sock), base.host, d);
  if (!tls) {
    if (tls.error().timeout) return std::unexpected(TransportError{Kind::tls_timeout, {}, proxy});
    return std::unexpected(TransportError{Kind::tls_failed, tls.error().message, proxy});
  }
  return UpstreamConn(std::move(*tls));
}

}  // namespace gw::net
