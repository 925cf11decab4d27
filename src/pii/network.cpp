// E-mail addresses and IP addresses.
#include "pii/builtins.hpp"

namespace gw::pii::detail {
namespace {

// A dotted quad at i: four decimal octets 0-255 joined by dots, no leading zero ("0" alone is
// fine, "01" is not). Returns its end or 0.
size_t dotted_quad(const Text& t, size_t i) {
  for (int k = 0; k < 4; ++k) {
    if (k > 0) {
      if (t.at(i) != '.') return 0;
      ++i;
    }
    size_t r = t.digits(i, 3);
    if (r == 0 || r > 3 || (r > 1 && t.at(i) == '0') || t.num(i, r) > 255) return 0;
    i += r;
  }
  return i;
}

}  // namespace

// E-mail, found at its '@' (bounded both ways). Local part: 1 to 64 of [A-Za-z0-9._%+-]
// before the '@', not ending with '.', leading dots dropped; the backward scan stops at any
// other byte (space, CJK text, '<', ':') and at ".."; an '@' right before it refuses it. Domain:
// labels of [A-Za-z0-9-] (1-63 bytes, not starting or ending with '-') joined by single dots, at
// least two, 253 bytes at most, the last one (the TLD) 2+ ASCII letters; a trailing dot is not
// taken. Refused: an address followed by '@' or '_', IP-literal domains, quoted local parts.
size_t match_email(const Text& t, size_t at, size_t* begin) {
  size_t b = at;
  while (b > 0 && has(t.p[b - 1], kLocal)) {
    if (t.p[b - 1] == '.' && b < at && t.p[b] == '.') {
      ++b;  // "a..b@x.com": the address starts after the ".."
      break;
    }
    --b;
    if (at - b > 64) return 0;
  }
  if (t.clean < at && t.clean > b) b = t.clean;  // "\nfoo@x.com": not "nfoo"
  while (b < at && t.p[b] == '.') ++b;
  if (b == at || t.p[at - 1] == '.' || (b > 0 && t.p[b - 1] == '@')) return 0;

  size_t i = at + 1, end = 0;
  for (int labels = 1;; ++labels) {
    size_t k = t.run(i, kLabel, 63);
    if (k == 0 || k > 63 || t.p[i] == '-' || t.p[i + k - 1] == '-') break;
    if (i + k - (at + 1) > 253) break;
    if (labels >= 2 && k >= 2) {
      bool letters = true;
      for (size_t j = i; j < i + k && letters; ++j) letters = has(t.p[j], kUpper | kLower);
      if (letters) end = i + k;
    }
    i += k;
    if (t.at(i) != '.' || !has(t.at(i + 1), kLabel)) break;
    ++i;
  }
  if (end == 0 || t.at(end) == '@' || t.at(end) == '_') return 0;
  *begin = b;
  return end;
}

// IPv4: a dotted quad (octets 0-255, no leading zeros), not after a word byte or "x." and not
// followed by one or by ".digit" (so "1.2.3.4.5" and "v1.2.3.4" are not addresses); a port
// (":8080"), a prefix length ("/24") or a range ("-10.0.0.9") may follow.
size_t match_ipv4(const Text& t, size_t s) {
  size_t e = dotted_quad(t, s);
  if (!e) return 0;
  unsigned char a = t.at(e);
  if (is_word(a) || (a == '.' && is_digit(t.at(e + 1)))) return 0;
  return e;
}

// IPv6: up to eight groups of 1-4 hex digits joined by ':', at most one "::" standing for
// the missing groups (then at most seven groups), exactly eight without it, optionally ending
// in an embedded dotted quad that counts as two groups ("::ffff:192.0.2.1"). Refused: "::"
// alone; a form without any decimal digit ("dead::beef", "add::f" in C++); compressed forms
// under 7 bytes except "::1" ("12::30", "a[1::2]" slices); times "12:30:45" and MAC addresses
// (no "::", too few groups, or eight groups of two hex digits); anything glued to a word byte,
// to further ":hex", or preceded by "hex:".
size_t match_ipv6(const Text& t, size_t s) {
  if (s >= 2 && t.p[s - 1] == ':' && has(t.p[s - 2], kHex)) return 0;
  size_t i = s, end = 0;
  int groups = 0;
  bool dbl = false, digit = false, all_pairs = true;
  if (t.at(i) == ':') {
    if (t.at(i + 1) != ':') return 0;
    dbl = true;
    i += 2;
    end = i;
  }
  while (groups < 8) {
    size_t h = t.run(i, kHex, 4);
    if (h == 0) break;
    size_t dr = t.digits(i, 3);
    if (dr >= 1 && dr <= 3 && t.at(i + dr) == '.') {  // the embedded IPv4 ends the address
      size_t e4 = groups <= 6 ? dotted_quad(t, i) : 0;
      if (!e4) return 0;
      groups += 2;
      end = e4;
      digit = true;
      all_pairs = false;
      break;
    }
    if (h > 4) return 0;
    for (size_t j = i; j < i + h; ++j) digit = digit || is_digit(t.p[j]);
    all_pairs = all_pairs && h == 2;
    i += h;
    end = i;
    ++groups;
    if (t.at(i) == ':' && t.at(i + 1) == ':') {
      if (dbl) return 0;
      dbl = true;
      i += 2;
      end = i;
    } else if (t.at(i) == ':' && has(t.at(i + 1), kHex)) {
      ++i;
    } else {
      break;
    }
  }
  if (groups == 0 || !digit) return 0;
  if (dbl ? groups > 7 : (groups != 8 || all_pairs)) return 0;
  size_t len = end - s;
  if (dbl && len < 7 && !(len == 3 && t.p[s] == ':' && t.p[s + 2] == '1')) return 0;
  unsigned char a = t.at(end);
  if (is_word(a) || (a == ':' && (has(t.at(end + 1), kHex) || t.at(end + 1) == ':'))) return 0;
  if (a == '.' && is_digit(t.at(end + 1))) return 0;
  return end;
}

}  // namespace gw::pii::detail
