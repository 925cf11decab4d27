// A validating pull reader over one JSON text, for the fast paths that read chat JSON without
// building an nlohmann DOM (json_fast.hpp). It accepts exactly the texts nlohmann::json::parse
// accepts: RFC 8259, strings checked for UTF-8, control characters and surrogate pairs, numbers
// that overflow a double rejected. Every method returns false on anything it does not take;
// the fast paths then decline and the nlohmann path gives the answer (or the error) it always
// gave, so a text this reader misjudges can cost time but never change an answer.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "api/chat.hpp"

namespace gw::api::json {

// The comma state of one object or array being read.
struct Seq {
  bool first = true;
};

class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  // The first byte of the next value, or 0 at the end of the text.
  char peek() {
    skip_ws();
    return p_ < end_ ? *p_ : '\0';
  }
  // Consumes `null` when it is the next value.
  bool null();
  bool object_begin() { return expect('{'); }
  // The next member's key (its ':' consumed); false at the closing '}' or on an error (then
  // ok() is false). A key written with escapes is refused: no chat key needs one.
  bool member(Seq& seq, std::string_view& key);
  bool array_begin() { return expect('['); }
  // True when another element follows; false at the closing ']' or on an error.
  bool element(Seq& seq);

  // The string's text as written (between the quotes) and whether it holds escapes.
  bool string_raw(std::string_view& raw, bool& escaped);
  bool string(std::string& out);  // decoded
  // A plain integer (no fraction or exponent, at most 18 digits): what nlohmann stores as an
  // integer and get<int64_t>() returns unchanged.
  bool integer(int64_t& out);
  bool number(double& out);  // the double nlohmann's get<double>() returns
  bool boolean(bool& out);
  bool skip();                        // any value, validated
  bool span(std::string_view& text);  // any value, validated, and its text
  // Any value as an nlohmann Json (parsed from its own span: the same value a DOM holds).
  bool capture(Json& out);
  // Only whitespace is left: the whole text was one valid JSON value.
  bool finish() {
    skip_ws();
    return ok_ && p_ == end_;
  }
  bool ok() const { return ok_; }

 private:
  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool expect(char c) {
    skip_ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return fail();
  }
  bool fail() { return ok_ = false; }
  bool literal(std::string_view word);
  bool scan_string(std::string_view& raw, bool& escaped);  // at the opening quote
  bool scan_number(std::string_view& token, bool& integral);
  bool skip_value(int depth);

  const char* p_;
  const char* end_;
  bool ok_ = true;
};

// True when a byte may stand in a JSON string as is: not a control character, '"', '\\' or a
// byte of a multi-byte UTF-8 sequence (those need a check).
inline bool plain_string_byte(unsigned char c) {
  return c >= 0x20 && c != '"' && c != '\\' && c < 0x80;
}

// The end of the leading run of plain_string_byte bytes in [p, end). Prompts and answers are
// long plain runs, so this loop is most of the cost of reading and writing chat JSON: with
// SSE2 (every x86-64) it takes 16 bytes per step; a signed byte compare against 0x20 flags
// controls and bytes >= 0x80 at once. Then 8 bytes at a time with the usual has-zero-byte
// tricks, whose lowest flagged byte is exact (borrows only run upwards), so on a little-endian
// machine it is the answer.
inline const char* skip_plain(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                space = _mm_set1_epi8(0x20);
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmplt_epi8(v, space));
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (mask != 0) return p + std::countr_zero(mask);
    p += 16;
  }
#endif
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  auto zero_in = [](uint64_t v) { return (v - ones) & ~v & highs; };
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t special = ((w - ones * 0x20) & ~w & highs) | zero_in(w ^ (ones * '"')) |
                       zero_in(w ^ (ones * '\\')) | (w & highs);
    if (special) {
      if constexpr (std::endian::native == std::endian::little)
        return p + (std::countr_zero(special) >> 3);
      break;
    }
    p += 8;
  }
  while (p < end && plain_string_byte(static_cast<unsigned char>(*p))) ++p;
  return p;
}

// Decodes a string's raw text (as string_raw gave it, already validated) into UTF-8.
void decode_string(std::string_view raw, std::string& out);

// The length of the well-formed UTF-8 sequence starting at p (RFC 3629: no overlong forms, no
// surrogates, at most U+10FFFF), or 0 when the bytes there are not one.
size_t utf8_sequence(const char* p, const char* end);

}  // namespace gw::api::json
