#include "api/json_scan.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace gw::api::json {
namespace {

constexpr int kMaxDepth = 128;        // deeper texts are left to nlohmann (fiber stacks are small)
constexpr size_t kMaxNumber = 300;    // digits enough that no number without exponent overflows
constexpr size_t kMaxFloatText = 63;  // a number with an exponent is checked through strtod

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at p (p + 4 <= end checked by the caller), or -1.
int hex4(const char* p) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    int d = hex_digit(p[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

size_t utf8_sequence(const char* p, const char* end) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  auto in = [&](size_t i, unsigned lo, unsigned hi) {
    return p + i < end && b(i) >= lo && b(i) <= hi;
  };
  unsigned c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

bool Scanner::literal(std::string_view word) {
  if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()))
    return fail();
  p_ += word.size();
  return true;
}

bool Scanner::null() {
  if (peek() != 'n') return false;
  return literal("null");
}

bool Scanner::member(Seq& seq, std::string_view& key) {
  skip_ws();
  if (!ok_ || p_ >= end_) return fail();
  if (*p_ == '}') {
    ++p_;
    return false;
  }
  if (seq.first) {
    seq.first = false;
  } else {
    if (*p_ != ',') return fail();
    ++p_;
    skip_ws();
  }
  if (p_ >= end_ || *p_ != '"') return fail();
  bool escaped = false;
  if (!scan_string(key, escaped)) return false;
  if (escaped) return fail();
  return expect(':');
}

bool Scanner::element(Seq& seq) {
  skip_ws();
  if (!ok_ || p_ >= end_) return fail();
  if (*p_ == ']') {
    ++p_;
    return false;
  }
  if (seq.first) {
    seq.first = false;
    return true;
  }
  if (*p_ != ',') return fail();
  ++p_;
  return true;
}

bool Scanner::scan_string(std::string_view& raw, bool& escaped) {
  const char* start = ++p_;  // past the opening quote
  escaped = false;
  while (true) {
    p_ = skip_plain(p_, end_);
    if (p_ >= end_) return fail();  // no closing quote
    auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      raw = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return true;
    }
    if (c < 0x20) return fail();  // a raw control character
    if (c >= 0x80) {
      size_t n = utf8_sequence(p_, end_);
      if (n == 0) return fail();
      p_ += n;
      continue;
    }
    // A backslash escape.
    escaped = true;
    if (end_ - p_ < 2) return fail();
    char e = p_[1];
    p_ += 2;
    switch (e) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        break;
      case 'u': {
        if (end_ - p_ < 4) return fail();
        int cp = hex4(p_);
        if (cp < 0) return fail();
        p_ += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate needs its low half next
          if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return fail();
          int lo = hex4(p_ + 2);
          if (lo < 0xDC00 || lo > 0xDFFF) return fail();
          p_ += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail();
        }
        break;
      }
      default:
        return fail();
    }
  }
}

bool Scanner::string_raw(std::string_view& raw, bool& escaped) {
  if (peek() != '"') return fail();
  return scan_string(raw, escaped);
}

bool Scanner::string(std::string& out) {
  std::string_view raw;
  bool escaped = false;
  if (!string_raw(raw, escaped)) return false;
  if (escaped)
    decode_string(raw, out);
  else
    out.assign(raw);
  return true;
}

bool Scanner::scan_number(std::string_view& token, bool& integral) {
  const char* start = p_;
  if (p_ < end_ && *p_ == '-') ++p_;
  if (p_ >= end_) return fail();
  if (*p_ == '0') {
    ++p_;
  } else if (*p_ >= '1' && *p_ <= '9') {
    while (p_ < end_ && is_digit(*p_)) ++p_;
  } else {
    return fail();
  }
  integral = true;
  bool exponent = false;
  if (p_ < end_ && *p_ == '.') {
    integral = false;
    ++p_;
    if (p_ >= end_ || !is_digit(*p_)) return fail();
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    integral = false;
    exponent = true;
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ >= end_ || !is_digit(*p_)) return fail();
    while (p_ < end_ && is_digit(*p_)) ++p_;
  }
  token = std::string_view(start, static_cast<size_t>(p_ - start));
  if (token.size() > kMaxNumber) return fail();
  if (exponent) {  // nlohmann refuses a number that overflows a double
    if (token.size() > kMaxFloatText) return fail();
    char buf[kMaxFloatText + 1];
    std::memcpy(buf, token.data(), token.size());
    buf[token.size()] = '\0';
    if (!std::isfinite(std::strtod(buf, nullptr))) return fail();
  }
  return true;
}

bool Scanner::integer(int64_t& out) {
  char c = peek();
  if (c != '-' && !is_digit(c)) return fail();
  std::string_view token;
  bool integral = false;
  if (!scan_number(token, integral)) return false;
  size_t digits = token.size() - (token.front() == '-' ? 1 : 0);
  if (!integral || digits > 18) return fail();
  std::from_chars(token.data(), token.data() + token.size(), out);
  return true;
}

bool Scanner::number(double& out) {
  char c = peek();
  if (c != '-' && !is_digit(c)) return fail();
  std::string_view token;
  bool integral = false;
  if (!scan_number(token, integral)) return false;
  if (integral) {  // nlohmann keeps an integer and converts it on get<double>()
    size_t digits = token.size() - (token.front() == '-' ? 1 : 0);
    if (digits > 18) return fail();
    int64_t v = 0;
    std::from_chars(token.data(), token.data() + token.size(), v);
    out = static_cast<double>(v);
    return true;
  }
  if (token.size() > kMaxFloatText) return fail();
  char buf[kMaxFloatText + 1];
  std::memcpy(buf, token.data(), token.size());
  buf[token.size()] = '\0';
  out = std::strtod(buf, nullptr);
  return std::isfinite(out) || fail();
}

bool Scanner::boolean(bool& out) {
  char c = peek();
  if (c == 't') return (out = true, literal("true"));
  if (c == 'f') return (out = false, literal("false"));
  return fail();
}

bool Scanner::skip_value(int depth) {
  if (depth > kMaxDepth) return fail();
  switch (peek()) {
    case '{': {
      ++p_;
      Seq seq;
      while (true) {
        skip_ws();
        if (p_ >= end_) return fail();
        if (*p_ == '}') {
          ++p_;
          return true;
        }
        if (!seq.first) {
          if (*p_ != ',') return fail();
          ++p_;
          skip_ws();
        }
        seq.first = false;
        std::string_view key;
        bool escaped = false;
        if (p_ >= end_ || *p_ != '"' || !scan_string(key, escaped)) return fail();
        if (!expect(':') || !skip_value(depth + 1)) return false;
      }
    }
    case '[': {
      ++p_;
      Seq seq;
      while (element(seq))
        if (!skip_value(depth + 1)) return false;
      return ok_;
    }
    case '"': {
      std::string_view raw;
      bool escaped = false;
      return scan_string(raw, escaped);
    }
    case 't':
      return literal("true");
    case 'f':
      return literal("false");
    case 'n':
      return literal("null");
    default: {
      std::string_view token;
      bool integral = false;
      return scan_number(token, integral);
    }
  }
}

bool Scanner::skip() {
  return ok_ && skip_value(0);
}

bool Scanner::span(std::string_view& text) {
  skip_ws();
  const char* start = p_;
  if (!skip()) return false;
  text = std::string_view(start, static_cast<size_t>(p_ - start));
  return true;
}

bool Scanner::capture(Json& out) {
  std::string_view text;
  if (!span(text)) return false;
  out = Json::parse(text, nullptr, false);
  return !out.is_discarded() || fail();
}

void decode_string(std::string_view raw, std::string& out) {
  out.clear();
  out.reserve(raw.size());
  const char* p = raw.data();
  const char* end = p + raw.size();
  while (p < end) {
    const char* run = p;
    while (p < end && *p != '\\') ++p;
    out.append(run, static_cast<size_t>(p - run));
    if (p >= end) break;
    char e = p[1];
    p += 2;
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        auto cp = static_cast<uint32_t>(hex4(p));
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // validated: a low surrogate follows
          auto lo = static_cast<uint32_t>(hex4(p + 2));
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        append_utf8(out, cp);
        break;
      }
      default:  // '"', '\\', '/'
        out += e;
    }
  }
}

}  // namespace gw::api::json
