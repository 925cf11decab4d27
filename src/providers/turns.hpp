// The alternating user/assistant turns that Anthropic's Messages API and Bedrock's Converse
// both require, as their request builders assemble them from OpenAI messages. The two differ
// only in how a block says what it is ({"type":"tool_result"} against {"toolResult":…}).
#pragma once

#include <string>
#include <vector>

#include "api/json_codec.hpp"

namespace gw::providers {

struct Turn {
  std::string role;  // user | assistant
  api::Json blocks = api::Json::array();
};

using BlockTest = bool (*)(const api::Json& block);

// Consecutive same-role messages merge into one turn; in a user turn the tool results
// (`is_result`) come first, before the turn's other blocks.
void push_turn(std::vector<Turn>& turns, const std::string& role, api::Json blocks,
               BlockTest is_result);

// Both refuse a final assistant turn (a prefill) that ends in whitespace: trailing whitespace
// is trimmed from its last text block (`is_text`, the text under "text"), and blocks or turns
// left empty are dropped.
void trim_final_assistant(std::vector<Turn>& turns, BlockTest is_text);

}  // namespace gw::providers
