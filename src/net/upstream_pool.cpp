#include "net/upstream_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/event_loop.hpp"
#include "net/http1.hpp"
#include "net/upstream_conn.hpp"

namespace gw::net {
namespace {

constexpr size_t kMaxIdlePerOrigin = 256;
constexpr size_t kReadBuffer = 16 * 1024;
// Bodies up to this size leave in the same write as the head (one segment, one syscall);
// larger ones are not worth copying.
constexpr size_t kCoalesceBody = 64 * 1024;

// Not "Kind": ReadOutcome below has a Kind of its own.
using Failure = TransportError::Kind;

std::unexpected<TransportError> transport_failure(Failure kind, std::string detail = {}) {
  return std::unexpected(TransportError{kind, std::move(detail), {}});
}

// deadline_in for configured seconds, kept clear of overflow.
Deadline after(double seconds) {
  return deadline_in(std::clamp(seconds, 0.0, 1e8));
}

// The peer dropped a connection it had kept alive: the request never reached it.
bool is_hangup(ssize_t n, int err) {
  return n == 0 || err == ECONNRESET || err == EPIPE || err == ECONNABORTED;
}

bool bad_header_text(std::string_view s) {
  return s.find_first_of("\r\n", 0) != std::string_view::npos || s.find('\0') != s.npos;
}

}  // namespace

struct UpstreamPool::Exchange {
  const Url& base;
  std::string_view method;
  const std::string& path;
  const Headers& headers;
  const std::string* body;  // null: no body (GET)
  const Timeouts& t;
  Deadline total;
};

namespace {

// The request head (and the body, when small): built once the connection says whether the
// target must be absolute (an http:// upstream through a proxy).
TransportResult<std::string> build_request(const Url& base, std::string_view method,
                                           const std::string& path, const Headers& headers,
                                           const std::string* body, bool absolute_form) {
  std::string target;
  target.reserve(base.path.size() + path.size() + 64);
  if (absolute_form) target.append("http://").append(host_header(base));
  target.append(base.path).append(path);
  if (target.empty() || (absolute_form && target.find('/', 7) == std::string::npos))
    target.push_back('/');
  // Adapters encode what they put in a path; this is the last line should one forget: no
  // byte that could end the request line or start a second request reaches the wire.
  for (unsigned char c : target)
    if (c <= 0x20 || c == 0x7F)
      return transport_failure(Failure::invalid_request,
                               "upstream request target contains a space or control byte");

  Headers h;
  h.reserve(headers.size() + 3);
  bool has_type = false, has_agent = false;
  for (const auto& [k, v] : headers) {
    if (bad_header_text(k) || bad_header_text(v))
      return transport_failure(Failure::invalid_request,
                               "upstream header '" + k + "' contains a line break or NUL");
    // Framing is ours to write, and compressed answers are not decoded here.
    if (iequals(k, "host") || iequals(k, "content-length") || iequals(k, "transfer-encoding") ||
        iequals(k, "connection") || iequals(k, "accept-encoding"))
      continue;
    has_type |= iequals(k, "content-type");
    has_agent |= iequals(k, "user-agent");
    h.emplace_back(k, v);
  }
  if (!has_agent) h.emplace_back("User-Agent", "gw/" GW_VERSION);
  if (body) {
    if (!has_type) h.emplace_back("Content-Type", "application/json");
    h.emplace_back("Content-Length", std::to_string(body->size()));
  }
  std::string out;
  bool coalesce = body && body->size() <= kCoalesceBody;
  out.reserve(512 + (coalesce ? body->size() : 0));
  http1::append_request_head(out, method, target, host_header(base), h);
  if (coalesce) out.append(*body);
  return out;
}

// What reading one response came to.
struct ReadOutcome {
  enum Kind { done, cancelled, retry, failed } kind = failed;
  bool reusable = false;  // done, and the connection is ready for the next request
  TransportError error;
};

// Reads one response from `conn`, skipping 1xx, calling on_head once and on_body with body
// bytes straight from a 16 KiB buffer as they arrive.
ReadOutcome read_response(UpstreamConn& conn, bool reused, Deadline total, double first_byte_s,
                          const OnHead& on_head, const OnBody& on_body) {
  auto failure = [](Failure kind, std::string detail = {}) {
    return ReadOutcome{ReadOutcome::failed, false, {kind, std::move(detail), {}}};
  };
  auto read_failed = [&](ssize_t n, int err) {
    if (n < 0 && err == ETIMEDOUT && Clock::now() >= total) return failure(Failure::total_timeout);
    if (n < 0 && err == ETIMEDOUT) return failure(Failure::stalled);
    if (n < 0 && err == EPROTO && conn.tls()) return failure(Failure::tls_failed, conn.tls_error());
    return failure(Failure::closed);
  };
  auto read_deadline = [&] { return std::min(after(first_byte_s), total); };

  size_t cap = kReadBuffer;
  auto buf = std::make_unique_for_overwrite<char[]>(cap);
  size_t len = 0;
  bool got_any = false;
  http1::ResponseHead& head = conn.head();
  size_t pos = 0;  // where the body starts in buf
  for (;;) {
    if (len > 0) {
      auto r = http1::parse_response_head(std::string_view(buf.get(), len), head);
      if (r.status == http1::Parse::error) return failure(Failure::bad_response, r.error);
      if (r.status == http1::Parse::complete) {
        if (head.status == 101) return failure(Failure::bad_response, "unexpected 101");
        if (head.status >= 200) {
          pos = r.consumed;
          break;
        }
        std::memmove(buf.get(), buf.get() + r.consumed, len - r.consumed);  // interim 1xx
        len -= r.consumed;
        continue;
      }
    }
    if (len == cap) {  // a head larger than the buffer (parse_response_head caps it)
      size_t bigger = std::min(cap * 2, http1::kMaxHead);
      auto grown = std::make_unique_for_overwrite<char[]>(bigger);
      std::memcpy(grown.get(), buf.get(), len);
      buf = std::move(grown);
      cap = bigger;
    }
    int err = 0;
    ssize_t n = conn.read_some(buf.get() + len, cap - len, read_deadline(), err);
    if (n <= 0) {
      if (reused && !got_any && is_hangup(n, err)) return {ReadOutcome::retry, false, {}};
      return read_failed(n, err);
    }
    got_any = true;
    len += static_cast<size_t>(n);
  }

  on_head(head);

  const auto& fr = head.framing;
  bool no_body = head.status == 204 || head.status == 304;
  bool until_close = !no_body && !fr.chunked && fr.content_length < 0;
  bool reusable = fr.keep_alive && !until_close;
  int64_t remaining = fr.content_length;
  http1::ChunkedDecoder chunks;
  for (;;) {
    std::string_view avail(buf.get() + pos, len - pos);
    bool finished = false;
    size_t used = avail.size();
    if (no_body) {
      finished = true;
      used = 0;
    } else if (fr.chunked) {
      bool stop = false;
      int64_t fed = chunks.feed(avail, [&](std::string_view d) {
        if (!stop && !on_body(d.data(), d.size())) stop = true;
      });
      if (stop) return {ReadOutcome::cancelled, false, {}};
      if (fed < 0) return failure(Failure::bad_response, "malformed chunked body");
      used = static_cast<size_t>(fed);
      finished = chunks.done();
    } else if (!until_close) {
      used = static_cast<size_t>(std::min<int64_t>(remaining, static_cast<int64_t>(avail.size())));
      remaining -= static_cast<int64_t>(used);
      finished = remaining == 0;
    }
    if (used > 0 && !fr.chunked && !on_body(avail.data(), used))
      return {ReadOutcome::cancelled, false, {}};
    // Bytes past the end of the answer: the peer is out of step; do not reuse.
    if (finished) return {ReadOutcome::done, reusable && used == avail.size(), {}};
    if (Clock::now() >= total) return failure(Failure::total_timeout);
    int err = 0;
    ssize_t n = conn.read_some(buf.get(), cap, read_deadline(), err);
    if (n == 0 && until_close) return {ReadOutcome::done, false, {}};
    if (n <= 0) return read_failed(n, err);
    pos = 0;
    len = static_cast<size_t>(n);
  }
}

}  // namespace

UpstreamPool::UpstreamPool() = default;
UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<UpstreamConn> UpstreamPool::take_idle(const EventLoop* loop,
                                                      std::string_view origin) {
  for (;;) {
    std::unique_ptr<UpstreamConn> c;
    {
      std::lock_guard lock(mu_);
      auto it = idle_.find(IdleKeyView{loop, origin});
      if (it == idle_.end() || it->second.empty()) return nullptr;
      c = std::move(it->second.back());
      it->second.pop_back();
    }
    if (!c->stale()) return c;  // else closed here, outside the lock
  }
}

void UpstreamPool::put_idle(const EventLoop* loop, std::string_view origin,
                            std::unique_ptr<UpstreamConn> c) {
  c->mark_idle();  // from now on, take_idle asks the loop what came (UpstreamConn::stale)
  std::lock_guard lock(mu_);
  auto it = idle_.find(IdleKeyView{loop, origin});
  if (it == idle_.end())
    it = idle_
             .emplace(IdleKey{loop, std::string(origin)},
                      std::vector<std::unique_ptr<UpstreamConn>>{})
             .first;
  if (it->second.size() < kMaxIdlePerOrigin) it->second.push_back(std::move(c));
}

TransportResult<TransportStatus> UpstreamPool::send(const Exchange& x, const OnHead& on_head,
                                                    const OnBody& on_body) {
  const EventLoop* loop = EventLoop::current();
  std::string origin = x.base.origin();
  std::string request;
  bool request_absolute = false;
  bool fresh_only = false;  // after a kept-alive connection turned out dead
  for (;;) {
    std::unique_ptr<UpstreamConn> conn = fresh_only ? nullptr : take_idle(loop, origin);
    bool reused = conn != nullptr;
    if (!conn) {
      auto c = connect_upstream(x.base, std::min(after(x.t.connect_s), x.total));
      if (!c) return std::unexpected(std::move(c.error()));
      conn = std::make_unique<UpstreamConn>(std::move(*c));
    }
    if (request.empty() || request_absolute != conn->absolute_form()) {
      auto r = build_request(x.base, x.method, x.path, x.headers, x.body, conn->absolute_form());
      if (!r) return std::unexpected(std::move(r.error()));
      request = std::move(*r);
      request_absolute = conn->absolute_form();
    }

    int err = 0;
    Deadline write_by = std::min(after(std::max(x.t.connect_s, 1.0) + 30), x.total);
    bool wrote = conn->write_all(request, write_by, err);
    if (wrote && x.body && x.body->size() > kCoalesceBody)
      wrote = conn->write_all(*x.body, write_by, err);
    if (!wrote) {
      if (reused && is_hangup(-1, err)) {
        fresh_only = true;
        continue;
      }
      if (err == ETIMEDOUT && Clock::now() >= x.total)
        return transport_failure(Failure::total_timeout);
      return transport_failure(Failure::send_failed);
    }

    auto out = read_response(*conn, reused, x.total, x.t.first_byte_s, on_head, on_body);
    switch (out.kind) {
      case ReadOutcome::retry:
        fresh_only = true;
        continue;
      case ReadOutcome::cancelled:
        return TransportStatus::cancelled;  // the connection closes mid-answer
      case ReadOutcome::failed:
        return std::unexpected(std::move(out.error));
      case ReadOutcome::done:
        if (out.reusable) put_idle(loop, origin, std::move(conn));
        return TransportStatus::ok;
    }
  }
}

TransportResult<TransportStatus> UpstreamPool::post(const Url& base, const std::string& path,
                                                    const Headers& headers, const std::string& body,
                                                    const Timeouts& t, const OnHead& on_head,
                                                    const OnBody& on_body) {
  Exchange x{base, "POST", path, headers, &body, t, after(t.total_s)};
  return send(x, on_head, on_body);
}

TransportResult<std::pair<UpstreamHead, std::string>> UpstreamPool::get(const Url& base,
                                                                        const std::string& path,
                                                                        const Headers& headers,
                                                                        const Timeouts& t) {
  Exchange x{base, "GET", path, headers, nullptr, t, after(t.total_s)};
  std::pair<UpstreamHead, std::string> out;
  auto sent = send(
      x, [&](const UpstreamHead& h) { out.first = h; },
      [&](const char* data, size_t len) {
        out.second.append(data, len);
        return true;
      });
  if (!sent) return std::unexpected(std::move(sent.error()));
  return out;
}

}  // namespace gw::net
