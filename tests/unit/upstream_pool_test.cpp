// The upstream HTTP/1.1 client against a tiny blocking server on 127.0.0.1: framing (length,
// chunked split anywhere, until close, 1xx), failures (net's TransportError kinds, and the
// OpenAI-shaped errors providers::transport_error makes of them for clients), timeouts,
// keep-alive reuse, stale and dead pooled connections, proxies. Runs on a plain thread (the
// client polls); every wait is bounded.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fixtures.hpp"
#include "net/event_loop.hpp"
#include "net/upstream_pool.hpp"
#include "providers/http_provider.hpp"

namespace {

using gw::net::Headers;
using gw::net::Timeouts;
using Kind = gw::net::TransportError::Kind;
using gw::net::TransportStatus;
using gw::net::UpstreamHead;
using gw::net::UpstreamPool;
using gw::net::Url;
using namespace std::chrono_literals;

constexpr Timeouts kFast{1, 2, 5};

void pause_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// One accepted connection, as a handler sees it.
class Peer {
 public:
  explicit Peer(int fd) : fd_(fd) {
    timeval tv{3, 0};  // no handler waits forever on a client that went quiet
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Peer() { close(); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // One request: head and Content-Length body. Empty at EOF or after 3 s of silence.
  std::string read_request() {
    for (;;) {
      size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t body = content_length(pending_.substr(0, end));
        size_t total = end + 4 + body;
        if (pending_.size() >= total) {
          std::string req = pending_.substr(0, total);
          pending_.erase(0, total);
          return req;
        }
      }
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return {};
      pending_.append(buf, static_cast<size_t>(n));
    }
  }
  // Whatever arrives first (a TLS ClientHello, a CONNECT line ...), or empty.
  std::string read_some() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  void send(std::string_view bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  static size_t content_length(std::string head) {
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = head.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + 17));
  }
  int fd_;
  std::string pending_;
};

// Accepts one connection per handler, in order, and runs the handler on it. Requests the
// handlers read are kept for the test to inspect.
class TestServer {
 public:
  using Handler = std::function<void(Peer&, TestServer&)>;

  explicit TestServer(std::vector<Handler> handlers, const char* ip = "127.0.0.1") : ip_(ip) {
    auto listener = gw::test::listen_on(ip, 16);
    listen_fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this, hs = std::move(handlers)] {
      for (const auto& h : hs) {
        int fd = accept_within(5s);
        if (fd < 0) return;
        ++accepted_;
        Peer p(fd);
        h(p, *this);
      }
    });
  }
  ~TestServer() {
    finish();
    ::close(listen_fd_);
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  std::string url(std::string_view path = "/v1") const {
    return "http://" + ip_ + ":" + std::to_string(port_) + std::string(path);
  }
  // Waits (bounded) for the handlers to finish, then reports what they saw.
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int accepted() const { return accepted_; }
  std::string read_request(Peer& p) {
    std::string r = p.read_request();
    if (!r.empty()) {
      std::lock_guard lock(mu_);
      requests_.push_back(r);
    }
    return r;
  }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  int accept_within(std::chrono::milliseconds limit) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) == 1) return ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    }
    // After stop, take a connection the client already made rather than leave it hanging.
    pollfd p{listen_fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 ? ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC) : -1;
  }

  std::string ip_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// Handlers built from canned answers.
TestServer::Handler answer(std::vector<std::string> replies) {
  return [replies](Peer& p, TestServer& s) {
    for (const auto& r : replies) {
      if (s.read_request(p).empty()) return;
      p.send(r);
    }
  };
}

std::string ok_json(std::string_view body, std::string_view extra = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: req_1\r\n" +
         std::string(extra) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

struct Reply {
  gw::Result<TransportStatus> result;  // a failure as the client would see it
  std::optional<Kind> kind;            // a failure as net reported it
  int heads = 0;
  UpstreamHead head;
  std::string body;
  int pieces = 0;
};

Url url_of(const std::string& s) {
  Url u;
  REQUIRE(gw::net::parse_url(s, u));
  return u;
}

Reply post(UpstreamPool& pool, const std::string& url, const Timeouts& t = kFast,
           std::function<bool(const Reply&)> keep_going = nullptr) {
  Reply r;
  Headers h{{"Authorization", "Bearer sk-test"}};
  Url base = url_of(url);
  auto sent = pool.post(
      base, "/chat/completions", h, R"({"model":"m"})", t,
      [&](const UpstreamHead& head) {
        ++r.heads;
        r.head = head;
      },
      [&](const char* data, size_t len) {
        r.body.append(data, len);
        ++r.pieces;
        return !keep_going || keep_going(r);
      });
  if (sent) {
    r.result = *sent;
  } else {
    r.kind = sent.error().kind;
    r.result = std::unexpected(gw::providers::transport_error(sent.error(), "prov", base));
  }
  return r;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Sets an environment variable for one test.
struct ScopedEnv {
  std::string name;
  ScopedEnv(const char* n, const std::string& v) : name(n) { ::setenv(n, v.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

}  // namespace

TEST_SUITE("upstream_pool") {
  TEST_CASE("a Content-Length answer: request framing, head and body") {
    TestServer srv({answer({ok_json(R"({"ok":true})")})});
    UpstreamPool pool;
    auto r = post(pool, srv.url());
    REQUIRE(r.result.has_value());
    CHECK(*r.result == TransportStatus::ok);
    CHECK(r.heads == 1);
    CHECK(r.head.status == 200);
    CHECK(gw::net::header_value(r.head.headers, "x-request-id") == "req_1");
    CHECK(r.body == R"({"ok":true})");
    srv.finish();
    auto reqs = srv.requests();
    REQUIRE(reqs.size() == 1);
    const auto& q = reqs[0];
    CHECK(q.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"));
    CHECK(q.find("\r\nHost: 127.0.0.1:" + std::to_string(srv.port()) + "\r\n") != q.npos);
    CHECK(q.find("\r\nAuthorization: Bearer sk-test\r\n") != q.npos);
    CHECK(q.find("\r\nContent-Type: application/json\r\n") != q.npos);
    CHECK(q.find("\r\nContent-Length: 13\r\n") != q.npos);
    CHECK(q.find("Accept-Encoding") == q.npos);
    CHECK(q.ends_with("\r\n\r\n{\"model\":\"m\"}"));
  }

  TEST_CASE("a request target with a line break or space never reaches the wire") {
    TestServer srv({answer({ok_json("{}")})});
    UpstreamPool pool;
    Headers h;
    for (std::string path : {std::string("/x HTTP/1.1\r\nHost: evil\r\n\r\nGET /admin"),
                             std::string("/a b"), std::string("/nul\0x", 6)}) {
      auto r = pool.post(
          url_of(srv.url()), path, h, "{}", kFast, [](const UpstreamHead&) {},
          [](const char*, size_t) { return true; });
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().kind == Kind::invalid_request);
      CHECK(gw::providers::transport_error(r.error(), "prov", url_of(srv.url())).status == 500);
    }
    CHECK(srv.requests().empty());
  }

  TEST_CASE("keep-alive: two requests share one connection") {
    TestServer srv({answer({ok_json("one"), ok_json("two")})});
    UpstreamPool pool;
    auto a = post(pool, srv.url());
    auto b = post(pool, srv.url());
    REQUIRE(a.result.has_value());
    REQUIRE(b.result.has_value());
    CHECK(a.body == "one");
    CHECK(b.body == "two");
    srv.finish();
    CHECK(srv.accepted() == 1);
    CHECK(srv.requests().size() == 2);
  }

  TEST_CASE("chunked: split inside sizes, data and CRLFs; extensions and trailers skipped") {
    std::vector<std::string> parts = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r",
                                      "\nhe",
                                      "llo\r",
                                      "\n6;ext=1\r\n wor",
                                      "ld\r\n0\r\nTrail",
                                      "er: x\r\n\r\n"};
    TestServer srv({[&](Peer& p, TestServer& s) {
      if (s.read_request(p).empty()) return;
      for (const auto& part : parts) {
        p.send(part);
        pause_ms(15);  // separate reads on the client
      }
      if (s.read_request(p).empty()) return;
      p.send(ok_json("again"));
    }});
    UpstreamPool pool;
    auto r = post(pool, srv.url());
    REQUIRE(r.result.has_value());
    CHECK(r.body == "hello world");
    CHECK(r.pieces >= 2);                // handed on as it arrived, not buffered to the end
    auto again = post(pool, srv.url());  // the chunked answer ended cleanly: reused
    REQUIRE(again.result.has_value());
    CHECK(again.body == "again");
    srv.finish();
    CHECK(srv.accepted() == 1);
  }

  TEST_CASE("an answer delimited by close is complete at EOF; the connection is not reused") {
    auto close_delimited = [](Peer& p, TestServer& s) {
      if (s.read_request(p).empty()) return;
      p.send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
      pause_ms(10);
      p.send("close");
      p.close();
    };
    TestServer srv({close_delimited, close_delimited});
    UpstreamPool pool;
    auto a = post(pool, srv.url());
    REQUIRE(a.result.has_value());
    CHECK(a.body == "until close");
    auto b = post(pool, srv.url());
    REQUIRE(b.result.has_value());
    CHECK(b.body == "until close");
    srv.finish();
    CHECK(srv.accepted() == 2);
  }

  TEST_CASE("an HTTP error status is an answer, not a transport failure") {
    std::string body = R"({"error":{"message":"boom"}})";
    TestServer srv({answer({"HTTP/1.1 500 Internal Server Error\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body})});
    UpstreamPool pool;
    auto r = post(pool, srv.url());
    REQUIRE(r.result.has_value());
    CHECK(r.head.status == 500);
    CHECK(r.body == body);
  }

  TEST_CASE("1xx interim answers are skipped") {
    TestServer srv({answer({"HTTP/1.1 100 Continue\r\n\r\n" + ok_json("ok")})});
    UpstreamPool pool;
    auto r = post(pool, srv.url());
    REQUIRE(r.result.has_value());
    CHECK(r.heads == 1);
    CHECK(r.head.status == 200);
    CHECK(r.body == "ok");
  }

  TEST_CASE("a connection closed without an answer is a 504") {
    TestServer srv({[](Peer& p, TestServer& s) { s.read_request(p); }});
    UpstreamPool pool;
    auto r = post(pool, srv.url());
    REQUIRE_FALSE(r.result.has_value());
    CHECK(r.kind == Kind::closed);
    CHECK(r.result.error().status == 504);
    CHECK(r.result.error().code == "timeout");
    CHECK(r.result.error().message == "prov (127.0.0.1:" + std::to_string(srv.port()) +
                                          ") did not answer in time (or closed the connection)");
    CHECK(r.heads == 0);
  }

  TEST_CASE("an answer cut short of its Content-Length is an error") {
    TestServer srv({[](Peer& p, TestServer& s) {
      if (s.read_request(p).empty()) return;
      p.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part");
    }});
    UpstreamPool pool;
    auto r = post(pool, srv.url());
    REQUIRE_FALSE(r.result.has_value());
    CHECK(r.kind == Kind::closed);
    CHECK(r.result.error().status == 504);
    CHECK(r.heads == 1);
    CHECK(r.body == "only a part");
  }

  TEST_CASE("malformed answers are 502 bad_upstream_response") {
    auto garbage = [](std::string bytes) {
      return [bytes](Peer& p, TestServer& s) {
        if (s.read_request(p).empty()) return;
        p.send(bytes);
      };
    };
    TestServer srv({garbage("SSH-2.0-OpenSSH\r\n\r\n"),
                    garbage("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")});
    UpstreamPool pool;
    auto a = post(pool, srv.url());
    REQUIRE_FALSE(a.result.has_value());
    CHECK(a.kind == Kind::bad_response);
    CHECK(a.result.error().status == 502);
    CHECK(a.result.error().code == "bad_upstream_response");
    CHECK(a.result.error().message.starts_with("prov (127.0.0.1:" + std::to_string(srv.port()) +
                                               ") sent a malformed response: "));
    auto b = post(pool, srv.url());
    REQUIRE_FALSE(b.result.has_value());
    CHECK(b.kind == Kind::bad_response);
    CHECK(b.result.error().code == "bad_upstream_response");
    CHECK(b.result.error().message.ends_with(": malformed chunked body"));
  }

  TEST_CASE("first_byte_s bounds the wait for the head") {
    TestServer srv({[](Peer& p, TestServer& s) {
      if (s.read_request(p).empty()) return;
      pause_ms(400);
    }});
    UpstreamPool pool;
    auto t0 = std::chrono::steady_clock::now();
    auto r = post(pool, srv.url(), Timeouts{1, 0.2, 5});
    double took = seconds_since(t0);
    REQUIRE_FALSE(r.result.has_value());
    CHECK(r.kind == Kind::stalled);
    CHECK(r.result.error().status == 504);
    CHECK(r.result.error().code == "timeout");
    CHECK(r.result.error().message ==
          "prov (127.0.0.1:" + std::to_string(srv.port()) +
              ") did not answer in time (nothing within first_byte_timeout_s)");
    CHECK(took >= 0.15);
    CHECK(took < 0.6);
  }

  TEST_CASE("total_s bounds a trickling answer") {
    TestServer srv({[](Peer& p, TestServer& s) {
      if (s.read_request(p).empty()) return;
      p.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 12; ++i) {
        p.send("1\r\nx\r\n");
        pause_ms(50);
      }
    }});
    UpstreamPool pool;
    auto t0 = std::chrono::steady_clock::now();
    auto r = post(pool, srv.url(), Timeouts{1, 0.3, 0.25});
    REQUIRE_FALSE(r.result.has_value());
    CHECK(r.kind == Kind::total_timeout);
    CHECK(r.result.error().status == 504);
    CHECK(r.result.error().code == "timeout");
    CHECK(r.result.error().message == "prov: upstream exceeded timeout_s");
    CHECK(seconds_since(t0) < 0.5);
    CHECK(!r.body.empty());
  }

  TEST_CASE("on_body returning false cancels; the connection is not pooled") {
    TestServer srv({[](Peer& p, TestServer& s) {
                      if (s.read_request(p).empty()) return;
                      p.send("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc");
                      pause_ms(30);
                      p.send("def");
                      s.read_request(p);  // EOF once the client drops it
                    },
                    answer({ok_json("fresh")})});
    UpstreamPool pool;
    auto r = post(pool, srv.url(), kFast, [](const Reply&) { return false; });
    REQUIRE(r.result.has_value());
    CHECK(*r.result == TransportStatus::cancelled);
    CHECK(r.body == "abc");
    auto next = post(pool, srv.url());
    REQUIRE(next.result.has_value());
    CHECK(next.body == "fresh");
    srv.finish();
    CHECK(srv.accepted() == 2);
  }

  TEST_CASE("a pooled connection the server closed is dropped, not used") {
    TestServer srv({[](Peer& p, TestServer& s) {
                      if (s.read_request(p).empty()) return;
                      p.send(ok_json("first"));
                      p.close();  // keep-alive announced, then closed while idle
                    },
                    answer({ok_json("second")})});
    UpstreamPool pool;
    auto a = post(pool, srv.url());
    REQUIRE(a.result.has_value());
    pause_ms(50);  // the FIN arrives
    auto b = post(pool, srv.url());
    REQUIRE(b.result.has_value());
    CHECK(b.body == "second");
    srv.finish();
    CHECK(srv.accepted() == 2);
    CHECK(srv.requests().size() == 2);
  }

  TEST_CASE("a reused connection that dies before answering is retried once on a fresh one") {
    TestServer srv({[](Peer& p, TestServer& s) {
                      if (s.read_request(p).empty()) return;
                      p.send(ok_json("first"));
                      s.read_request(p);  // takes the second request, then hangs up
                    },
                    answer({ok_json("second")})});
    UpstreamPool pool;
    auto a = post(pool, srv.url());
    REQUIRE(a.result.has_value());
    auto b = post(pool, srv.url());
    REQUIRE(b.result.has_value());
    CHECK(b.heads == 1);
    CHECK(b.body == "second");
    srv.finish();
    CHECK(srv.accepted() == 2);
    CHECK(srv.requests().size() == 3);  // the second request reached the dying connection too
  }

  TEST_CASE("connection refused is 502 upstream_connect_error naming provider and address") {
    auto gone = gw::test::listen_on("127.0.0.1", 1);
    ::close(gone.fd);  // nobody listens there now
    int port = gone.port;
    UpstreamPool pool;
    auto r = post(pool, "http://127.0.0.1:" + std::to_string(port) + "/v1");
    REQUIRE_FALSE(r.result.has_value());
    CHECK(r.kind == Kind::connect_failed);
    CHECK(r.result.error().status == 502);
    CHECK(r.result.error().code == "upstream_connect_error");
    CHECK(r.result.error().message.starts_with(
        "cannot connect to prov (127.0.0.1:" + std::to_string(port) + "): "));
  }

  TEST_CASE("get returns the whole answer") {
    TestServer srv({answer({ok_json(R"({"data":[]})")})});
    UpstreamPool pool;
    auto r = pool.get(url_of(srv.url()), "/models", {{"x-api-key", "k"}}, kFast);
    REQUIRE(r.has_value());
    CHECK(r->first.status == 200);
    CHECK(r->second == R"({"data":[]})");
    srv.finish();
    auto q = srv.requests().at(0);
    CHECK(q.starts_with("GET /v1/models HTTP/1.1\r\n"));
    CHECK(q.find("Content-Length") == q.npos);
    CHECK(q.find("\r\nx-api-key: k\r\n") != q.npos);
  }

  TEST_CASE("https to a server that does not speak TLS is 502 upstream_tls_error") {
    TestServer srv({[](Peer& p, TestServer&) {
      if (p.read_some().empty()) return;  // the ClientHello
      p.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    }});
    UpstreamPool pool;
    auto r = post(pool, "https://127.0.0.1:" + std::to_string(srv.port()) + "/v1");
    REQUIRE_FALSE(r.result.has_value());
    CHECK(r.kind == Kind::tls_failed);
    CHECK(r.result.error().status == 502);
    CHECK(r.result.error().code == "upstream_tls_error");
    CHECK(r.result.error().message.starts_with("TLS failure talking to prov (127.0.0.1:"));
  }

  TEST_CASE("HTTP_PROXY: absolute-form targets; loopback upstreams never proxied") {
    TestServer proxy({answer({ok_json("via proxy")})});
    ScopedEnv env("HTTP_PROXY", "127.0.0.1:" + std::to_string(proxy.port()));
    UpstreamPool pool;
    auto r = post(pool, "http://upstream.invalid:8080/v1");
    REQUIRE(r.result.has_value());
    CHECK(r.body == "via proxy");
    proxy.finish();
    auto q = proxy.requests().at(0);
    CHECK(q.starts_with("POST http://upstream.invalid:8080/v1/chat/completions HTTP/1.1\r\n"));
    CHECK(q.find("\r\nHost: upstream.invalid:8080\r\n") != q.npos);

    TestServer direct({answer({ok_json("direct")})});
    auto d = post(pool, direct.url());
    REQUIRE(d.result.has_value());
    CHECK(d.body == "direct");
  }

  TEST_CASE("HTTPS_PROXY: a CONNECT tunnel; a refusal is 502 upstream_connect_error") {
    TestServer proxy({[](Peer& p, TestServer&) {
      auto req = p.read_some();
      CHECK(req.starts_with("CONNECT secure.invalid:443 HTTP/1.1\r\n"));
      CHECK(req.find("\r\nHost: secure.invalid:443\r\n") != req.npos);
      p.send("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    }});
    ScopedEnv env("HTTPS_PROXY", "http://127.0.0.1:" + std::to_string(proxy.port()));
    UpstreamPool pool;
    auto r = post(pool, "https://secure.invalid/v1");
    REQUIRE_FALSE(r.result.has_value());
    CHECK(r.kind == Kind::connect_failed);
    CHECK(r.result.error().status == 502);
    CHECK(r.result.error().code == "upstream_connect_error");
    CHECK(r.result.error().message ==
          "cannot connect to prov (secure.invalid:443) through proxy 127.0.0.1:" +
              std::to_string(proxy.port()) + ": the proxy answered 403");
  }

  TEST_CASE("NO_PROXY names hosts reached directly") {
    TestServer srv({answer({ok_json("direct")})}, "127.0.0.2");
    ScopedEnv env("HTTP_PROXY", "http://127.0.0.1:1");  // refuses: a proxied request fails
    UpstreamPool pool;
    auto proxied = post(pool, srv.url());
    REQUIRE_FALSE(proxied.result.has_value());
    CHECK(proxied.result.error().message.find("through proxy 127.0.0.1:1") != std::string::npos);
    ScopedEnv np("NO_PROXY", "other.example, 127.0.0.2");
    auto r = post(pool, srv.url());
    REQUIRE(r.result.has_value());
    CHECK(r.body == "direct");
  }

  TEST_CASE("on an event-loop fiber: waits park; idle connections are kept per loop") {
    TestServer srv({answer({ok_json("one"), ok_json("two")}), answer({ok_json("plain")})});
    UpstreamPool pool;
    gw::net::EventLoop loop;
    std::string a, b;
    bool on_fiber = false;
    loop.spawn([&] {
      on_fiber = gw::net::on_loop_fiber();
      a = post(pool, srv.url()).body;
      b = post(pool, srv.url()).body;
      loop.stop();
    });
    loop.run(2s);
    CHECK(on_fiber);
    CHECK(a == "one");
    CHECK(b == "two");
    // A plain thread must not borrow the loop's socket: it opens its own connection.
    auto c = post(pool, srv.url());
    REQUIRE(c.result.has_value());
    CHECK(c.body == "plain");
    srv.finish();
    CHECK(srv.accepted() == 2);
  }
}
