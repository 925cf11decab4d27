// The one pass of the built-in detectors. The trigger finder (triggers.hpp) jumps to the next
// byte that may start a value; a step there classifies it by a 256-entry table made for the
// detectors that are on: a word (letters, digits, '_') is tried by its first byte (a digit:
// the number detectors and IPs; 's', 'A', 'g', 'x', 'e': credential prefixes; an upper-case
// letter: IBAN; a hex digit followed by ':': IPv6) and then skipped whole; '@', '+', '(', "::"
// and "-----" are triggers of their own; '\' starts an escape. A match moves the pass to its
// end; a failed attempt moves it past what the attempt read.
#include "pii/builtins.hpp"

#include <array>

#include "pii/checksums.hpp"
#include "pii/triggers.hpp"

namespace gw::pii::detail {
namespace {

enum Action : uint8_t {
  kSkip,       // not a word byte, starts nothing
  kWord,       // a word byte that starts nothing: the word is skipped
  kWordStart,  // a word byte that may start a value (see Pass::word)
  kAt,
  kPlus,
  kParen,
  kColon,
  kDash,
  kBackslash,
};

constexpr uint32_t kNumbers = kPhone | kCard | kSsn | kCnId | kIp;

// Which bytes may start something, for the detectors in `mask`.
std::array<uint8_t, 256> actions(uint32_t mask) {
  std::array<uint8_t, 256> a{};
  for (int c = 0; c < 256; ++c) {
    auto u = static_cast<unsigned char>(c);
    bool start = false;
    if (is_digit(u)) start = (mask & kNumbers) != 0;
    if (has(u, kHex) && (mask & kIp)) start = true;
    if (is_upper(u) && (mask & kIban)) start = true;
    if ((u == 's' || u == 'A' || u == 'g' || u == 'x' || u == 'e') && (mask & kSecret)) {
      start = true;
    }
    a[u] = start ? kWordStart : is_word(u) ? kWord : kSkip;
  }
  if (mask & kEmail) a['@'] = kAt;
  if (mask & kPhone) {
    a['+'] = kPlus;
    a['('] = kParen;
  }
  if (mask & kIp) a[':'] = kColon;
  if (mask & kSecret) a['-'] = kDash;
  a['\\'] = kBackslash;
  return a;
}

// Appends a built-in match, keeping the list sorted and non-overlapping. A new match never ends
// before the ones already there (the pass only moves forward), so it either loses to the last
// one (which starts earlier, or at the same place and is as long) or replaces it and maybe
// more before it (an e-mail whose local part held a phone number).
void emit(std::vector<Match>& out, size_t floor, size_t b, size_t e, std::string_view type) {
  while (out.size() > floor && out.back().end > b) {
    const Match& m = out.back();
    if (b < m.begin || (b == m.begin && e > m.end)) {
      out.pop_back();
    } else {
      return;
    }
  }
  out.push_back(Match{b, e, type});
}

struct Pass {
  Text t;
  uint32_t mask;
  std::vector<Match>& out;
  size_t floor;
  int year = 0;
  PemCache pem;

  void keep(size_t& best, std::string_view& type, size_t e, std::string_view ty) {
    if (e > best) {
      best = e;
      type = ty;
    }
  }

  // The word starting at s (its first byte is a word byte): try what may start there, and
  // return where the pass goes on.
  size_t word(size_t s) {
    size_t best = 0, seen = s + 1;
    std::string_view type;
    unsigned char c = t.p[s];
    // The longest value wins; on a tie (none is known), the first tried.
    if (is_digit(c)) {
      if (num_start_ok(t, s)) {
        if ((mask & kCnId) && t.n - s >= 18) {
          if (!year) year = current_year();
          keep(best, type, match_cn_id(t, s, year), kTypeCnId);
        }
        if (mask & kCard) keep(best, type, match_card(t, s), kTypeCard);
        if (mask & kSsn) keep(best, type, match_ssn(t, s), kTypeSsn);
        if (mask & kPhone) keep(best, type, match_phone(t, s), kTypePhone);
      }
      // IPv4 ranges ("10.0.0.1-10.0.0.9") may follow a dash; other numbers may not.
      if ((mask & kIp) && !(s >= 2 && t.p[s - 1] == '.' && is_alnum(t.p[s - 2]))) {
        keep(best, type, match_ipv4(t, s), kTypeIp);
      }
    } else {
      if ((mask & kSecret) && (c == 's' || c == 'A' || c == 'g' || c == 'x' || c == 'e')) {
        keep(best, type, match_token(t, s, &seen), kTypeSecret);
      }
      if ((mask & kIban) && is_upper(c)) keep(best, type, match_iban(t, s), kTypeIban);
    }
    if ((mask & kIp) && has(c, kHex)) {
      size_t h = t.run(s, kHex, 4);
      if (h <= 4 && t.at(s + h) == ':') keep(best, type, match_ipv6(t, s), kTypeIp);
    }
    if (best) {
      emit(out, floor, s, best, type);
      return best;
    }
    size_t i = s + 1;
    while (i < t.n && is_word(t.p[i])) ++i;
    return i > seen ? i : seen;
  }

  // One step of the pass at i (the finder's next candidate, or any byte): returns where the
  // pass goes on, past i.
  size_t step(const std::array<uint8_t, 256>& act, size_t i) {
    const unsigned char* p = t.p;
    const size_t n = t.n;
    uint8_t a = act[p[i]];
    if (a == kSkip) return i + 1;
    if (a <= kWordStart) {
      // A word: tried by its first byte, else skipped whole. (The pass lands inside a word
      // only after a match ending there; then the rest is skipped.)
      if (a == kWordStart && !t.word_before(i)) return word(i);
      do ++i;
      while (i < n && is_word(p[i]));
      return i;
    }
    if (a == kBackslash) {  // an escape: \n \r \t \b \f, \uXXXX, or an escaped byte
      unsigned char c = t.at(i + 1);
      if (c == 'u' && t.run(i + 2, kHex, 4) >= 4) {
        t.clean = i + 6;
      } else if (c == 'n' || c == 'r' || c == 't' || c == 'b' || c == 'f') {
        t.clean = i + 2;
      } else {
        return i + (c == '\\' ? 2 : 1);
      }
      return t.clean;
    }
    size_t e = 0, b = i;
    std::string_view type;
    bool free_start = !t.word_before(i);
    switch (a) {
      case kAt:
        e = match_email(t, i, &b);
        type = kTypeEmail;
        break;
      case kPlus:
        if (free_start) e = match_phone(t, i);
        type = kTypePhone;
        break;
      case kParen:
        if (free_start && is_digit(t.at(i + 1))) e = match_phone(t, i);
        type = kTypePhone;
        break;
      case kColon:
        if (t.at(i + 1) == ':' && free_start && (i == 0 || p[i - 1] != ':')) {
          e = match_ipv6(t, i);
        }
        type = kTypeIp;
        break;
      case kDash:
        if (t.at(i + 1) == '-') e = match_pem(t, i, pem);
        type = kTypeSecret;
        break;
      default:
        break;
    }
    if (!e) return i + 1;
    emit(out, floor, b, e, type);
    return e;
  }

  void run() {
    const std::array<uint8_t, 256> act = actions(mask);
    const TriggerFinder finder(mask);
    size_t i = 0;
    while (i < t.n) {
      // Right after an escape the next byte is looked at whatever it is (a boundary the
      // finder, which sees a word byte before it, does not know).
      if (i != t.clean) {
        i = finder.next(t, i);
        if (i >= t.n) break;
      }
      i = step(act, i);
    }
  }
};

}  // namespace

void scan_builtins(std::string_view text, uint32_t mask, std::vector<Match>& out) {
  if (mask == 0 || text.empty()) return;
  Pass pass{Text(text), mask, out, out.size(), 0, {}};
  pass.run();
}

}  // namespace gw::pii::detail
