// Finding the next place the built-in pass must look at (internal to src/pii). Most text holds
// no value, and the pass would spend its time stepping over words. Instead, sixteen bytes at a
// time (SSE2), it flags the bytes that could start a value for the detectors that are on:
//   a digit at a word start (numbers, IPv4, IPv6)    a hex digit at a word start with ':' in
//   the next four bytes (IPv6)                       an upper-case letter at a word start
//   followed by an upper-case letter and a digit     (IBAN)
//   "sk-", "A" + K/S/I, "gh", "xo", "ey" at a word start (credentials)
//   '@' (e-mail)    '+' or '(' before a digit (phones)    "::" (IPv6)    "--" (PEM)
//   '\' (escapes, which make the next byte a boundary)
// Each is implied by its detector's own first test, so no value is missed; flagged bytes that
// start nothing cost one call. Without SSE2 (or with GW_PII_NO_SIMD defined, to check the
// finder against) every byte is flagged and the pass steps word by word.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pii/text.hpp"

namespace gw::pii::detail {

class TriggerFinder {
 public:
  explicit TriggerFinder(uint32_t mask);
  // The first position >= i that may start a value, or t.n. Position 0 is always returned.
  size_t next(const Text& t, size_t i) const;

 private:
  bool digits_ = false, hex_colon_ = false, iban_ = false, secret_ = false, at_ = false,
       phone_ = false, ip_ = false;
};

}  // namespace gw::pii::detail
