// PII and secret detection for the guard: a Scanner finds e-mail addresses, phone numbers,
// payment cards, US SSNs, mainland China resident IDs, IBANs, IP addresses and credentials
// (API keys, tokens, private keys) in text, plus whatever custom detectors the config adds
// (an RE2 pattern or a list of terms). Matches are byte ranges of the scanned text, so the
// caller can mask, count or refuse.
//
// The built-ins run as one linear pass over the bytes (builtins.cpp). A trigger finder
// (triggers.cpp, SSE2) jumps sixteen bytes at a time to the next byte that could start a
// value: a digit, '+' or '(' at a number boundary, '@' (then the address is extended backward
// over the local part and forward over the domain, both bounded), the prefix of a credential
// or an IBAN, hex digits before ':' and "::" for IPv6, "--" for PEM blocks. Every attempt
// looks a bounded distance ahead (or the pass skips what it looked at), so the pass stays
// linear on hostile input; nothing is allocated per byte. Values are ASCII; any other byte
// (UTF-8 of CJK or Arabic text, invalid UTF-8, NUL) is a boundary, so values glued to text in
// other scripts are found, and so is the end of an escape such as \n or \u4e2d (JSON text).
// Each detector's rules are in the comment beside it.
#pragma once

#include <cstddef>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::pii {

// A found value: bytes [begin, end) of the scanned text, and its type name. `type` points
// into static storage for built-ins and into the Scanner for custom detectors: it stays valid
// while the Scanner (or any copy of it) lives.
struct Match {
  size_t begin = 0, end = 0;
  std::string_view type;
  friend bool operator==(const Match&, const Match&) = default;
};

// Built-in detector names (as the config lists them in [guard] pii = [...]) and the type
// each reports: "email"->"EMAIL", "phone"->"PHONE", "credit_card"->"CREDIT_CARD", "ssn"->"SSN",
// "cn_id"->"CN_ID", "iban"->"IBAN", "ip"->"IP", "secret"->"SECRET".
std::span<const std::string_view> builtin_detectors();

struct CustomDetector {
  std::string name;                // its type, e.g. "EMPLOYEE_ID" (upper-case letters, digits, _)
  std::string pattern;             // RE2 syntax; empty when terms are used
  std::vector<std::string> terms;  // literal words/phrases (matched case-insensitively for
                                   // ASCII, whole-word where the term's ends are word characters)
};

struct ScannerOptions {
  std::vector<std::string> builtin;  // which built-ins are on (names above); unknown name = error
  std::vector<CustomDetector> custom;
};

namespace detail {
struct Compiled;
}

class Scanner {
 public:
  // A scanner with no detector on (empty() is true; scan finds nothing).
  Scanner() = default;

  // Checks the built-in names and compiles the custom detectors: a name that is not
  // [A-Z0-9_]+, a detector with both or neither of pattern and terms, an empty term or a
  // pattern RE2 refuses is an error naming the detector.
  static std::expected<Scanner, std::string> make(const ScannerOptions& opt);

  // Every match in `text`, sorted by begin, non-overlapping: on overlap the earlier start
  // wins, then the longer; a custom detector wins a tie with a built-in over the same bytes.
  // `out` is cleared first. The built-ins take one linear pass; each custom detector is an
  // RE2 search (linear per match attempt; never std::regex). Empty regex matches are ignored.
  void scan(std::string_view text, std::vector<Match>& out) const;
  std::vector<Match> scan(std::string_view text) const {
    std::vector<Match> out;
    scan(text, out);
    return out;
  }

  bool empty() const;  // no detector on

  // Copies share the compiled detectors (immutable); scan is const and thread-safe.
 private:
  explicit Scanner(std::shared_ptr<const detail::Compiled> c) : c_(std::move(c)) {}
  std::shared_ptr<const detail::Compiled> c_;
};

}  // namespace gw::pii
