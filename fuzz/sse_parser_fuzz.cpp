// Every upstream stream goes through SseParser in whatever pieces the socket delivers: the
// events must be the same whole, split at any point or fed a byte at a time.
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "net/sse_parser.hpp"

namespace {

using gw::net::SseEvent;
using gw::net::SseParser;

struct Parsed {
  std::vector<SseEvent> events;
  std::string stray;
  bool pending_at_end = false;
  bool finished_one = false;
};

// Feeds `in` as a first piece of `first` bytes, then pieces of `step`, then finish().
Parsed parse(std::string_view in, size_t first, size_t step) {
  SseParser p;
  Parsed r;
  auto on_event = [&](const SseEvent& ev) { r.events.push_back(ev); };
  size_t at = 0, n = first;
  do {
    std::string_view piece = in.substr(at, n);
    p.feed(piece, on_event);
    at += piece.size();
    n = step;
  } while (at < in.size());
  r.pending_at_end = p.pending();
  r.finished_one = p.finish(on_event);
  r.stray = p.stray();
  return r;
}

bool same(const Parsed& a, const Parsed& b) {
  if (a.events.size() != b.events.size() || a.stray != b.stray ||
      a.pending_at_end != b.pending_at_end || a.finished_one != b.finished_one)
    return false;
  for (size_t i = 0; i < a.events.size(); ++i) {
    const SseEvent &x = a.events[i], &y = b.events[i];
    if (x.event != y.event || x.data != y.data || x.id != y.id) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = gw::fuzz::as_text(data, size);
  Parsed whole = parse(in, in.size(), in.size());
  gw::fuzz::check(!whole.finished_one || whole.pending_at_end, "finish() found no pending event");
  size_t data_bytes = 0;
  for (const auto& ev : whole.events) data_bytes += ev.data.size();
  gw::fuzz::check(data_bytes <= in.size(), "more event data than input");
  Parsed split = parse(in, gw::fuzz::split_point(in), in.size());
  gw::fuzz::check(same(whole, split), "splitting the input changed the events");
  Parsed bytes = parse(in, 1, 1);
  gw::fuzz::check(same(whole, bytes), "feeding a byte at a time changed the events");
  return 0;
}
