// What the fake "model" says, decided once from the directives and the conversation, then
// rendered by each dialect. Keeping it dialect-neutral makes the numbers agree across dialects.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "behavior.hpp"

namespace fake {

enum class Finish { kStop, kLength, kTool, kSafety };

// Facts each dialect extracts from its own request shape.
struct Conversation {
  std::string last_user_text;  // text of the last user turn that has any text
  int prompt_words = 0;        // words across every text in messages/system
  std::string first_tool;      // name of the request's first tool, if any
};

struct Answer {
  std::string text;                 // may be empty (tool call, safety)
  std::vector<std::string> chunks;  // stream pieces; concatenated they equal `text`
  bool tool = false;
  std::string tool_name;
  Finish finish = Finish::kStop;
  // 64-bit: usage=absurd reports numbers beyond 1e12.
  std::int64_t prompt = 0;      // total input tokens, cached ones included
  std::int64_t completion = 0;  // words of text + 5 per tool call (reasoning not included)
  int cached = 0;               // cache read (OpenAI cached_tokens, Gemini cachedContentTokenCount)
  int cache_creation = 0;       // Anthropic only
  int reasoning = 0;            // `think`
};

// Arguments of the fake tool call, and the streamed fragments. The fragments spell 'i' as
// \u0069 so one cut lands inside a \u escape; they parse to the same object.
inline constexpr std::string_view kToolArgs = R"({"city":"Paris","unit":"c"})";
inline constexpr std::array<std::string_view, 4> kToolArgFragments = {R"({"ci)", R"(ty":"Par\u00)",
                                                                      R"(69s","un)", R"(it":"c"})"};

// `tool_preface` is the text that goes before a tool call (Anthropic says "Let me check.").
Answer make_answer(const Behavior& b, const Conversation& c, const nlohmann::json& body,
                   std::string_view tool_preface);

}  // namespace fake
