// Writes a pre-rendered SSE stream through cpp-httplib's chunked provider, applying the
// transport-level directives (pace, split/bytewise, cut, eof) the same way for every dialect.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

namespace fake {

struct SseEvent {
  std::string bytes;     // the full event, separators included
  bool content = false;  // carries model output: paced, and counted for cut/malformed
  bool end = false;      // first event of the terminating sequence (finish chunk, message_delta)
};

struct StreamPlan {
  std::vector<SseEvent> events;
  int pace_ms = 0;
  std::size_t split = 0;  // 0: one write per event
  bool cut = false;       // abort the connection halfway (no zero-length chunk)
  bool eof = false;       // end the body cleanly halfway
  // Set by apply_stream_faults (faults.hpp):
  bool reset = false;    // a TCP reset halfway
  int stall_mid_ms = 0;  // a pause after the first content event
  bool endless = false;  // after the first content event, a `data:` line that never ends
  int local_port = -1;   // the connection, to find its socket for `reset`
  int remote_port = -1;
};

// "data: <json>" plus a blank line, with the given line ending.
std::string sse_data(std::string_view payload, std::string_view nl);
// "event: <name>" + "data: <json>" plus a blank line.
std::string sse_event(std::string_view name, std::string_view payload, std::string_view nl);

// Keeps everything up to the first content event and appends `tail` (malformed / error modes).
void truncate_after_first_content(std::vector<SseEvent>& events, std::string tail);

void send_stream(httplib::Response& res, const std::string& content_type, StreamPlan plan);

}  // namespace fake
