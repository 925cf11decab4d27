#include "providers/turns.hpp"

namespace gw::providers {

void push_turn(std::vector<Turn>& turns, const std::string& role, api::Json blocks,
               BlockTest is_result) {
  if (blocks.empty()) return;
  if (turns.empty() || turns.back().role != role) turns.push_back({role, api::Json::array()});
  api::Json& dst = turns.back().blocks;
  for (auto& b : blocks) {
    if (is_result(b)) {
      size_t pos = 0;
      while (pos < dst.size() && is_result(dst[pos])) ++pos;
      dst.insert(dst.begin() + static_cast<std::ptrdiff_t>(pos), std::move(b));
    } else {
      dst.push_back(std::move(b));
    }
  }
}

void trim_final_assistant(std::vector<Turn>& turns, BlockTest is_text) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!turns.empty() && turns.back().role == "assistant") {
    api::Json& blocks = turns.back().blocks;
    if (blocks.empty()) {
      turns.pop_back();
      continue;
    }
    api::Json& last = blocks.back();
    if (!is_text(last)) return;
    std::string text = last["text"].get<std::string>();
    while (!text.empty() && is_space(text.back())) text.pop_back();
    if (!text.empty()) {
      last["text"] = std::move(text);
      return;
    }
    blocks.erase(blocks.size() - 1);
  }
}

}  // namespace gw::providers
