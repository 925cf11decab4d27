// The HTTP/1.1 client to upstream providers, with pooled keep-alive connections. It runs on
// event-loop fibers (waits park the fiber) and on plain threads (waits poll) alike. A socket
// registered with a loop must stay on that loop, so idle connections are kept per (loop,
// origin); plain threads share the entries of no loop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/error.hpp"
#include "net/http_types.hpp"

namespace gw::net {

class EventLoop;
class UpstreamConn;

struct Timeouts {
  double connect_s = 10;
  double first_byte_s = 120;  // also the longest silence allowed between body bytes
  double total_s = 600;
};

struct UpstreamHead {
  int status = 0;
  Headers headers;
};

// Called once when the status line and headers have arrived; the head is the callee's to keep
// (moved, not copied: a dozen header strings a request).
using OnHead = std::function<void(UpstreamHead&&)>;
// Called with each piece of body as it arrives; return false to cancel the request.
using OnBody = std::function<bool(const char* data, size_t len)>;

enum class TransportStatus { ok, cancelled };

// The message tail of a read that hit its deadline (first_byte_timeout_s between bytes): a
// stall, told apart from a connection the upstream closed (is_stall).
inline constexpr std::string_view kStalledMessage =
    " did not answer in time (nothing within first_byte_timeout_s)";
inline constexpr std::string_view kTotalTimeoutMessage = ": upstream exceeded timeout_s";
// A deadline passed mid-answer (a stall or timeout_s), not a connection the upstream closed.
inline bool is_stall(const Error& e) {
  return e.code == "timeout" &&
         (e.message.ends_with(kStalledMessage) || e.message.ends_with(kTotalTimeoutMessage));
}

class UpstreamPool {
 public:
  UpstreamPool();
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // POSTs `body` to `base.path + path`. Transport failures (refused, TLS, timeouts) come
  // back as OpenAI-shaped 502/504 errors naming the provider; HTTP error statuses are not
  // failures here: the caller reads them through on_head/on_body.
  Result<TransportStatus> post(const Url& base, const std::string& path, const Headers& headers,
                               const std::string& body, const Timeouts& timeouts,
                               std::string_view provider, const OnHead& on_head,
                               const OnBody& on_body);

  // GET for small control requests (model lists); whole body returned.
  Result<std::pair<UpstreamHead, std::string>> get(const Url& base, const std::string& path,
                                                   const Headers& headers, const Timeouts& timeouts,
                                                   std::string_view provider);

 private:
  struct Exchange;  // one request: what to send, to whom, by when
  Result<TransportStatus> send(const Exchange& x, const OnHead& on_head, const OnBody& on_body);

  struct IdleKey {
    const EventLoop* loop;
    std::string origin;
  };
  struct IdleKeyView {
    const EventLoop* loop;
    std::string_view origin;
  };
  struct IdleKeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      if (a.loop != b.loop) return std::less<const EventLoop*>()(a.loop, b.loop);
      return std::string_view(a.origin) < std::string_view(b.origin);
    }
  };
  // A live idle connection of (loop, origin), or null; stale ones are dropped on the way.
  std::unique_ptr<UpstreamConn> take_idle(const EventLoop* loop, std::string_view origin);
  void put_idle(const EventLoop* loop, std::string_view origin, std::unique_ptr<UpstreamConn> c);

  std::mutex mu_;  // held only to move a connection in or out of idle_
  std::map<IdleKey, std::vector<std::unique_ptr<UpstreamConn>>, IdleKeyLess> idle_;
};

}  // namespace gw::net
