// Small text helpers shared by the dialects: word counts, UTF-8-safe chunking, lorem text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace fake {

// Whitespace-separated words; the fake's whole notion of a "token".
std::size_t count_words(std::string_view s);

// Pieces of about `approx` bytes whose boundaries never fall inside a UTF-8 code point.
std::vector<std::string> utf8_pieces(std::string_view s, std::size_t approx);

// Exactly min(n, code points) pieces of roughly equal size, cut at code point boundaries.
std::vector<std::string> utf8_split_n(std::string_view s, std::size_t n);

// `n` words of lorem ipsum, space separated.
std::string lorem(int n);

// The same text as lorem(n) in `groups` word groups (a group keeps its leading space).
std::vector<std::string> lorem_chunks(int n, int groups);

// Words in every string value nested in `v` (keys are not counted).
std::size_t count_words_in_strings(const nlohmann::json& v);

// Compact dump that never throws on odd UTF-8 (works for json and ordered_json).
template <class Json>
std::string dump(const Json& v) {
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}
// Two-space pretty dump (Gemini error bodies).
template <class Json>
std::string dump_pretty(const Json& v) {
  return v.dump(2, ' ', false, Json::error_handler_t::replace);
}

// Case-insensitive ASCII prefix test.
bool starts_with_nocase(std::string_view s, std::string_view prefix);

}  // namespace fake
