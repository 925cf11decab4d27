#include "pii/custom.hpp"

#include "pii/text.hpp"

namespace gw::pii::detail {
namespace {

bool name_ok(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (!(is_upper(u) || is_digit(u) || u == '_')) return false;
  }
  return true;
}

// One alternation of the quoted terms; \b where a term's end is a word character.
std::string terms_pattern(const std::vector<std::string>& terms) {
  std::string rx;
  for (const std::string& term : terms) {
    if (!rx.empty()) rx += '|';
    if (is_word(static_cast<unsigned char>(term.front()))) rx += "\\b";
    rx += RE2::QuoteMeta(term);
    if (is_word(static_cast<unsigned char>(term.back()))) rx += "\\b";
  }
  return rx;
}

}  // namespace

std::expected<std::unique_ptr<CustomMatcher>, std::string> CustomMatcher::compile(
    const CustomDetector& d) {
  std::string who = "PII detector \"" + d.name + "\"";
  if (!name_ok(d.name)) {
    return std::unexpected(who + ": the name must be upper-case letters, digits and _");
  }
  if (d.pattern.empty() == d.terms.empty()) {
    return std::unexpected(who + ": give either a pattern or terms");
  }
  RE2::Options opt;
  opt.set_log_errors(false);
  opt.set_max_mem(64 << 20);
  std::string rx;
  if (!d.pattern.empty()) {
    rx = d.pattern;
  } else {
    for (const std::string& term : d.terms) {
      if (term.empty()) return std::unexpected(who + ": an empty term");
    }
    rx = terms_pattern(d.terms);
    opt.set_case_sensitive(false);
    opt.set_longest_match(true);
  }
  auto re = std::make_unique<RE2>(rx, opt);
  if (!re->ok()) {
    return std::unexpected(who + (d.pattern.empty() ? ": bad terms: " : ": bad pattern: ") +
                           re->error());
  }
  return std::unique_ptr<CustomMatcher>(new CustomMatcher(d.name, std::move(re)));
}

void CustomMatcher::scan(std::string_view text, std::vector<Match>& out) const {
  re2::StringPiece in(text.data(), text.size());
  re2::StringPiece m;
  size_t pos = 0;
  while (pos <= text.size() && re_->Match(in, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
    size_t b = static_cast<size_t>(m.data() - text.data()), e = b + m.size();
    if (e > b) {
      out.push_back(Match{b, e, type_});
      pos = e;
    } else {
      pos = b + 1;  // an empty match is no value
    }
  }
}

}  // namespace gw::pii::detail
