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

#include "net/http1.hpp"
#include "net/http_types.hpp"
#include "net/transport_error.hpp"

namespace gw::net {

class EventLoop;
class UpstreamConn;

struct Timeouts {
  double connect_s = 10;
  double first_byte_s = 120;  // also the longest silence allowed between body bytes
  double total_s = 600;
};

// An upstream answer's status line and headers (what callers read: status, headers).
using UpstreamHead = http1::ResponseHead;

// Called once when the status line and headers have arrived. The head belongs to the
// connection, which parses its next answer into the same strings (a dozen header strings a
// request, not allocated again): copy what you keep past the call (keep_error_head).
using OnHead = std::function<void(const UpstreamHead&)>;

// What most callers keep of a head: the status, and the headers when the answer is an error
// (its rate-limit hints and retry-after); a 2xx answer's headers are read in the callback.
inline void keep_error_head(UpstreamHead& into, const UpstreamHead& h) {
  into.status = h.status;
  if (h.status < 200 || h.status >= 300) into.headers = h.headers;
}
// Called with each piece of body as it arrives; return false to cancel the request.
using OnBody = std::function<bool(const char* data, size_t len)>;

enum class TransportStatus { ok, cancelled };

class UpstreamPool {
 public:
  UpstreamPool();
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // POSTs `body` to `base.path + path`. Transport failures (refused, TLS, timeouts) come
  // back as a TransportError for the caller to word; HTTP error statuses are not failures
  // here: the caller reads them through on_head/on_body.
  TransportResult<TransportStatus> post(const Url& base, const std::string& path,
                                        const Headers& headers, const std::string& body,
                                        const Timeouts& timeouts, const OnHead& on_head,
                                        const OnBody& on_body);

  // GET for small control requests (model lists); whole body returned.
  TransportResult<std::pair<UpstreamHead, std::string>> get(const Url& base,
                                                            const std::string& path,
                                                            const Headers& headers,
                                                            const Timeouts& timeouts);

 private:
  struct Exchange;  // one request: what to send, to whom, by when
  TransportResult<TransportStatus> send(const Exchange& x, const OnHead& on_head,
                                        const OnBody& on_body);

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
