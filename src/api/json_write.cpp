#include "api/json_write.hpp"

#include <charconv>

#include "api/json_codec.hpp"
#include "api/json_scan.hpp"

namespace gw::api::json {

void put_string(std::string& out, std::string_view s) {
  const size_t start = out.size();
  out += '"';
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    p = skip_plain(p, end);
    out.append(run, static_cast<size_t>(p - run));
    if (p >= end) break;
    auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      size_t n = utf8_sequence(p, end);
      if (n == 0) {
        out.resize(start);
        out += dump(Json(std::string(s)));
        return;
      }
      out.append(p, n);
      p += n;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
    ++p;
  }
  out += '"';
}

void put_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void put_double(std::string& out, double v) {
  out += Json(v).dump();
}

void put_json(std::string& out, const Json& j) {
  if (j.is_null())
    out += "null";
  else
    out += dump(j);
}

}  // namespace gw::api::json
