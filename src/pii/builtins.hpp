// The built-in detectors (internal to src/pii): their bits and type names, the one-pass scan
// that dispatches to them (builtins.cpp), and the matchers it calls. A matcher is given the
// position of its trigger and returns the end of the value found there, or 0 (no value ends
// at 0). Matchers check the value's own end boundary; the dispatcher checks where it starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "pii/scanner.hpp"
#include "pii/text.hpp"

namespace gw::pii::detail {

enum Builtin : uint32_t {
  kEmail = 1u << 0,
  kPhone = 1u << 1,
  kCard = 1u << 2,
  kSsn = 1u << 3,
  kCnId = 1u << 4,
  kIban = 1u << 5,
  kIp = 1u << 6,
  kSecret = 1u << 7,
};

inline constexpr std::string_view kTypeEmail = "EMAIL", kTypePhone = "PHONE",
                                  kTypeCard = "CREDIT_CARD", kTypeSsn = "SSN", kTypeCnId = "CN_ID",
                                  kTypeIban = "IBAN", kTypeIp = "IP", kTypeSecret = "SECRET";

// Appends the built-in matches of `text` for the detectors in `mask`, in order of begin and
// non-overlapping (earlier start wins, then the longer).
void scan_builtins(std::string_view text, uint32_t mask, std::vector<Match>& out);

// ---- numbers.cpp: s is a digit at a number boundary ('+' or '(' for phones) ----------------
size_t match_phone(const Text& t, size_t s);
size_t match_card(const Text& t, size_t s);
size_t match_ssn(const Text& t, size_t s);
// `year` is the current year (birth dates after it are refused).
size_t match_cn_id(const Text& t, size_t s, int year);

// ---- iban.cpp: s is an upper-case letter at a word start -----------------------------------
size_t match_iban(const Text& t, size_t s);

// ---- network.cpp ---------------------------------------------------------------------------
// `at` is an '@'; on a match *begin is where the local part starts.
size_t match_email(const Text& t, size_t at, size_t* begin);
size_t match_ipv4(const Text& t, size_t s);  // s: a digit at a number boundary
size_t match_ipv6(const Text& t, size_t s);  // s: a hex digit at a word start, or "::"

// ---- secrets.cpp ---------------------------------------------------------------------------
// s is at a word start. On failure *seen is how far the attempt read a token (the caller
// skips it, so overlapping prefixes such as "sk-sk-sk-..." cost linear time).
size_t match_token(const Text& t, size_t s, size_t* seen);
// A "-----BEGIN ... PRIVATE KEY-----" block at s through its END line. The search for END
// lines is shared across calls through `end_cache` (linear over a whole scan).
struct PemCache {
  size_t from = 0;  // the search began here...
  size_t next = 0;  // ...and found the next "-----END " here (npos: none)
  bool valid = false;
};
size_t match_pem(const Text& t, size_t s, PemCache& end_cache);

}  // namespace gw::pii::detail
