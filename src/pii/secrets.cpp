// Credentials: API keys and tokens by their published prefixes, JWTs, PEM private keys.
#include <cstring>
#include <string_view>

#include "pii/builtins.hpp"

namespace gw::pii::detail {
namespace {

constexpr size_t npos = std::string_view::npos;

bool starts(const Text& t, size_t s, std::string_view prefix) {
  return t.n - s >= prefix.size() && std::memcmp(t.p + s, prefix.data(), prefix.size()) == 0;
}

// Does [b, e) look random rather than like words? It has a run of 16+ letters and digits
// (between '-' or '_') holding a digit, or both cases: "sk-proj-Ab3...", but not
// "sk-learn-compatible-pipeline" or "sk-internationalization".
bool random_looking(const Text& t, size_t b, size_t e) {
  size_t len = 0;
  bool digit = false, upper = false, lower = false;
  for (size_t i = b; i <= e; ++i) {
    unsigned char c = i < e ? t.p[i] : '-';
    if (is_alnum(c)) {
      ++len;
      digit = digit || is_digit(c);
      upper = upper || is_upper(c);
      lower = lower || has(c, kLower);
      continue;
    }
    if (len >= 16 && (digit || (upper && lower))) return true;
    len = 0;
    digit = upper = lower = false;
  }
  return false;
}

// OpenAI "sk-..." (legacy, "sk-proj-", "sk-svcacct-") and Anthropic "sk-ant-api03-...": "sk-"
// and 20+ of [A-Za-z0-9_-], random-looking (see above), ending at a byte outside that set.
size_t sk_key(const Text& t, size_t s, size_t* seen) {
  if (!starts(t, s, "sk-")) return 0;
  size_t k = t.run(s + 3, kB64Url, t.n);
  *seen = s + 3 + k;
  return k >= 20 && random_looking(t, s + 3, s + 3 + k) ? s + 3 + k : 0;
}

// AWS access key id "AKIA" / "ASIA" + exactly 16 of [A-Z0-9]; Google API key "AIza" + exactly
// 35 of [A-Za-z0-9_-]. Neither glued to more of its characters.
size_t a_key(const Text& t, size_t s, size_t* seen) {
  if (starts(t, s, "AKIA") || starts(t, s, "ASIA")) {
    size_t k = t.run(s + 4, kUpper | kDigit, 16);
    *seen = s + 4 + k;
    return k == 16 && !is_word(t.at(s + 20)) ? s + 20 : 0;
  }
  if (starts(t, s, "AIza")) {
    size_t k = t.run(s + 4, kB64Url, 35);
    *seen = s + 4 + k;
    return k == 35 ? s + 39 : 0;
  }
  return 0;
}

// GitHub: "ghp_", "gho_", "ghu_", "ghs_", "ghr_" + 36 to 255 letters and digits; fine-grained
// "github_pat_" + 22 to 255 of [A-Za-z0-9_]; not glued to a further word byte.
size_t github(const Text& t, size_t s, size_t* seen) {
  if (starts(t, s, "github_pat_")) {
    size_t k = t.run(s + 11, kWord, 255);
    *seen = s + 11 + k;
    return k >= 22 && k <= 255 ? s + 11 + k : 0;
  }
  unsigned char c = t.at(s + 2);
  if (t.at(s + 1) != 'h' || t.at(s + 3) != '_') return 0;
  if (c != 'p' && c != 'o' && c != 'u' && c != 's' && c != 'r') return 0;
  size_t k = t.run(s + 4, kDigit | kUpper | kLower, 255);
  *seen = s + 4 + k;
  return k >= 36 && k <= 255 && !is_word(t.at(s + 4 + k)) ? s + 4 + k : 0;
}

// Slack "xoxb-", "xoxp-", "xoxa-", "xoxr-" + 20 or more of [A-Za-z0-9-] holding a digit
// ("xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"), not followed by '_'.
size_t slack(const Text& t, size_t s, size_t* seen) {
  unsigned char c = t.at(s + 3);
  if (!starts(t, s, "xox") || t.at(s + 4) != '-') return 0;
  if (c != 'b' && c != 'p' && c != 'a' && c != 'r') return 0;
  size_t k = t.run(s + 5, kLabel, t.n);
  *seen = s + 5 + k;
  if (k < 20 || t.at(s + 5 + k) == '_') return 0;
  for (size_t i = s + 5; i < s + 5 + k; ++i) {
    if (is_digit(t.p[i])) return s + 5 + k;
  }
  return 0;
}

// JWT (JWS compact form): three base64url parts joined by dots, the header starting "eyJ"
// ('{"') and 15+ long, the payload 10+, the signature 16+ (unsigned "alg":"none" tokens, with
// an empty signature, are refused); a JWE's two further parts are taken along.
size_t jwt(const Text& t, size_t s, size_t* seen) {
  if (!starts(t, s, "eyJ")) return 0;
  size_t p1 = t.run(s, kB64Url, t.n);
  *seen = s + p1;
  size_t i = s + p1;
  if (p1 < 15 || t.at(i) != '.') return 0;
  size_t p2 = t.run(i + 1, kB64Url, t.n);
  i += 1 + p2;
  if (p2 < 10 || t.at(i) != '.') return 0;
  size_t p3 = t.run(i + 1, kB64Url, t.n);
  i += 1 + p3;
  if (p3 < 16) return 0;
  for (int k = 0; k < 2 && t.at(i) == '.' && has(t.at(i + 1), kB64Url); ++k) {
    i += 1 + t.run(i + 1, kB64Url, t.n);
  }
  return i;
}

// Where the next "-----END " at or after `from` is (npos: none), remembering the last answer
// so that many BEGIN lines cost one pass over the text.
size_t next_end_line(const Text& t, size_t from, PemCache& c) {
  if (c.valid && c.from <= from && (c.next == npos || c.next >= from)) return c.next;
  std::string_view rest(reinterpret_cast<const char*>(t.p) + from, t.n - from);
  size_t f = rest.find("-----END ");
  c = {from, f == npos ? npos : from + f, true};
  return c.next;
}

}  // namespace

size_t match_token(const Text& t, size_t s, size_t* seen) {
  *seen = s;
  switch (t.p[s]) {
    case 's':
      return sk_key(t, s, seen);
    case 'A':
      return a_key(t, s, seen);
    case 'g':
      return github(t, s, seen);
    case 'x':
      return slack(t, s, seen);
    case 'e':
      return jwt(t, s, seen);
    default:
      return 0;
  }
}

// PEM private key: "-----BEGIN <label>-----" where the label (upper-case letters, digits and
// spaces, up to 64) contains "PRIVATE KEY" (PKCS#8, RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP
// "PRIVATE KEY BLOCK"), through the first "-----END <same label>-----" after it. Without that
// END line (a truncated paste) the header and the base64 lines after it are taken. Public keys
// and certificates are not secrets.
size_t match_pem(const Text& t, size_t s, PemCache& cache) {
  if (!starts(t, s, "-----BEGIN ")) return 0;
  size_t ls = s + 11, k = 0;
  while (k <= 64 && (is_upper(t.at(ls + k)) || is_digit(t.at(ls + k)) || t.at(ls + k) == ' ')) {
    ++k;
  }
  std::string_view label(reinterpret_cast<const char*>(t.p) + ls, k);
  if (k == 0 || k > 64 || label.find("PRIVATE KEY") == npos || !starts(t, ls + k, "-----")) {
    return 0;
  }
  size_t body = ls + k + 5;
  size_t f = next_end_line(t, body, cache);
  if (f != npos && t.n - (f + 9) >= k + 5 && std::memcmp(t.p + f + 9, label.data(), k) == 0 &&
      starts(t, f + 9 + k, "-----")) {
    return f + 9 + k + 5;
  }
  size_t i = body;
  while (i < t.n) {
    unsigned char c = t.p[i];
    if (!(is_alnum(c) || c == '+' || c == '/' || c == '=' || c == '\r' || c == '\n')) break;
    ++i;
  }
  return i;
}

}  // namespace gw::pii::detail
