// Faults on the wire that do not depend on the dialect, for gw's reliability tests: a TCP
// reset halfway through the body, a pause halfway, an extra field nested thousands of levels
// deep, a body or SSE line that never ends, an error body sent with HTTP 200, no retry-after,
// and a stall before the answer that notices when the client (gw) hangs up.
#pragma once

#include <string>
#include <string_view>

#include <httplib.h>

#include "exchange.hpp"
#include "stream_writer.hpp"

namespace fake {

// stall=MS before anything is sent. Returns early when the peer closes the connection, and
// records when in ex.peer_gone_ms.
void stall_before_answer(Exchange& ex);

// After the dialect's handler, for a whole (non-streamed) answer: no-retry-after, errbody,
// deep, reset, stallmid, endless.
void apply_body_faults(Exchange& ex);

// Before a stream is sent: reset, stallmid, endless, deep (in the first content event).
void apply_stream_faults(const Exchange& ex, StreamPlan& plan);

// The socket of the connection with these ports, or -1.
int find_socket(int local_port, int remote_port);

// Sends a TCP reset on `fd` now (the descriptor stays open for its owner to close).
void reset_connection(int fd);

// Writes `prefix`, then an unending string of 'a' until a write fails, 1 GiB was written
// or 120 s passed. Returns false (the connection is to be dropped).
bool write_endless(httplib::DataSink& sink, std::string_view prefix);

// Adds `,"deep":[[…]]` (n levels) before the last '}' of a JSON object's text.
void insert_deep(std::string& text, int n);

}  // namespace fake
