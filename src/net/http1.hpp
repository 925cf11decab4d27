// HTTP/1.1 message framing (RFC 9112) with no I/O: request and response heads, chunked
// bodies, and the writers for both directions. The server and the upstream client share it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace gw::net::http1 {

inline constexpr size_t kMaxHead = 64 * 1024;  // request line/status line + headers

enum class Parse { complete, incomplete, error };

struct ParseResult {
  Parse status = Parse::incomplete;
  size_t consumed = 0;     // bytes of the head, including the blank line (when complete)
  int error_status = 400;  // what a server answers for this error (400, 431, 501, 505)
  std::string error;       // short reason, for error answers and logs
};

// Framing facts both heads share, derived from the headers while parsing.
struct Framing {
  int version_minor = 1;        // HTTP/1.x
  bool keep_alive = true;       // 1.1 default, Connection: close / 1.0 keep-alive honoured
  bool chunked = false;         // Transfer-Encoding: chunked (last coding)
  int64_t content_length = -1;  // -1 when absent
};

struct RequestHead {
  std::string method;
  std::string target;  // as sent: path and query
  Headers headers;
  Framing framing;
  bool expect_continue = false;   // Expect: 100-continue
  std::string_view path() const;  // target without the query
};

struct ResponseHead {
  int status = 0;
  std::string reason;
  Headers headers;
  Framing framing;
};

// Parses a head at the start of `buf`. Incomplete until the blank line is in `buf`; an error
// when malformed, when both Content-Length and chunked are given, for conflicting or invalid
// Content-Length, or when the head exceeds max_head (431 for requests).
ParseResult parse_request_head(std::string_view buf, RequestHead& out, size_t max_head = kMaxHead);
ParseResult parse_response_head(std::string_view buf, ResponseHead& out,
                                size_t max_head = kMaxHead);

// Incremental decoder of a chunked body: bytes may be split anywhere, including inside the
// size line or the CRLF after the data. Chunk extensions and trailers are skipped.
class ChunkedDecoder {
 public:
  enum class State { size, size_ext, size_lf, data, data_cr, data_lf, trailer, trailer_lf, done };
  // Consumes bytes from `in`, calling on_data(std::string_view) for each run of body bytes.
  // Returns the bytes consumed (less than in.size() only once done()), or -1 when malformed.
  template <class F>
  int64_t feed(std::string_view in, F&& on_data);
  bool done() const { return state_ == State::done; }

 private:
  // Advances over framing bytes; returns false on a malformed byte.
  bool step(char c);
  State state_ = State::size;
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  int size_digits_ = 0;
  bool trailer_line_empty_ = true;
};

std::string_view reason_phrase(int status);

// "HTTP/1.1 <status> <reason>\r\n" + headers + "\r\n". Content-Length or chunked framing is
// the caller's: pass it in `headers`.
void append_response_head(std::string& out, int status, const Headers& headers);
// "<METHOD> <target> HTTP/1.1\r\nHost: <host>\r\n" + headers + "\r\n".
void append_request_head(std::string& out, std::string_view method, std::string_view target,
                         std::string_view host, const Headers& headers);
// One chunk of a chunked body ("<hex>\r\n<data>\r\n"); empty data writes nothing.
void append_chunk(std::string& out, std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// ---- template body -----------------------------------------------------------------

template <class F>
int64_t ChunkedDecoder::feed(std::string_view in, F&& on_data) {
  size_t i = 0;
  while (i < in.size() && state_ != State::done) {
    if (state_ == State::data) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size() - i));
      on_data(in.substr(i, n));
      i += n;
      remaining_ -= n;
      if (remaining_ == 0) state_ = State::data_cr;
      continue;
    }
    if (!step(in[i])) return -1;
    ++i;
  }
  return static_cast<int64_t>(i);
}

}  // namespace gw::net::http1
