// Client and upstream strings on their way to a header, a log line, a metric label or the
// database: bounded in length, valid UTF-8, no control characters. A hostile value can then
// neither split a line nor fill a disk nor break a JSON report of what was stored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gw::api {

inline constexpr size_t kMaxStoredText = 256;  // bytes of any stored or logged client string

// Rewrites `s` in place: each control character (C0, DEL, C1, U+2028/9) and each byte not part
// of a valid UTF-8 sequence becomes '?', and the text is cut at `max_bytes` on a character
// boundary. Plain printable ASCII within the bound is left untouched without a copy.
void make_printable(std::string& s, size_t max_bytes = kMaxStoredText);

inline std::string printable(std::string_view s, size_t max_bytes = kMaxStoredText) {
  std::string out(s.substr(0, max_bytes + 4));  // a cut sequence is repaired by the rewrite
  make_printable(out, max_bytes);
  return out;
}

}  // namespace gw::api
