// Custom detectors from the config (internal to src/pii): an RE2 pattern, or a list of terms
// compiled to one RE2 alternation (quoted literals, case-insensitive, leftmost-longest, with
// \b at each end of a term that is a word character; RE2's \b is ASCII-only, so a term next
// to CJK or Arabic text still matches).
#pragma once

#include <re2/re2.h>

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pii/scanner.hpp"

namespace gw::pii::detail {

class CustomMatcher {
 public:
  // Errors name the detector: a bad name, neither or both of pattern and terms, an empty
  // term, a pattern RE2 refuses (its message is included).
  static std::expected<std::unique_ptr<CustomMatcher>, std::string> compile(
      const CustomDetector& d);

  // Appends every non-empty, non-overlapping match, in order (RE2's leftmost semantics).
  void scan(std::string_view text, std::vector<Match>& out) const;

  const std::string& type() const { return type_; }

 private:
  CustomMatcher(std::string type, std::unique_ptr<RE2> re)
      : type_(std::move(type)), re_(std::move(re)) {}
  std::string type_;
  std::unique_ptr<RE2> re_;
};

}  // namespace gw::pii::detail
