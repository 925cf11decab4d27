#include "api/json_write.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <charconv>
#include <cmath>

#include "api/json_codec.hpp"
#include "api/utf8.hpp"

namespace gw::api {
namespace {

// How many bytes from p on need no escaping: printable ASCII other than '"' and '\\'. A
// prompt is mostly such text, and a byte-at-a-time test of it was a seventh of a proxied
// request's instructions (callgrind); sixteen bytes a step here.
size_t plain_run(const char* p, size_t n) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Signed compare: control bytes (0x00-0x1f) and non-ASCII bytes (0x80-0xff, negative as
    // signed) are both below 0x20.
    __m128i special =
        _mm_or_si128(_mm_cmplt_epi8(v, space),
                     _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (int mask = _mm_movemask_epi8(special)) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
  }
  return i;
}

}  // namespace

void JsonWriter::append_string(std::string_view s) {
  out_.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied: plain text is copied in one piece
  for (size_t i = 0; i < s.size();) {
    i += plain_run(s.data() + i, s.size() - i);
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (size_t n = utf8_length(s, i)) {
        i += n;
        continue;
      }
    }
    out_.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out_.append("\\\"");
        break;
      case '\\':
        out_.append("\\\\");
        break;
      case '\b':
        out_.append("\\b");
        break;
      case '\f':
        out_.append("\\f");
        break;
      case '\n':
        out_.append("\\n");
        break;
      case '\r':
        out_.append("\\r");
        break;
      case '\t':
        out_.append("\\t");
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out_.append("\\u00");
          out_.push_back(kHex[c >> 4]);
          out_.push_back(kHex[c & 0xf]);
        } else {
          out_.append("\xef\xbf\xbd");  // invalid UTF-8: U+FFFD, as nlohmann's replace does
        }
    }
    run = ++i;
  }
  out_.append(s.data() + run, s.size() - run);
  out_.push_back('"');
}

void JsonWriter::number(int64_t v) {
  separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
}

void JsonWriter::number(double v) {
  separate();
  if (!std::isfinite(v)) {  // as nlohmann writes them
    out_.append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
  out_.append(text);
  // nlohmann marks a whole double as one: 1.0, not 1.
  if (text.find_first_of(".e") == std::string_view::npos) out_.append(".0");
}

void JsonWriter::json(const Json& j) {
  separate();
  out_.append(dump(j));
}

}  // namespace gw::api
