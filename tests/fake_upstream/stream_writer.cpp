#include "stream_writer.hpp"

#include <chrono>
#include <memory>
#include <thread>

#include "faults.hpp"

namespace fake {

namespace {

// Where cut/eof stop: about half of the events before the terminating sequence.
std::size_t halfway(const std::vector<SseEvent>& events) {
  std::size_t first_end = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].end) {
      first_end = i;
      break;
    }
  }
  return (first_end + 1) / 2;
}

// Buffers output so split=K pieces can straddle event boundaries.
class Writer {
 public:
  Writer(httplib::DataSink& sink, std::size_t split) : sink_(sink), split_(split) {}

  bool write(const std::string& bytes) {
    if (split_ == 0) return bytes.empty() || sink_.write(bytes.data(), bytes.size());
    pending_ += bytes;
    std::size_t off = 0;
    while (pending_.size() - off >= split_) {
      if (!sink_.write(pending_.data() + off, split_)) return false;
      off += split_;
    }
    pending_.erase(0, off);
    return true;
  }

  bool flush() {
    if (pending_.empty()) return true;
    bool ok = sink_.write(pending_.data(), pending_.size());
    pending_.clear();
    return ok;
  }

 private:
  httplib::DataSink& sink_;
  std::size_t split_;
  std::string pending_;
};

}  // namespace

std::string sse_data(std::string_view payload, std::string_view nl) {
  std::string out;
  out.reserve(payload.size() + 6 + 2 * nl.size());
  out.append("data: ").append(payload).append(nl).append(nl);
  return out;
}

std::string sse_event(std::string_view name, std::string_view payload, std::string_view nl) {
  std::string out;
  out.reserve(name.size() + payload.size() + 13 + 3 * nl.size());
  out.append("event: ").append(name).append(nl);
  out.append("data: ").append(payload).append(nl).append(nl);
  return out;
}

void truncate_after_first_content(std::vector<SseEvent>& events, std::string tail) {
  std::size_t keep = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].content) {
      keep = i + 1;
      break;
    }
  }
  events.resize(keep);
  events.push_back({std::move(tail), false, false});
}

void send_stream(httplib::Response& res, const std::string& content_type, StreamPlan plan) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  auto shared = std::make_shared<StreamPlan>(std::move(plan));
  // The whole stream is written in one provider call; the worker thread is ours until done.
  res.set_chunked_content_provider(content_type, [shared](std::size_t, httplib::DataSink& sink) {
    const StreamPlan& p = *shared;
    std::size_t stop_at = (p.cut || p.eof || p.reset) ? halfway(p.events) : p.events.size();
    Writer w(sink, p.split);
    bool first_content = true;
    for (std::size_t i = 0; i < stop_at; ++i) {
      const SseEvent& ev = p.events[i];
      if (ev.content && p.pace_ms > 0) {
        if (!w.flush()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(p.pace_ms));
      }
      if (!sink.is_writable() || !w.write(ev.bytes)) return false;
      if (ev.content && first_content) {
        first_content = false;
        if (p.stall_mid_ms > 0) {
          if (!w.flush()) return false;
          std::this_thread::sleep_for(std::chrono::milliseconds(p.stall_mid_ms));
        }
        // An SSE line that never ends: no newline ever comes.
        if (p.endless)
          return w.flush() && write_endless(sink, "data: {\"choices\":[{\"delta\":{\"content\":\"");
      }
    }
    if (!w.flush()) return false;
    if (p.reset) {
      reset_connection(find_socket(p.local_port, p.remote_port));
      return false;
    }
    // Returning false makes httplib drop the connection without the final zero-length chunk.
    if (p.cut) return false;
    sink.done();
    return true;
  });
}

}  // namespace fake
