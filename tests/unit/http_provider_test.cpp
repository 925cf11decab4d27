// HttpProvider::stream against a one-connection server on 127.0.0.1 (issue 12): an upstream
// SSE line or event that never ends stops the read at the parser's bound with a 502; a client
// that leaves mid-stream reports usage only once the upstream's final count was seen; secrets
// are masked in stream errors. Runs on a plain thread (the client polls); every wait is bounded.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "net/upstream_pool.hpp"
#include "providers/http_provider.hpp"

namespace {

using namespace std::chrono_literals;

// Accepts one connection, reads one request, then hands the socket to `reply`.
class OneShotServer {
 public:
  using Reply = std::function<void(int fd)>;
  explicit OneShotServer(Reply reply) {
    auto listener = gw::test::listen_on("127.0.0.1", 4);
    listen_fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this, reply = std::move(reply)] {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) != 1) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      timeval tv{5, 0};
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (read_request(fd)) reply(fd);
      ::close(fd);
    });
  }
  ~OneShotServer() {
    if (thread_.joinable()) thread_.join();
    ::close(listen_fd_);
  }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static bool read_request(int fd) {
    std::string got;
    char buf[4096];
    for (;;) {
      if (auto end = got.find("\r\n\r\n"); end != std::string::npos) {
        auto at = got.find("Content-Length: ");
        size_t body = at == std::string::npos ? 0 : std::stoul(got.substr(at + 16));
        if (got.size() >= end + 4 + body) return true;
      }
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      got.append(buf, static_cast<size_t>(n));
    }
  }
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

constexpr std::string_view kSseHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

struct Outcome {
  gw::Result<gw::providers::StreamResult> result;
  int chunks = 0;
  double seconds = 0;
};

// Streams `m` from `server` through a fresh HttpProvider; the sink says false (client gone)
// on chunk number `leave_at` (0: never).
Outcome run(const std::string& kind, const OneShotServer& server, int leave_at = 0) {
  auto p = gw::test::provider_config(kind, server.url(), gw::test::kSecretKey);
  p.timeout_s = 20;
  gw::net::UpstreamPool pool;
  gw::providers::HttpProvider provider(gw::test::adapter_for(kind), pool);
  auto req = gw::test::hi_stream_request();
  gw::providers::CallStats stats;
  Outcome o{gw::fail(gw::Error::internal("not run")), 0, 0};
  auto t0 = std::chrono::steady_clock::now();
  o.result = provider.stream(
      req, gw::providers::Target{&p, "m"},
      [&](const gw::api::ChatChunk&) { return ++o.chunks != leave_at; }, stats);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

// One SSE event; line breaks in `data` (the raw strings below wrap) become spaces.
std::string sse(std::string_view event, std::string_view data) {
  std::string one_line(data);
  std::ranges::replace(one_line, '\n', ' ');
  return "event: " + std::string(event) + "\ndata: " + one_line + "\n\n";
}

const std::string kAnthropicStart =
    sse("message_start", R"({"type":"message_start","message":{"id":"msg_1","model":"claude",
        "usage":{"input_tokens":25,"output_tokens":1}}})") +
    sse("content_block_start",
        R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
std::string anthropic_delta(int i) {
  return sse("content_block_delta",
             R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"w)" +
                 std::to_string(i) + R"( "}})");
}

TEST_CASE("http provider: an endless SSE line stops at 8 MiB with a 502 after the first byte") {
  OneShotServer server([](int fd) {
    std::string first =
        R"(data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]})";
    if (!send_all(fd, std::string(kSseHead) + first + "\n\ndata: ")) return;
    std::string block(64 * 1024, 'x');
    for (int i = 0; i < 512; ++i)  // up to 32 MiB, or until gw hangs up
      if (!send_all(fd, block)) return;
  });
  auto o = run("openai", server);
  REQUIRE_FALSE(o.result.has_value());
  CHECK(o.result.error().status == 502);
  CHECK(o.result.error().code == "bad_upstream_response");
  CHECK(o.result.error().message == "openai: upstream stream event exceeds 8 MiB");
  CHECK(o.result.error().after_first_byte);
  CHECK(o.chunks == 1);
  CHECK(o.seconds < 15);
}

TEST_CASE("http provider: an event whose data lines never end overflows before any chunk") {
  OneShotServer server([](int fd) {
    if (!send_all(fd, kSseHead)) return;
    std::string line = "data: " + std::string(64 * 1024, 'y') + "\n";
    for (int i = 0; i < 512; ++i)
      if (!send_all(fd, line)) return;
  });
  auto o = run("anthropic", server);
  REQUIRE_FALSE(o.result.has_value());
  CHECK(o.result.error().message == "anthropic: upstream stream event exceeds 8 MiB");
  CHECK_FALSE(o.result.error().after_first_byte);  // nothing reached the client: retryable
}

TEST_CASE("http provider: a client leaving an anthropic stream mid-way gets no placeholder usage") {
  OneShotServer server([](int fd) {
    std::string body = std::string(kSseHead) + kAnthropicStart;
    for (int i = 0; i < 50; ++i) body += anthropic_delta(i);
    if (!send_all(fd, body)) return;
    std::this_thread::sleep_for(300ms);  // message_delta would come later
  });
  auto o = run("anthropic", server, 20);
  REQUIRE(o.result.has_value());
  CHECK(o.result->cancelled);
  CHECK_FALSE(o.result->usage.has_value());  // the gateway estimates from what it forwarded
}

TEST_CASE("http provider: a client leaving after anthropic's final usage keeps that usage") {
  OneShotServer server([](int fd) {
    std::string body = std::string(kSseHead) + kAnthropicStart + anthropic_delta(0) +
                       sse("message_delta",
                           R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},
                               "usage":{"output_tokens":50}})");
    if (!send_all(fd, body)) return;
    std::this_thread::sleep_for(300ms);
  });
  auto o = run("anthropic", server, 3);  // role, "w0", then the finish chunk
  REQUIRE(o.result.has_value());
  CHECK(o.result->cancelled);
  REQUIRE(o.result->usage.has_value());
  CHECK(o.result->usage->completion_tokens == 50);
}

TEST_CASE("http provider: an error event echoing the key reaches the client masked") {
  OneShotServer server([](int fd) {
    send_all(fd, std::string(kSseHead) + kAnthropicStart +
                     sse("error", R"({"type":"error","error":{"type":"overloaded_error",
                         "message":"overloaded for key-SECRET-0123456789"}})"));
  });
  auto o = run("anthropic", server);
  REQUIRE_FALSE(o.result.has_value());
  CHECK(o.result.error().message == "anthropic: overloaded for ***");
}

}  // namespace
