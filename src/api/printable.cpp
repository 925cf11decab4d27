#include "api/printable.hpp"

namespace gw::api {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] (1 to 4), or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not).
size_t utf8_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
  if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
  if (c == 0xC2 && b(1) < 0xA0) return 0;   // C1 controls (U+0080..U+009F)
  // U+2028 and U+2029 end a line in JavaScript and in some log viewers.
  if (c == 0xE2 && b(1) == 0x80 && (b(2) == 0xA8 || b(2) == 0xA9)) return 0;
  return n;
}

}  // namespace

void make_printable(std::string& s, size_t max_bytes) {
  bool plain = s.size() <= max_bytes;
  for (size_t i = 0; plain && i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    plain = c >= 0x20 && c < 0x7F;
  }
  if (plain) return;
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  std::string_view in = s;
  for (size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    size_t n = c < 0x80 ? 1 : utf8_length(in, i);
    size_t take = n == 0 ? 1 : n;
    if (out.size() + take > max_bytes) break;
    if (n == 0 || (n == 1 && (c < 0x20 || c == 0x7F)))
      out += '?';
    else
      out.append(in, i, n);
    i += take;
  }
  s.swap(out);
}

}  // namespace gw::api
