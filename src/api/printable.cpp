#include "api/printable.hpp"

#include "api/utf8.hpp"

namespace gw::api {
namespace {

// Like utf8_length, also refusing C1 controls (U+0080..U+009F) and U+2028/U+2029, which end
// a line in JavaScript and in some log viewers.
size_t printable_length(std::string_view s, size_t i) {
  size_t n = utf8_length(s, i);
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (n == 2 && b(0) == 0xC2 && b(1) < 0xA0) return 0;
  if (n == 3 && b(0) == 0xE2 && b(1) == 0x80 && (b(2) == 0xA8 || b(2) == 0xA9)) return 0;
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
    size_t n = c < 0x80 ? 1 : printable_length(in, i);
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
