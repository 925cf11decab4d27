// Directives carried in the model name ("gpt-4o+words=50+pace=200"): the only channel that
// passes through gw unchanged, so tests steer the fake with it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fake {

struct Behavior {
  int words = -1;     // words=N: lorem answer of N words
  int chunks = -1;    // chunks=M: stream the text in M pieces
  bool tool = false;  // tool: answer with a tool call
  int fail = 0;       // fail=CODE: answer with that HTTP error
  int flaky = 0;      // flaky=N: first N requests with this model fail
  int stall_ms = 0;   // stall=MS: sleep before the response
  int pace_ms = 0;    // pace=MS: sleep before each content event
  bool cut = false;   // cut: abort the connection halfway through a stream
  bool eof = false;   // eof: end the HTTP body cleanly halfway, without the terminator
  bool malformed = false;
  bool midstream_error = false;
  std::size_t split = 0;  // split=K / bytewise (K=1): write the stream in K-byte pieces
  bool crlf = false;
  bool nousage = false;
  bool cache = false;
  bool think = false;  // also on when the request itself asks for thinking (Anthropic, Gemini)
  bool tail = false;   // tail: Anthropic says "Anything else?" after its tool call too
  bool block = false;
  bool safety = false;
  bool length = false;
  bool echo_request = false;
  int retry_after = -1;  // retry-after=S: header value on failures
  // Faults on the wire (faults.cpp), for gw's reliability tests.
  bool no_retry_after = false;  // no-retry-after: never send a retry-after header
  bool errbody = false;         // errbody: the failure body (fail=CODE, else 500) with HTTP 200
  bool reset = false;           // reset: a TCP reset halfway through the body
  int stall_mid_ms = 0;         // stallmid=MS: a pause halfway / after the first content event
  bool endless = false;         // endless: a body (or SSE line) that never ends
  int huge_mb = 0;              // huge=MB: an answer text of MB MiB
  int deep = 0;                 // deep=N: an extra field nested N arrays deep
  enum class Usage { kNormal, kAbsurd, kNegative } usage = Usage::kNormal;  // usage=absurd|negative
};

// Unknown or malformed directives are ignored, so any plain model name answers normally.
Behavior parse_behavior(std::string_view model);

// HTTP status to fail this request with, or 0 to answer. Counts flaky attempts per model string.
int failure_status(const Behavior& b, const std::string& model);

}  // namespace fake
