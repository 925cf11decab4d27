// IBAN (ISO 13616): a country code, two check digits and the BBAN, upper case.
#include <array>

#include "pii/builtins.hpp"

namespace gw::pii::detail {
namespace {

// IBAN lengths by country, from the SWIFT IBAN registry. A country not listed is refused.
struct CountryLength {
  char cc[3];
  uint8_t len;
};
constexpr CountryLength kLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31},
    {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

constexpr std::array<uint8_t, 26 * 26> kLengthOf = [] {
  std::array<uint8_t, 26 * 26> t{};
  for (const auto& c : kLengths)
    t[static_cast<size_t>((c.cc[0] - 'A') * 26 + (c.cc[1] - 'A'))] = c.len;
  return t;
}();

// ISO 7064 MOD 97-10 over the IBAN with its first four characters moved to the end.
bool mod97_ok(const char* v, size_t n) {
  unsigned rem = 0;
  for (size_t k = 0; k < n; ++k) {
    unsigned char c = static_cast<unsigned char>(v[(k + 4) % n]);
    if (is_digit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    }
  }
  return rem == 1;
}

bool iban_char(unsigned char c) {
  return is_digit(c) || is_upper(c);
}

}  // namespace

// IBAN: two upper-case letters of a country in the registry, two check digits, then upper-case
// letters and digits to exactly that country's length (DE 22, GB 22, FR 27, NL 18, NO 15...),
// either bare ("DE89370400440532013000") or in groups of four joined by single spaces, the
// last group shorter ("DE89 3704 0044 0532 0130 00"); not followed by a letter or digit; the
// MOD 97 check equals 1. Lower case and other groupings are refused.
size_t match_iban(const Text& t, size_t s) {
  unsigned char a = t.at(s), b = t.at(s + 1);
  if (!is_upper(a) || !is_upper(b) || !is_digit(t.at(s + 2)) || !is_digit(t.at(s + 3))) return 0;
  size_t len = kLengthOf[static_cast<size_t>((a - 'A') * 26 + (b - 'A'))];
  if (len == 0) return 0;
  char v[34];
  size_t nv = 0, i = s;
  if (t.at(s + 4) == ' ') {
    // Groups of four; each group but the last is followed by one space.
    while (nv < len) {
      size_t g = 0;
      for (; g < 4 && nv < len && iban_char(t.at(i)); ++g) v[nv++] = static_cast<char>(t.p[i++]);
      if (nv == len) break;
      if (g != 4 || t.at(i) != ' ') return 0;
      ++i;
    }
  } else {
    while (nv < len && iban_char(t.at(i))) v[nv++] = static_cast<char>(t.p[i++]);
    if (nv != len) return 0;
  }
  if (is_alnum(t.at(i)) || t.at(i) == '_') return 0;
  return mod97_ok(v, len) ? i : 0;
}

}  // namespace gw::pii::detail
