#include "pii/restore.hpp"

#include <algorithm>

namespace gw::pii {
namespace {

void append_json_escaped(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
}

bool placeholder_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

const std::string& Placeholders::assign(std::string_view type, std::string_view value) {
  std::string key;
  key.reserve(type.size() + 1 + value.size());
  key.append(type).push_back('\0');
  key.append(value);
  auto [it, fresh] = by_value_.try_emplace(std::move(key));
  if (fresh) {
    int n = ++counters_[std::string(type)];
    it->second = "<" + std::string(type) + "_" + std::to_string(n) + ">";
    by_placeholder_.emplace(it->second, std::string(value));
    longest_ = std::max(longest_, it->second.size());
  }
  return it->second;
}

const std::string* Placeholders::original(std::string_view placeholder) const {
  auto it = by_placeholder_.find(std::string(placeholder));
  return it == by_placeholder_.end() ? nullptr : &it->second;
}

bool Placeholders::restore(std::string_view text, std::string& out, bool json_escape) const {
  if (by_placeholder_.empty() || text.find('<') == std::string_view::npos) {
    out.append(text);
    return false;
  }
  bool changed = false;
  size_t i = 0;
  while (i < text.size()) {
    size_t lt = text.find('<', i);
    if (lt == std::string_view::npos) break;
    size_t j = lt + 1;
    while (j < text.size() && j - lt < longest_ && placeholder_char(text[j])) ++j;
    const std::string* value = nullptr;
    if (j < text.size() && text[j] == '>') value = original(text.substr(lt, j + 1 - lt));
    if (!value) {
      out.append(text.substr(i, lt + 1 - i));
      i = lt + 1;
      continue;
    }
    out.append(text.substr(i, lt - i));
    if (json_escape)
      append_json_escaped(out, *value);
    else
      out += *value;
    changed = true;
    i = j + 1;
  }
  out.append(text.substr(i));
  return changed;
}

size_t Placeholders::pending_prefix(std::string_view text) const {
  if (by_placeholder_.empty()) return 0;
  // Only the last '<' within reach can start an unfinished placeholder: any earlier one is
  // followed by a character no placeholder has there, or is longer than the longest.
  size_t from = text.size() > longest_ ? text.size() - longest_ : 0;
  size_t lt = text.rfind('<');
  if (lt == std::string_view::npos || lt < from) return 0;
  std::string_view tail = text.substr(lt);
  for (size_t k = 1; k < tail.size(); ++k)
    if (!placeholder_char(tail[k])) return 0;
  for (const auto& [ph, value] : by_placeholder_)
    if (ph.size() > tail.size() && std::string_view(ph).substr(0, tail.size()) == tail)
      return tail.size();
  return 0;
}

bool StreamRestorer::feed(const Placeholders& p, std::string_view piece, std::string& out) {
  if (held_.empty() && (p.empty() || piece.find('<') == std::string_view::npos)) {
    out.append(piece);
    return false;
  }
  std::string text = std::move(held_);
  held_.clear();
  text.append(piece);
  size_t hold = p.pending_prefix(text);
  std::string_view release = std::string_view(text).substr(0, text.size() - hold);
  size_t before = out.size();
  p.restore(release, out, json_escape_);
  held_.assign(text, text.size() - hold, hold);
  return hold > 0 || std::string_view(out).substr(before) != piece;
}

bool StreamRestorer::flush(const Placeholders& p, std::string& out) {
  if (held_.empty()) return false;
  p.restore(held_, out, json_escape_);
  held_.clear();
  return true;
}

}  // namespace gw::pii
