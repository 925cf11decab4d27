// Incremental Server-Sent Events parser (WHATWG rules, as the vendor SDKs implement them).
// Bytes may arrive split anywhere: mid-line, between '\r' and '\n', inside a UTF-8 code
// point. Lines end at LF, CRLF or a lone CR; a blank line dispatches the event.
#pragma once

#include <bit>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gw::net {

// The first '\n' or '\r' in [p, end), or end. A stream is mostly long data lines, and a
// byte-at-a-time scan was the largest single cost of forwarding one (16 bytes a step here).
inline const char* find_line_end(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr))));
    if (mask != 0) return p + std::countr_zero(mask);
    p += 16;
  }
#endif
  while (p < end && *p != '\n' && *p != '\r') ++p;
  return p;
}

struct SseEvent {
  std::string event;  // the `event:` field; empty when absent
  std::string data;   // `data:` lines joined with '\n'
  std::string id;
};

class SseParser {
 public:
  static constexpr size_t kDefaultMaxBytes = size_t{8} << 20;

  // `max_bytes` bounds one line and one event's joined data: an upstream that never ends a
  // line or an event must not grow memory without end.
  explicit SseParser(size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}

  // Feeds bytes; calls on_event(const SseEvent&) for every complete event. Once overflowed()
  // it ignores everything.
  template <class F>
  void feed(std::string_view bytes, F&& on_event) {
    if (overflowed_) return;
    for (size_t i = 0; i < bytes.size(); ++i) {
      char c = bytes[i];
      if (after_cr_) {
        after_cr_ = false;
        if (c == '\n') continue;  // the LF of a CRLF already ended the line
      }
      if (c == '\n' || c == '\r') {
        after_cr_ = (c == '\r');
        if (line_.empty()) {
          if (has_data_ || !event_.event.empty()) dispatch(on_event);
        } else {
          take_line();
          if (overflowed_) return;
        }
        line_.clear();
        continue;
      }
      // Copy runs of ordinary bytes at once rather than byte by byte (checked once a run).
      const char* run_end = find_line_end(bytes.data() + i, bytes.data() + bytes.size());
      size_t end = static_cast<size_t>(run_end - bytes.data());
      line_.append(bytes.data() + i, end - i);
      if (line_.size() > max_bytes_) return overflow();
      i = end - 1;
    }
  }

  // At EOF: a last event with no blank line after it is still delivered.
  // Returns true when such an event was pending.
  template <class F>
  bool finish(F&& on_event) {
    if (!line_.empty()) take_line();
    line_.clear();
    if (!has_data_ || overflowed_) return false;
    dispatch(on_event);
    return true;
  }

  // Lines that are no SSE field at all, such as the pretty-printed JSON error Gemini may
  // send mid-stream, kept (bounded) so the caller can read them at the end.
  const std::string& stray() const { return stray_; }

  // True while bytes of an unfinished line or event are buffered.
  bool pending() const { return !line_.empty() || has_data_; }

  // A line or an event outgrew max_bytes(): the stream is unusable, the buffers are freed.
  bool overflowed() const { return overflowed_; }
  size_t max_bytes() const { return max_bytes_; }

 private:
  void take_line();
  void overflow();
  template <class F>
  void dispatch(F& on_event) {
    if (has_data_) on_event(static_cast<const SseEvent&>(event_));
    event_.event.clear();
    event_.data.clear();
    has_data_ = false;
  }

  std::string line_;
  std::string stray_;
  SseEvent event_;
  size_t max_bytes_;
  bool overflowed_ = false;
  bool has_data_ = false;
  bool after_cr_ = false;
  bool first_line_ = true;
};

}  // namespace gw::net
