#include "server/http_exchange.hpp"

#include <charconv>

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>

#include "api/printable.hpp"
#include "net/event_loop.hpp"

namespace gw::server {
namespace {

using namespace std::chrono_literals;

constexpr size_t kFlushAt = 64 * 1024;  // a stream buffer this full is sent without waiting
constexpr auto kWriteTimeout = 60s;     // a client that reads nothing for this long is gone
constexpr auto kPingAfter = 15s;
constexpr size_t kMaxHeaderValue = 2048;  // x-gw-route-reason lists attempts; nothing needs more

}  // namespace

std::string Request::presented_key() const {
  std::string_view auth = header("Authorization");
  if (auth.size() > 7 && net::iequals(auth.substr(0, 7), "bearer "))
    return std::string(auth.substr(7));
  return std::string(header("x-api-key"));
}

void Response::set_header(std::string name, std::string value) {
  api::make_printable(value, kMaxHeaderValue);
  headers_.emplace_back(std::move(name), std::move(value));
}

bool Response::has_header(std::string_view name) const {
  for (const auto& [k, v] : headers_)
    if (net::iequals(k, name)) return true;
  return false;
}

Response::~Response() {
  if (streaming_ && streams_) streams_->remove(this);
  if (streaming_)
    if (auto* loop = net::EventLoop::current()) loop->set_park_hook(nullptr);
}

void Response::append_head(int status, std::string_view content_type, std::string_view framing) {
  out_ += "HTTP/1.1 ";
  out_ += std::to_string(status);
  out_ += ' ';
  out_ += net::http1::reason_phrase(status);
  out_ += "\r\nContent-Type: ";
  out_ += content_type;
  out_ += "\r\n";
  out_ += framing;
  for (const auto& [k, v] : headers_) {
    out_ += k;
    out_ += ": ";
    out_ += v;
    out_ += "\r\n";
  }
  if (!keep_alive_) out_ += "Connection: close\r\n";
  out_ += "\r\n";
}

bool Response::send(int status, std::string_view body, std::string_view content_type) {
  if (started_) return false;
  started_ = true;
  out_.reserve(256 + body.size());
  std::string framing = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  append_head(status, content_type, framing);
  if (!head_only_) out_ += body;
  return flush();
}

void Response::begin_stream(int status, std::string_view content_type) {
  if (started_) return;
  started_ = streaming_ = true;
  if (http10_) keep_alive_ = false;
  append_head(status, content_type, http10_ ? "" : "Transfer-Encoding: chunked\r\n");
  last_write_ = net::Clock::now();
  if (streams_) streams_->add(this);
  if (auto* loop = net::EventLoop::current()) loop->set_park_hook([this] { flush(); });
}

bool Response::write(std::string_view data) {
  if (broken_ || !streaming_ || ended_) return false;
  if (http10_)
    out_ += data;
  else
    net::http1::append_chunk(out_, data);
  return appended();
}

// The head and the first chunk leave at once (time to first token is what a user waits
// for); later chunks wait for the park hook or a full buffer, so a burst is one write.
bool Response::appended() {
  if (!first_sent_ || out_.size() >= kFlushAt) {
    first_sent_ = true;
    return flush();
  }
  return true;
}

bool Response::write(std::string_view a, std::string_view b, std::string_view c) {
  if (broken_ || !streaming_ || ended_) return false;
  size_t n = a.size() + b.size() + c.size();
  if (n == 0) return true;
  if (http10_) {
    out_ += a;
    out_ += b;
    out_ += c;
    return appended();
  }
  char hex[20];  // the chunk-size line; to_chars, as snprintf showed in per-chunk profiles
  char* end = std::to_chars(hex, hex + sizeof(hex) - 2, n, 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_.append(hex, static_cast<size_t>(end - hex));
  out_ += a;
  out_ += b;
  out_ += c;
  out_ += "\r\n";
  return appended();
}

bool Response::end_stream() {
  if (broken_ || !streaming_ || ended_) return !broken_;
  ended_ = true;
  if (!http10_) out_ += net::http1::kLastChunk;  // else the close ends the body
  bool ok = flush();
  if (streams_) streams_->remove(this);
  if (auto* loop = net::EventLoop::current()) loop->set_park_hook(nullptr);
  return ok;
}

bool Response::flush() {
  if (flushing_ || out_.empty()) return !broken_;
  if (broken_) {
    out_.clear();
    return false;
  }
  flushing_ = true;  // the write may park, and parking runs the flush hook again
  int err = 0;
  bool ok = sock_.write_all(out_, net::Clock::now() + kWriteTimeout, err);
  flushing_ = false;
  out_.clear();
  if (!ok) broken_ = true;
  last_write_ = net::Clock::now();
  return ok;
}

void Response::ping_if_idle(net::Clock::time_point now) {
  if (broken_ || ended_ || flushing_ || !out_.empty() || now - last_write_ < kPingAfter) return;
  // The stream's fiber is parked elsewhere: one non-blocking send of a whole chunk, or
  // nothing (a partial chunk would corrupt the framing, so that counts as broken).
  static constexpr std::string_view kChunkedPing = "e\r\n: keep-alive\n\n\r\n";
  const std::string_view kPing = http10_ ? kChunkedPing.substr(3, 14) : kChunkedPing;
  ssize_t n = ::send(sock_.fd(), kPing.data(), kPing.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(kPing.size())) {
    last_write_ = now;
  } else if (n > 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
    broken_ = true;
  }
}

void StreamRegistry::add(Response* r) {
  r->prev_ = nullptr;
  r->next_ = head_;
  if (head_) head_->prev_ = r;
  head_ = r;
}

void StreamRegistry::remove(Response* r) {
  if (r->prev_) {
    r->prev_->next_ = r->next_;
  } else if (head_ == r) {
    head_ = r->next_;
  } else {
    return;  // not in the list
  }
  if (r->next_) r->next_->prev_ = r->prev_;
  r->prev_ = r->next_ = nullptr;
}

void StreamRegistry::ping_idle(net::Clock::time_point now) {
  for (Response* r = head_; r; r = r->next_) r->ping_if_idle(now);
}

}  // namespace gw::server
