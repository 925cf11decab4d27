#include "server/http_server.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "net/event_loop.hpp"

namespace gw::server {
namespace {

using namespace std::chrono_literals;
namespace http1 = net::http1;

constexpr int kListenBacklog = 4096;
constexpr size_t kReadChunk = 4096;
constexpr auto kPingTick = 5s;

// Reads more bytes onto the end of `buf`; the count, 0 at EOF, -1 on error or deadline.
ssize_t read_more(net::Socket& s, std::string& buf, net::Deadline d, bool idle) {
  size_t old = buf.size();
  ssize_t got = 0;
  int err = 0;
  buf.resize_and_overwrite(old + kReadChunk, [&](char* p, size_t) {
    got = s.read_some(p + old, kReadChunk, d, err, idle);
    return old + static_cast<size_t>(got > 0 ? got : 0);
  });
  return got;
}

// RFC 9112 3.2: an HTTP/1.1 request has exactly one Host; none or several is a 400 (a
// smuggling shape when proxies disagree on which one counts).
bool host_ok(const http1::RequestHead& head) {
  int hosts = 0;
  for (const auto& [name, value] : head.headers) {
    if (!net::iequals(name, "host")) continue;
    ++hosts;
    for (unsigned char c : value)
      if (c <= 0x20 || c == 0x7F || c == '/' || c == '@') return false;
  }
  return hosts == 1 || (hosts == 0 && head.framing.version_minor == 0);
}

}  // namespace

struct HttpServer::Worker {
  net::EventLoop loop;
  net::Socket listener;
  StreamRegistry streams;
  std::thread thread;
};

HttpServer::HttpServer(HttpServerOptions opt, ErrorPage error_page)
    : opt_(opt), error_page_(std::move(error_page)) {
  int n = opt_.threads > 0 ? opt_.threads : static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 0; i < std::max(n, 1); ++i) workers_.push_back(std::make_unique<Worker>());
}

HttpServer::~HttpServer() = default;

void HttpServer::route(std::string method, std::string path, Handler h) {
  routes_.push_back({std::move(method), std::move(path), std::move(h)});
}

void HttpServer::route_prefix(std::string method, std::string prefix, Handler h) {
  routes_.push_back({std::move(method), std::move(prefix), std::move(h), true});
}

Result<int> HttpServer::bind(const std::string& host, int port) {
  auto cannot = [&](std::string why) {
    return fail(
        Error::config("cannot listen on " + host + ":" + std::to_string(port) + " (" + why + ")"));
  };
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port_s = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), port_s.c_str(), &hints, &res); rc != 0)
    return cannot(::gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);

  // SO_REUSEPORT below would let a second gw share the port with a running one, and the
  // kernel would split clients between two processes with possibly different configs. A
  // plain bind first fails while anyone listens there.
  if (port != 0) {
    int pfd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (pfd < 0) return cannot(std::strerror(errno));
    net::Socket probe(pfd);
    int yes = 1;
    ::setsockopt(probe.fd(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));  // TIME_WAIT is fine
    if (::bind(probe.fd(), res->ai_addr, res->ai_addrlen) != 0)
      return cannot(errno == EADDRINUSE ? "address in use: is another gw serve running?"
                                        : std::strerror(errno));
  }
  int bound = port;
  for (auto& w : workers_) {
    int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return cannot(std::strerror(errno));
    w->listener = net::Socket(fd);
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof(yes));  // one listener per loop
    // Every loop after the first binds the port the first one got.
    sockaddr_storage addr{};
    std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
    auto* sin = reinterpret_cast<sockaddr_in*>(&addr);
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (res->ai_family == AF_INET) sin->sin_port = htons(static_cast<uint16_t>(bound));
    if (res->ai_family == AF_INET6) sin6->sin6_port = htons(static_cast<uint16_t>(bound));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), res->ai_addrlen) != 0)
      return cannot(errno == EADDRINUSE ? "address in use" : std::strerror(errno));
    if (::listen(fd, kListenBacklog) != 0) return cannot(std::strerror(errno));
    if (bound == 0) {
      socklen_t len = sizeof(addr);
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
      bound = ntohs(res->ai_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    }
  }
  return bound;
}

void HttpServer::run(std::chrono::milliseconds drain) {
  for (auto& w : workers_) {
    Worker* wp = w.get();
    wp->loop.spawn([this, wp] { accept_loop(*wp); });
    wp->loop.spawn([wp] {  // keeps silent streams alive until the loop stops
      while (!wp->loop.stopping()) {
        net::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(kPingTick), true);
        wp->streams.ping_idle(net::Clock::now());
      }
    });
  }
  for (size_t i = 1; i < workers_.size(); ++i) {
    Worker* wp = workers_[i].get();
    wp->thread = std::thread([wp, drain] { wp->loop.run(drain); });
  }
  workers_[0]->loop.run(drain);
  for (size_t i = 1; i < workers_.size(); ++i) workers_[i]->thread.join();
}

void HttpServer::stop() {
  for (auto& w : workers_) w->loop.stop();
}

void HttpServer::accept_loop(Worker& w) {
  for (;;) {
    int fd = ::accept4(w.listener.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // no Nagle stalls
      try {
        w.loop.spawn([this, &w, fd] { serve_connection(w, fd); });
      } catch (const std::exception& e) {  // no memory for a fiber: shed this one, go on
        ::close(fd);
        std::fprintf(stderr, "gw serve: dropping a connection: %s\n", e.what());
        net::sleep_for(100ms, true);
      }
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (w.listener.wait(net::Want::read, net::kNoDeadline, /*interruptible=*/true) ==
          net::Ready::cancelled)
        break;  // shutting down
      continue;
    }
    if (errno == EBADF || errno == EINVAL || errno == ENOTSOCK) break;
    // Out of descriptors or memory, or an error of the connection being accepted (accept(2)
    // says to retry those): keep accepting, pausing when resources ran out.
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
      net::sleep_for(100ms, true);
    if (w.loop.stopping()) break;
  }
  w.listener.close();  // stop accepting; the kernel refuses new connections from here
}

// An error answer followed by close() while request bytes are still unread makes the kernel
// send a reset, and the client may never see the answer: half-close, read what is left
// (bounded), then close. Out of line: inlined, its 4 KB buffer would widen the frame of
// serve_connection, under which every request runs (a parked stream keeps the pages).
[[gnu::noinline]] static void linger_close(net::Socket& sock) {
  ::shutdown(sock.fd(), SHUT_WR);
  char buf[4096];
  size_t drained = 0;
  int err = 0;
  // A client that writes a whole 50 MB body before it reads must still see the 413: read
  // (and drop) up to 64 MiB for at most 2 s, as nginx's lingering close does.
  auto until = net::deadline_in(2);
  while (drained < (64u << 20)) {
    ssize_t n = sock.read_some(buf, sizeof(buf), until, err, true);
    if (n <= 0) break;
    drained += static_cast<size_t>(n);
  }
}

void HttpServer::dispatch(const Request& req, Response& res) {
  if (req.method() == "HEAD") res.omit_body();  // error pages too (RFC 9110 9.3.2)
  std::string_view path = req.path();
  bool path_known = false;
  // Exact routes first; prefix routes only for a path no exact route names.
  for (bool prefix : {false, true}) {
    for (const auto& r : routes_) {
      if (r.prefix != prefix) continue;
      if (prefix ? path.size() <= r.path.size() || !path.starts_with(r.path) : r.path != path)
        continue;
      path_known = true;
      bool head = req.method() == "HEAD" && r.method == "GET";
      if (r.method != req.method() && !head) continue;
      try {
        r.handler(req, res);
      } catch (const std::exception&) {  // a bug, not the client's fault: say so, keep serving
        if (!res.sent()) error_page_(500, &req, res);
        res.close_after();
      }
      return;
    }
    if (path_known) break;
  }
  error_page_(path_known ? 405 : 404, &req, res);
}

void HttpServer::serve_connection(Worker& w, int fd) {
  net::Socket sock(fd);
  std::string in;
  http1::RequestHead head;  // reused: its header strings keep their capacity
  for (;;) {
    // ---- the head: wait (interruptibly) for a request, then for the rest of it ----
    http1::ParseResult pr;
    net::Deadline idle_until = net::deadline_in(opt_.idle_timeout_s);
    net::Deadline request_until = net::kNoDeadline;
    for (;;) {
      if (!in.empty()) {
        pr = http1::parse_request_head(in, head);
        if (pr.status != http1::Parse::incomplete) break;
      }
      // CRLF between requests (allowed, and sent by some clients after a body) is not a
      // request begun: the connection is still idle.
      size_t lead = in.find_first_not_of("\r\n");
      if (lead == std::string::npos) in.clear();
      bool idle = in.empty();
      if (!idle && request_until == net::kNoDeadline)
        request_until = net::deadline_in(opt_.request_timeout_s);
      if (read_more(sock, in, idle ? idle_until : request_until, idle) <= 0) return;
    }
    if (pr.status == http1::Parse::error) {
      Response res(sock, false, nullptr);
      error_page_(pr.error_status, nullptr, res);
      return linger_close(sock);
    }
    in.erase(0, pr.consumed);
    if (!host_ok(head)) {
      Response res(sock, false, nullptr);
      error_page_(400, nullptr, res);
      return linger_close(sock);
    }
    if (request_until == net::kNoDeadline) request_until = net::deadline_in(opt_.request_timeout_s);

    // ---- the body ----
    Request req{head, {}};
    std::string body;
    const auto& fr = head.framing;
    if (fr.content_length > 0 && static_cast<size_t>(fr.content_length) > opt_.max_body_bytes) {
      Response res(sock, false, nullptr);  // the body is not read: the connection must close
      error_page_(413, &req, res);
      return linger_close(sock);
    }
    if (head.expect_continue && (fr.content_length > 0 || fr.chunked) && in.empty()) {
      int err = 0;
      if (!sock.write_all("HTTP/1.1 100 Continue\r\n\r\n", request_until, err)) return;
    }
    if (fr.chunked) {
      http1::ChunkedDecoder dec;
      bool too_big = false;
      for (;;) {
        int64_t used = dec.feed(in, [&](std::string_view piece) {
          if (body.size() + piece.size() > opt_.max_body_bytes) too_big = true;
          if (!too_big) body.append(piece);
        });
        if (used < 0 || too_big) {
          Response res(sock, false, nullptr);
          error_page_(too_big ? 413 : 400, &req, res);
          return linger_close(sock);
        }
        in.erase(0, static_cast<size_t>(used));
        if (dec.done()) break;
        if (read_more(sock, in, request_until, false) <= 0) return;
      }
    } else if (fr.content_length > 0) {
      auto need = static_cast<size_t>(fr.content_length);
      while (in.size() < need)
        if (read_more(sock, in, request_until, false) <= 0) return;
      if (in.size() == need) {
        body.swap(in);
      } else {
        body.assign(in, 0, need);
        in.erase(0, need);
      }
    }
    req.body = body;
    if (in.empty()) std::string().swap(in);  // a parked stream keeps no read buffer

    // ---- the answer ----
    Response res(sock, fr.keep_alive && !w.loop.stopping(), &w.streams);
    if (fr.version_minor == 0) res.use_http10();
    dispatch(req, res);
    if (!res.sent()) error_page_(500, &req, res);
    if (!res.ended()) res.close_after();  // a stream left open: its framing is unfinished
    if (!res.keep_alive()) return;
  }
}

}  // namespace gw::server
