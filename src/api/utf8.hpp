// UTF-8 validity, one definition for every place that checks text before it leaves gw: the
// JSON writer, the printable filter for stored strings, PostgreSQL's text parameters.
#pragma once

#include <cstddef>
#include <string_view>

namespace gw::api {

// Length of the valid UTF-8 character starting at s[i]: 1 for ASCII, 2 to 4 for a well-formed
// sequence, 0 when it is not one (a stray continuation byte, a cut sequence, an overlong form,
// a surrogate, a code point past U+10FFFF).
inline size_t utf8_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
  if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
  return n;
}

}  // namespace gw::api
