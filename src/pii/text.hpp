// Byte classes and boundary rules the built-in detectors share (internal to src/pii). All
// built-in values are ASCII: a byte >= 0x80 (UTF-8 of any other script, or invalid UTF-8) and
// NUL belong to no class, so they end a value like a space does.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gw::pii::detail {

enum : uint8_t {
  kDigit = 1 << 0,   // 0-9
  kUpper = 1 << 1,   // A-Z
  kLower = 1 << 2,   // a-z
  kHex = 1 << 3,     // 0-9 a-f A-F
  kWord = 1 << 4,    // A-Z a-z 0-9 _
  kB64Url = 1 << 5,  // A-Z a-z 0-9 _ -   (base64url, token bodies)
  kLocal = 1 << 6,   // A-Z a-z 0-9 . _ % + -   (e-mail local part)
  kLabel = 1 << 7,   // A-Z a-z 0-9 -   (domain label)
};

inline constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t f = 0;
    bool digit = c >= '0' && c <= '9', upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
    bool alnum = digit || upper || lower;
    if (digit) f |= kDigit;
    if (upper) f |= kUpper;
    if (lower) f |= kLower;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) f |= kHex;
    if (alnum || c == '_') f |= kWord;
    if (alnum || c == '_' || c == '-') f |= kB64Url;
    if (alnum || c == '.' || c == '_' || c == '%' || c == '+' || c == '-') f |= kLocal;
    if (alnum || c == '-') f |= kLabel;
    t[static_cast<size_t>(c)] = f;
  }
  return t;
}();

inline bool has(unsigned char c, uint8_t f) {
  return (kClass[c] & f) != 0;
}
inline bool is_digit(unsigned char c) {
  return static_cast<unsigned>(c - '0') < 10u;
}
inline bool is_upper(unsigned char c) {
  return static_cast<unsigned>(c - 'A') < 26u;
}
inline bool is_alnum(unsigned char c) {
  return has(c, kDigit | kUpper | kLower);
}
inline bool is_word(unsigned char c) {
  return has(c, kWord);
}

// The scanned bytes; at() past the end reads 0, which no class holds (a boundary).
struct Text {
  const unsigned char* p = nullptr;
  size_t n = 0;
  // Where the last escape sequence the pass stepped over ends (\n, \t, \u4e2d... as in JSON
  // strings, tool-call arguments): that position is a boundary although a letter or digit
  // precedes it, so "\n13800138000" and "\u8c2213800138000" are seen as text and a number.
  size_t clean = static_cast<size_t>(-1);
  explicit Text(std::string_view s)
      : p(reinterpret_cast<const unsigned char*>(s.data())), n(s.size()) {}
  unsigned char at(size_t i) const { return i < n ? p[i] : 0; }
  // Is the byte before s a word byte (letter, digit, _) of the same word?
  bool word_before(size_t s) const { return s > 0 && s != clean && has(p[s - 1], kWord); }
  // How many bytes of class f start at i, counting no further than cap + 1 (so a result above
  // cap means "longer than cap" without reading the whole run).
  size_t run(size_t i, uint8_t f, size_t cap) const {
    size_t k = 0;
    while (k <= cap && i + k < n && has(p[i + k], f)) ++k;
    return k;
  }
  size_t digits(size_t i, size_t cap) const { return run(i, kDigit, cap); }
  // The value of the k digits at i (k <= 9).
  unsigned num(size_t i, size_t k) const {
    unsigned v = 0;
    for (size_t j = 0; j < k; ++j) v = v * 10 + static_cast<unsigned>(p[i + j] - '0');
    return v;
  }
};

// May a number start at s? Not after a word byte (letters, digits, _: "ID1234", "x_42"), nor
// glued to one through '.', '-' or '/' ("1.2.3", "v-10", "id/5"), nor after "digit:" ("12:30").
inline bool num_start_ok(const Text& t, size_t s) {
  if (s == 0 || s == t.clean) return true;
  unsigned char b = t.p[s - 1];
  if (is_word(b)) return false;
  if (s >= 2) {
    unsigned char bb = t.p[s - 2];
    if ((b == '.' || b == '-' || b == '/') && is_alnum(bb)) return false;
    if (b == ':' && is_digit(bb)) return false;
  }
  return true;
}

// May a number end at e? Not before a word byte, nor glued to one through '.', '-' or '/'
// ("4567.89", "4567-8", "12/25"), nor before ":digit".
inline bool num_end_ok(const Text& t, size_t e) {
  unsigned char a = t.at(e);
  if (is_word(a)) return false;
  unsigned char aa = t.at(e + 1);
  if ((a == '.' || a == '-' || a == '/') && is_alnum(aa)) return false;
  if (a == ':' && is_digit(aa)) return false;
  return true;
}

// For a value whose groups are separated by spaces: it is not one piece of a longer run of
// space-separated numbers ("7 555 123 4567", "138 0013 8000 12").
inline bool space_chain_free(const Text& t, size_t s, size_t e) {
  if (s >= 2 && t.p[s - 1] == ' ' && is_digit(t.p[s - 2])) return false;
  return !(t.at(e) == ' ' && is_digit(t.at(e + 1)));
}

}  // namespace gw::pii::detail
