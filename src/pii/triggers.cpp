#include "pii/triggers.hpp"

#include "pii/builtins.hpp"

#if defined(__SSE2__) && !defined(GW_PII_NO_SIMD)
#include <emmintrin.h>
#endif

namespace gw::pii::detail {

TriggerFinder::TriggerFinder(uint32_t mask)
    : digits_((mask & (kPhone | kCard | kSsn | kCnId | kIp)) != 0),
      hex_colon_((mask & kIp) != 0),
      iban_((mask & kIban) != 0),
      secret_((mask & kSecret) != 0),
      at_((mask & kEmail) != 0),
      phone_((mask & kPhone) != 0),
      ip_((mask & kIp) != 0) {}

#if defined(__SSE2__) && !defined(GW_PII_NO_SIMD)
namespace {

using V = __m128i;

inline V load(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const V*>(p));
}
inline V splat(char c) {
  return _mm_set1_epi8(c);
}
inline V eq(V a, char c) {
  return _mm_cmpeq_epi8(a, splat(c));
}
// Bytes in [lo, hi] (unsigned): x - lo <= hi - lo, as max(x - lo, hi - lo) == hi - lo.
inline V in(V x, char lo, char hi) {
  V d = _mm_sub_epi8(x, splat(lo));
  V lim = splat(static_cast<char>(hi - lo));
  return _mm_cmpeq_epi8(_mm_max_epu8(d, lim), lim);
}
inline V digit(V x) {
  return in(x, '0', '9');
}
inline V upper(V x) {
  return in(x, 'A', 'Z');
}
inline V lower_of(V x) {
  return x | splat(0x20);
}
inline V word(V x) {
  return digit(x) | in(lower_of(x), 'a', 'z') | eq(x, '_');
}
inline V hex(V x) {
  return digit(x) | in(lower_of(x), 'a', 'f');
}
inline V on(bool b) {
  return _mm_set1_epi8(b ? static_cast<char>(-1) : 0);
}

}  // namespace

size_t TriggerFinder::next(const Text& t, size_t i) const {
  if (i == 0) return 0;
  const unsigned char* p = t.p;
  const V digits = on(digits_), hexc = on(hex_colon_), iban = on(iban_), secret = on(secret_),
          at = on(at_), phone = on(phone_), ip = on(ip_);
  // Loads reach from i - 1 to i + 19.
  while (i + 20 <= t.n) {
    V x = load(p + i);
    if (_mm_movemask_epi8(x) == 0xffff) {  // no ASCII byte (CJK text): nothing starts here
      i += 16;
      continue;
    }
    // (__m128i takes GCC's and Clang's vector operators: & | ~ per byte.)
    V prev = load(p + i - 1), x1 = load(p + i + 1), x2 = load(p + i + 2);
    V colon = eq(x1, ':') | eq(x2, ':') | eq(load(p + i + 3), ':') | eq(load(p + i + 4), ':');
    // Word starts.
    V ws =
        (digits & digit(x)) | (hexc & hex(x) & colon) | (iban & upper(x) & upper(x1) & digit(x2));
    V sec = (eq(x, 's') & eq(x1, 'k') & eq(x2, '-')) |
            (eq(x, 'A') & (eq(x1, 'K') | eq(x1, 'S') | eq(x1, 'I'))) | (eq(x, 'g') & eq(x1, 'h')) |
            (eq(x, 'x') & eq(x1, 'o')) | (eq(x, 'e') & eq(x1, 'y'));
    ws = ~word(prev) & (ws | (secret & sec));
    // Bytes of their own.
    V own = (at & eq(x, '@')) | (phone & (eq(x, '+') | eq(x, '(')) & digit(x1)) |
            (ip & eq(x, ':') & eq(x1, ':')) | (secret & eq(x, '-') & eq(x1, '-')) | eq(x, '\\');
    auto bits = static_cast<unsigned>(_mm_movemask_epi8(ws | own));
    if (bits) return i + static_cast<size_t>(__builtin_ctz(bits));
    i += 16;
  }
  return i < t.n ? i : t.n;  // the last bytes: the pass steps through them
}

#else

size_t TriggerFinder::next(const Text& t, size_t i) const {
  return i < t.n ? i : t.n;
}

#endif

}  // namespace gw::pii::detail
