// Placeholders for masked values, and putting the originals back. Masking replaces each value
// with a typed placeholder, the same one for every occurrence of that value within a request
// (`<EMAIL_1>`, `<EMAIL_2>`, `<PHONE_1>`), so the model can still tell values apart and refer
// to them. Restoring turns a model's placeholders back into the values, in a whole answer or
// in a stream cut at any byte: the restorer holds back only bytes that could still be the
// start of one of this request's placeholders, and passes every other byte on at once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gw::pii {

class Placeholders {
 public:
  // The placeholder for `value` of `type`: the same for the same value, a new number else.
  const std::string& assign(std::string_view type, std::string_view value);
  bool empty() const { return by_placeholder_.empty(); }
  size_t size() const { return by_placeholder_.size(); }
  size_t longest() const { return longest_; }  // bytes of the longest placeholder

  // `text` with every known placeholder replaced by its value (`json_escape`: the value is
  // written as JSON string content, for tool-call arguments). False when nothing changed.
  bool restore(std::string_view text, std::string& out, bool json_escape = false) const;
  // How many bytes at the end of `text` are a proper prefix of some placeholder (to hold back).
  size_t pending_prefix(std::string_view text) const;
  // The value behind a placeholder, or null.
  const std::string* original(std::string_view placeholder) const;

 private:
  std::unordered_map<std::string, std::string> by_value_;  // type + '\0' + value → placeholder
  std::unordered_map<std::string, std::string> by_placeholder_;  // placeholder → value
  std::unordered_map<std::string, int> counters_;                // type → last number
  size_t longest_ = 0;
};

// One stream of text (a choice's content, or one tool call's arguments) being restored.
class StreamRestorer {
 public:
  explicit StreamRestorer(bool json_escape = false) : json_escape_(json_escape) {}
  // Appends to `out` what can be released after `piece`; returns whether `out` differs from
  // `piece` (a value restored or bytes held back or released).
  bool feed(const Placeholders& p, std::string_view piece, std::string& out);
  // Releases whatever is held (the stream ended): restored if it completed a placeholder.
  bool flush(const Placeholders& p, std::string& out);
  bool holding() const { return !held_.empty(); }

 private:
  std::string held_;
  bool json_escape_;
};

}  // namespace gw::pii
