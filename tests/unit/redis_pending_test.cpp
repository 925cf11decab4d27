// The Redis store's settlements are sent without waiting for their replies (the answer is not
// held up by them): the reply is read by the connection's next exchange. Checked against a
// small fake Redis on 127.0.0.1 that answers the store's commands in order, as Redis does: a
// slow settlement reply does not slow settle(), a NOSCRIPT is sent again as EVAL, and a
// connection lost before the reply counts the spend in the fallback.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/redis_client.hpp"
#include "gateway/redis_limit_store.hpp"

namespace {

using namespace gw::gateway;
using redis::Reply;
using Ms = std::chrono::milliseconds;

constexpr int64_t kT0 = 1'765'000'000'000;
const std::string kAdmitSha(40, 'a'), kSettleSha(40, 's');

// One connection at a time, commands answered in order (each parsed as the array it is).
class FakeRedis {
 public:
  enum class Settle { kReply, kSlowReply, kNoScriptOnce, kHangUp, kHangUpOnce };
  explicit FakeRedis(Settle mode) : mode_(mode) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRedis() {
    stop_ = true;
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  std::vector<std::string> seen() {  // each command's name and first argument
    std::lock_guard lk(mu_);
    return seen_;
  }
  int port = 0;

 private:
  bool wait_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (!stop_)
      if (::poll(&p, 1, 20) > 0) return true;
    return false;
  }
  void serve() {
    while (wait_readable(fd_)) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      redis::ReplyReader in;
      Reply cmd;
      char buf[65536];
      bool open = true;
      while (open && wait_readable(c)) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0 || !in.feed(buf, static_cast<size_t>(n))) break;
        while (open && in.next(cmd) == 1) open = answer(c, cmd);
      }
      if (!open && mode_ == Settle::kHangUp) {  // gone for good: no new connection either
        ::close(fd_);
        fd_ = -1;
        ::close(c);
        return;
      }
      ::close(c);
    }
  }
  bool answer(int c, const Reply& cmd) {
    const auto& e = cmd.elements;
    std::string name = e.empty() ? "" : e[0].str, arg = e.size() > 1 ? e[1].str : "";
    if (name == "EVAL") arg = arg == kRedisSettleScript ? "settle" : "admit";
    if (name == "SCRIPT") arg = e.size() > 2 && e[2].str == kRedisSettleScript ? "settle" : "admit";
    {
      std::lock_guard lk(mu_);
      seen_.push_back(name + " " +
                      (arg == kAdmitSha    ? "admit"
                       : arg == kSettleSha ? "settle"
                                           : arg));
    }
    std::string out;
    if (name == "SCRIPT") {
      const std::string& sha = arg == "settle" ? kSettleSha : kAdmitSha;
      out = "$40\r\n" + sha + "\r\n";
    } else if ((name == "EVALSHA" && arg == kAdmitSha) || (name == "EVAL" && arg == "admit")) {
      out = "*5\r\n:0\r\n:0\r\n$1\r\n0\r\n$1\r\n0\r\n$2\r\n99\r\n";  // admitted
    } else if (name == "EVALSHA" && arg == kSettleSha) {
      if (mode_ == Settle::kHangUp) return false;
      if (mode_ == Settle::kHangUpOnce && !hung_up_) {
        hung_up_ = true;
        return false;
      }
      if (mode_ == Settle::kSlowReply) std::this_thread::sleep_for(Ms(500));
      out = ":1\r\n";
      if (mode_ == Settle::kNoScriptOnce && !noscript_sent_) {
        noscript_sent_ = true;
        out = "-NOSCRIPT No matching script. Please use EVAL.\r\n";
      }
    } else if (name == "EVAL") {
      out = ":1\r\n";
    } else {
      out = "-ERR unexpected\r\n";
    }
    return ::write(c, out.data(), out.size()) == static_cast<ssize_t>(out.size());
  }

  const Settle mode_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  bool noscript_sent_ = false, hung_up_ = false;
  std::mutex mu_;
  std::vector<std::string> seen_;
  std::thread thread_;
};

RedisLimitStore::Options options(int port, std::vector<std::string>& logged) {
  RedisLimitStore::Options o;
  o.url.host = "127.0.0.1";
  o.url.port = port;
  o.shown_url = "redis://127.0.0.1:" + std::to_string(port);
  o.timeout_ms = 2000;  // a loaded test machine must not time out by accident
  o.log = [&logged](const std::string& m) { logged.push_back(m); };
  return o;
}

Ask bob(uint64_t lease) {
  Ask a;
  a.now_ms = kT0;
  a.scopes.push_back("u:bob");
  a.requests.push_back({0, 100, 1});
  a.lease = lease;
  return a;
}

}  // namespace

TEST_CASE("the Redis store: settle sends without waiting; the next exchange reads the reply") {
  FakeRedis fake(FakeRedis::Settle::kSlowReply);  // 500 ms before each settle reply
  std::vector<std::string> logged;
  RedisLimitStore store(options(fake.port, logged));
  REQUIRE(store.admit(bob(1)).admitted());
  auto t0 = std::chrono::steady_clock::now();
  store.settle(bob(1), true, 0, 0.25, kT0);
  CHECK(std::chrono::steady_clock::now() - t0 < Ms(250));  // did not wait for the reply
  Verdict v = store.admit(bob(2));                         // reads the settle reply, then its own
  CHECK(v.admitted());
  CHECK_FALSE(v.local);
  CHECK(store.health().up);
  CHECK(store.health().fallbacks == 0);
  CHECK(logged.empty());
  CHECK(fake.seen() == std::vector<std::string>{"SCRIPT admit", "SCRIPT settle", "EVALSHA admit",
                                                "EVALSHA settle", "EVALSHA admit"});
}

TEST_CASE("the Redis store: a settlement answered NOSCRIPT is sent again as EVAL") {
  FakeRedis fake(FakeRedis::Settle::kNoScriptOnce);
  std::vector<std::string> logged;
  RedisLimitStore store(options(fake.port, logged));
  REQUIRE(store.admit(bob(1)).admitted());
  store.settle(bob(1), true, 0, 0.25, kT0);
  std::this_thread::sleep_for(Ms(100));     // the NOSCRIPT is there before the next admission
  REQUIRE(store.admit(bob(2)).admitted());  // finds it on taking the connection: sends the text
  REQUIRE(store.admit(bob(3)).admitted());  // reads the EVAL's reply
  CHECK(store.health().up);
  CHECK(logged.empty());
  CHECK(fake.seen() == std::vector<std::string>{"SCRIPT admit", "SCRIPT settle", "EVALSHA admit",
                                                "EVALSHA settle", "EVAL settle", "EVALSHA admit",
                                                "EVALSHA admit"});
}

TEST_CASE("the Redis store: a settlement lost with its connection counts its spend locally") {
  FakeRedis fake(FakeRedis::Settle::kHangUp);  // on a settlement: closes and stops listening
  std::vector<std::string> logged;
  RedisLimitStore store(options(fake.port, logged));
  REQUIRE(store.admit(bob(1)).admitted());
  store.settle(bob(1), true, 0, 0.25, kT0);
  Verdict v = store.admit(bob(2));  // the connection is closed, no new one: down, fail_open
  CHECK(v.admitted());
  CHECK(v.local);
  CHECK_FALSE(store.health().up);
  CHECK(store.health().fallbacks == 1);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].find("unreachable") != std::string::npos);
  // The lost settlement's spend is in the fallback (used() reads it while Redis is down).
  CHECK(store.used("u:bob", Period::kMonth, kT0) == doctest::Approx(0.25));
}

TEST_CASE("the Redis store: a pooled connection closed before its settlement's reply is replaced") {
  // As when Redis restarts: the connection is readable (its end), so only reading the owed
  // reply tells; the next admission must not fail on it (one probe per backoff would then keep
  // finding dead connections) but open a new one.
  FakeRedis fake(FakeRedis::Settle::kHangUpOnce);
  std::vector<std::string> logged;
  RedisLimitStore store(options(fake.port, logged));
  REQUIRE(store.admit(bob(1)).admitted());
  store.settle(bob(1), true, 0, 0.25, kT0);
  std::this_thread::sleep_for(Ms(100));  // closed by then
  Verdict v = store.admit(bob(2));
  CHECK(v.admitted());
  CHECK_FALSE(v.local);
  CHECK(store.health().up);
  CHECK(store.health().fallbacks == 0);
  CHECK(logged.empty());
  CHECK(fake.seen() == std::vector<std::string>{"SCRIPT admit", "SCRIPT settle", "EVALSHA admit",
                                                "EVALSHA settle", "SCRIPT admit", "SCRIPT settle",
                                                "EVALSHA admit"});
}
