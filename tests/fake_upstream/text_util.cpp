#include "text_util.hpp"

#include <array>

namespace fake {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

constexpr std::array<std::string_view, 19> kLorem = {
    "lorem",  "ipsum", "dolor",  "sit",     "amet",   "consectetur", "adipiscing",
    "elit",   "sed",   "do",     "eiusmod", "tempor", "incididunt",  "ut",
    "labore", "et",    "dolore", "magna",   "aliqua"};

}  // namespace

std::size_t count_words(std::string_view s) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : s) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++n;
    }
  }
  return n;
}

std::vector<std::string> utf8_pieces(std::string_view s, std::size_t approx) {
  std::vector<std::string> out;
  if (approx == 0) approx = 1;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = start + approx < s.size() ? start + approx : s.size();
    while (end < s.size() && is_continuation(s[end])) ++end;
    out.emplace_back(s.substr(start, end - start));
    start = end;
  }
  return out;
}

std::vector<std::string> utf8_split_n(std::string_view s, std::size_t n) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_continuation(s[i])) starts.push_back(i);
  }
  std::vector<std::string> out;
  if (starts.empty() || n == 0) {
    if (!s.empty()) out.emplace_back(s);
    return out;
  }
  if (n > starts.size()) n = starts.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t b = starts[k * starts.size() / n];
    std::size_t e = k + 1 < n ? starts[(k + 1) * starts.size() / n] : s.size();
    out.emplace_back(s.substr(b, e - b));
  }
  return out;
}

std::string lorem(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    out += kLorem[static_cast<std::size_t>(i) % kLorem.size()];
  }
  return out;
}

std::vector<std::string> lorem_chunks(int n, int groups) {
  std::vector<std::string> out;
  if (n <= 0) return out;
  if (groups <= 0 || groups > n) groups = n;
  int word = 0;
  for (int g = 0; g < groups; ++g) {
    int end = static_cast<int>(static_cast<long long>(g + 1) * n / groups);
    std::string piece;
    for (; word < end; ++word) {
      if (word) piece += ' ';
      piece += kLorem[static_cast<std::size_t>(word) % kLorem.size()];
    }
    out.push_back(std::move(piece));
  }
  return out;
}

std::size_t count_words_in_strings(const nlohmann::json& v) {
  if (v.is_string()) return count_words(v.get_ref<const std::string&>());
  std::size_t n = 0;
  if (v.is_structured()) {
    for (const auto& item : v) n += count_words_in_strings(item);
  }
  return n;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

}  // namespace fake
