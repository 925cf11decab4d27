// The digit-led detectors: phones, payment cards, US SSNs, mainland China resident IDs. Each
// starts at a digit the dispatcher found at a number boundary (num_start_ok: not glued to a
// word, nor to "1." / "v-" / "12:"), reads a bounded distance, and accepts only a value that
// ends at a number boundary too (num_end_ok), so pieces of longer digit runs, dates, versions
// and identifiers are not taken.
#include "pii/builtins.hpp"
#include "pii/checksums.hpp"

namespace gw::pii::detail {
namespace {

bool is_sep(unsigned char c) {
  return c == ' ' || c == '-' || c == '.';
}

// ---- phones ---------------------------------------------------------------------------------

// International, with '+' (s is at the '+'): a country code starting 1-9, then 8 to 15 digits
// in all, in groups joined by single spaces, dashes or dots, some of them maybe in parentheses
// ("+44 (0)20 7946 0958", "+1 (555) 123-4567", "+86 138 0013 8000", "+14155552671").
// More than 15 digits glued by dashes, dots or nothing is not a phone; when a space comes
// before the group that would overflow, the number ends before that space.
size_t e164(const Text& t, size_t s) {
  size_t i = s + 1;
  if (!is_digit(t.at(i)) || t.at(i) == '0') return 0;
  size_t total = 0, end = 0, end_total = 0;
  unsigned char sep = 0;  // the separator before the group being read
  for (int groups = 0; groups < 16; ++groups) {
    size_t k;
    bool paren = t.at(i) == '(';
    if (paren) {
      k = t.digits(i + 1, 4);
      if (k == 0 || k > 4 || t.at(i + 1 + k) != ')') break;
      i += k + 2;
    } else {
      k = t.digits(i, 16);
      if (k == 0) break;
      i += k;
    }
    total += k;
    if (total > 15) {
      if (sep != ' ') return 0;  // glued to more digits
      break;
    }
    end = i;
    end_total = total;
    unsigned char c = t.at(i);
    if (is_sep(c) && (is_digit(t.at(i + 1)) || t.at(i + 1) == '(')) {
      sep = c;
      ++i;
    } else if (c == '(' || (paren && is_digit(c))) {
      sep = 0;  // "(0)20", "1(555)"
    } else {
      break;
    }
  }
  if (end_total < 8 || !num_end_ok(t, end)) return 0;
  return end;
}

// A NANP area code at i: three digits, the first 2-9, not N11 (211, 911...).
bool area_ok(const Text& t, size_t i) {
  if (t.digits(i, 3) != 3 || t.at(i) < '2') return false;
  return !(t.at(i + 1) == '1' && t.at(i + 2) == '1');
}

// US national: (NXX) XXX-XXXX, (NXX)XXX-XXXX, NXX-XXX-XXXX, NXX.XXX.XXXX, NXX XXX XXXX; the
// last separator may be any of " -." after the parenthesised form; the area code is NANP's.
// Bare ten digits are not taken (order numbers, timestamps); the +1 form is E.164's.
size_t us_core(const Text& t, size_t i) {
  if (t.at(i) == '(') {
    if (!area_ok(t, i + 1) || t.at(i + 4) != ')') return 0;
    size_t j = i + 5;
    if (t.at(j) == ' ') ++j;
    if (t.digits(j, 3) != 3 || !is_sep(t.at(j + 3)) || t.digits(j + 4, 4) != 4) return 0;
    return j + 8;
  }
  if (!area_ok(t, i)) return 0;
  unsigned char c = t.at(i + 3);
  if (!is_sep(c) || t.digits(i + 4, 3) != 3 || t.at(i + 7) != c || t.digits(i + 8, 4) != 4) {
    return 0;
  }
  return i + 12;
}

// ... optionally after a trunk "1" and one separator ("1-800-555-0199", "1 (800) 555-0199").
size_t us_phone(const Text& t, size_t s) {
  size_t e = us_core(t, s);
  if (!e && t.at(s) == '1' && is_sep(t.at(s + 1))) e = us_core(t, s + 2);
  if (!e || !num_end_ok(t, e)) return 0;
  // Any space inside: not a piece of a longer run of space-separated numbers.
  for (size_t i = s; i < e; ++i) {
    if (t.p[i] == ' ') return space_chain_free(t, s, e) ? e : 0;
  }
  return e;
}

// Mainland China mobile at i: 1[3-9] and 9 more digits, bare (13800138000) or 3-4-4 with one
// consistent space or dash (138 0013 8000, 138-0013-8000).
size_t cn_core(const Text& t, size_t i) {
  if (t.at(i) != '1' || t.at(i + 1) < '3' || t.at(i + 1) > '9') return 0;
  size_t r = t.digits(i, 11);
  if (r == 11) return i + 11;
  if (r != 3) return 0;
  unsigned char c = t.at(i + 3);
  if (c != ' ' && c != '-') return 0;
  if (t.digits(i + 4, 4) != 4 || t.at(i + 8) != c || t.digits(i + 9, 4) != 4) return 0;
  return i + 13;
}

// ... optionally after the country code 86 or 0086, bare or with one space or dash
// ("8613800138000", "86 138 0013 8000", "0086-13800138000"; "+86 ..." is E.164's).
size_t cn_mobile(const Text& t, size_t s) {
  size_t e = cn_core(t, s);
  if (!e) {
    size_t j;
    if (t.at(s) == '8' && t.at(s + 1) == '6') {
      j = s + 2;
    } else if (t.at(s) == '0' && t.at(s + 1) == '0' && t.at(s + 2) == '8' && t.at(s + 3) == '6') {
      j = s + 4;
    } else {
      return 0;
    }
    if (t.at(j) == ' ' || t.at(j) == '-') ++j;
    e = cn_core(t, j);
  }
  if (!e || !num_end_ok(t, e)) return 0;
  for (size_t i = s; i < e; ++i) {
    if (t.p[i] == ' ') return space_chain_free(t, s, e) ? e : 0;
  }
  return e;
}

// ---- payment cards --------------------------------------------------------------------------

// A known issuer (IIN) for the length, and the Luhn check: Visa 4 (13, 16, 19 digits),
// Mastercard 51-55 and 2221-2720 (16), Amex 34, 37 (15), Discover 6011, 644-649, 65 (16-19),
// UnionPay 62 (16-19), JCB 3528-3589 (16-19), Diners 300-305, 36, 38 (14-19).
bool card_ok(const char* d, size_t n) {
  auto pre = [d](size_t k) {
    unsigned v = 0;
    for (size_t i = 0; i < k; ++i) v = v * 10 + static_cast<unsigned>(d[i] - '0');
    return v;
  };
  unsigned p1 = pre(1), p2 = pre(2), p3 = pre(3), p4 = pre(4);
  bool ok = false;
  if (p1 == 4) {
    ok = n == 13 || n == 16 || n == 19;
  } else if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
    ok = n == 16;
  } else if (p2 == 34 || p2 == 37) {
    ok = n == 15;
  } else if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) || p2 == 62) {
    ok = n >= 16 && n <= 19;
  } else if (p4 >= 3528 && p4 <= 3589) {
    ok = n >= 16 && n <= 19;
  } else if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38) {
    ok = n >= 14 && n <= 19;
  }
  return ok && luhn_ok(d, n);
}

}  // namespace

size_t match_phone(const Text& t, size_t s) {
  unsigned char c = t.at(s);
  if (c == '+') return e164(t, s);
  if (c == '(') return us_phone(t, s);
  size_t a = us_phone(t, s), b = cn_mobile(t, s);
  return a > b ? a : b;
}

// Payment card: 13 to 19 digits, bare or in groups joined by one consistent single space or
// dash (first group 4 digits, the others 3 to 6: 4-4-4-4, 4-6-5, 4-4-4-4-3), a known issuer
// prefix for the length and the Luhn check. With dashes the whole chain must be the number;
// with spaces the longest valid prefix of groups is taken when the chain ends by itself
// ("4111 1111 1111 1111 12/25", "... 1111 123" with a CVV) but not when it runs on past 19
// digits in groups of 3+ ("5555 5555 5555 4444 5555" is some longer number, and so is any
// tail of it: a spaced card does not start right after "digit ").
size_t match_card(const Text& t, size_t s) {
  char d[19];
  size_t r = t.digits(s, 19);
  if (r >= 13) {
    if (r > 19 || !num_end_ok(t, s + r)) return 0;
    for (size_t i = 0; i < r; ++i) d[i] = static_cast<char>(t.p[s + i]);
    return card_ok(d, r) ? s + r : 0;
  }
  unsigned char c = t.at(s + 4);
  if (r != 4 || (c != ' ' && c != '-')) return 0;
  if (c == ' ' && s >= 2 && t.p[s - 1] == ' ' && is_digit(t.p[s - 2])) return 0;  // mid-chain
  for (size_t i = 0; i < 4; ++i) d[i] = static_cast<char>(t.p[s + i]);
  size_t nd = 4, i = s + 4;
  size_t ends[8], counts[8];
  size_t ne = 0;
  bool chain_ends = false;  // the groups stop by themselves, not by reaching 19 digits
  while (ne < 8) {
    size_t g = t.at(i) == c ? t.digits(i + 1, 6) : 0;
    if (g < 3 || g > 6) {
      chain_ends = true;
      break;
    }
    if (nd + g > 19) break;
    for (size_t k = 0; k < g; ++k) d[nd + k] = static_cast<char>(t.p[i + 1 + k]);
    nd += g;
    i += 1 + g;
    ends[ne] = i;
    counts[ne] = nd;
    ++ne;
  }
  if (!chain_ends) return 0;  // a longer grouped number
  for (size_t k = ne; k-- > 0;) {
    if (counts[k] < 13) break;
    if (c == '-' && k + 1 != ne) break;
    if (num_end_ok(t, ends[k]) && card_ok(d, counts[k])) return ends[k];
  }
  return 0;
}

// US SSN: AAA-GG-SSSS, or with single spaces (AAA GG SSSS, not inside a run of
// space-separated numbers); never bare nine digits (too many of those are something else).
// Area 000, 666 and 900-999, group 00 and serial 0000 were never issued and are refused.
size_t match_ssn(const Text& t, size_t s) {
  unsigned char c = t.at(s + 3);
  if (t.digits(s, 3) != 3 || (c != '-' && c != ' ')) return 0;
  if (t.digits(s + 4, 2) != 2 || t.at(s + 6) != c || t.digits(s + 7, 4) != 4) return 0;
  unsigned area = t.num(s, 3), group = t.num(s + 4, 2), serial = t.num(s + 7, 4);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return 0;
  size_t e = s + 11;
  if (!num_end_ok(t, e)) return 0;
  if (c == ' ' && !space_chain_free(t, s, e)) return 0;
  return e;
}

// Mainland China resident ID (GB 11643): 17 digits then a digit or X/x, bare; a province code
// 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82 or 91; a real birth date YYYYMMDD at
// positions 7-14 with the year in 1900..this year; the ISO 7064 MOD 11-2 check character.
size_t match_cn_id(const Text& t, size_t s, int year) {
  size_t r = t.digits(s, 18);
  unsigned char last = t.at(s + 17);
  if (!(r == 18 || (r == 17 && (last == 'X' || last == 'x')))) return 0;
  size_t e = s + 18;
  if (!num_end_ok(t, e)) return 0;
  unsigned prov = t.num(s, 2);
  bool prov_ok = (prov >= 11 && prov <= 15) || (prov >= 21 && prov <= 23) ||
                 (prov >= 31 && prov <= 37) || (prov >= 41 && prov <= 46) ||
                 (prov >= 50 && prov <= 54) || (prov >= 61 && prov <= 65) || prov == 71 ||
                 prov == 81 || prov == 82 || prov == 91;
  if (!prov_ok) return 0;
  unsigned y = t.num(s + 6, 4), m = t.num(s + 10, 2), d = t.num(s + 12, 2);
  if (y < 1900 || static_cast<int>(y) > year || !valid_date(y, m, d)) return 0;
  char check = cn_id_check(reinterpret_cast<const char*>(t.p + s));
  char got = static_cast<char>(last == 'x' ? 'X' : last);
  return got == check ? e : 0;
}

}  // namespace gw::pii::detail
