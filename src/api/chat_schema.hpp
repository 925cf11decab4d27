// The OpenAI Chat Completions request parameters gw types, each described once: its JSON
// name, the ChatRequest member that holds it, its kind and its bounds. Reading with
// validation (json_codec.cpp), writing (to_json, serialize; serialize_upstream in
// json_upstream.cpp) and the pass-through rule (a member not described here goes to `extra`,
// untouched) all walk this one list, so a new parameter is a member in chat.hpp plus one line
// here (docs/ARCHITECTURE.md §7.2).
//
// A visitor V is called once per parameter, in this order, which is also the order
// validation errors are reported in when a request has several.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api::schema {

// Inclusive bounds of a number; a parameter outside them is a 400 naming it.
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
};
inline constexpr Range at_least(double lo) {
  return {lo, std::numeric_limits<double>::infinity()};
}

// The JSON shapes a parameter kept as JSON may take.
enum class Shape { object, string_or_object, object_with_type };

// A string that must be one of these values; anything else is a 400 naming the parameter.
struct OneOf {
  std::span<const std::string_view> values;
};
inline constexpr std::string_view kReasoningEfforts[] = {"none",   "minimal", "low",
                                                         "medium", "high",    "xhigh"};

// The thinking-token budget a reasoning_effort stands for, for upstreams that take a budget
// instead of a level (Anthropic's thinking.budget_tokens, Gemini 2.5's thinkingBudget); 0 =
// no thinking. 1024 is Anthropic's smallest budget; 24576 is Gemini Flash's largest, and
// with the default 4096 answer tokens on top it stays under every Claude 4 output cap.
inline constexpr int64_t reasoning_budget(std::string_view effort) {
  if (effort == "minimal") return 1024;
  if (effort == "low") return 2048;
  if (effort == "medium") return 8192;
  if (effort == "high") return 16384;
  if (effort == "xhigh") return 24576;
  return 0;  // none
}

struct Required {};  // a string that must be there and not empty
inline constexpr Required required;
struct StreamOnly {};  // an object allowed only with "stream": true
inline constexpr StreamOnly stream_only;

// R is ChatRequest (readers) or const ChatRequest (writers). The member's type says how a
// value is read and written (std::optional<double> a number, std::vector<Message> the
// messages, ...); the arguments after it bound or shape it.
template <class V, class R>
void describe_request(V& v, R& r) {
  v("model", r.model, required);
  v("messages", r.messages);
  v("temperature", r.temperature, Range{0, 2});
  v("top_p", r.top_p, Range{0, 1});
  v("presence_penalty", r.presence_penalty, Range{-2, 2});
  v("frequency_penalty", r.frequency_penalty, Range{-2, 2});
  v("max_tokens", r.max_tokens, at_least(1));
  v("max_completion_tokens", r.max_completion_tokens, at_least(1));
  v("n", r.n, at_least(1));
  v("seed", r.seed, Range{});
  v("logprobs", r.logprobs);
  v("top_logprobs", r.top_logprobs, Range{0, 20});
  v("stream", r.stream);
  v("stream_options", stream_only, [&](auto& o) {
    o("include_usage", r.include_usage);
    o("include_obfuscation", r.include_obfuscation);
  });
  v("stop", r.stop);
  v("tools", r.tools);
  v("tool_choice", r.tool_choice, Shape::string_or_object);
  v("parallel_tool_calls", r.parallel_tool_calls);
  v("response_format", r.response_format, Shape::object_with_type);
  v("reasoning_effort", r.reasoning_effort, OneOf{kReasoningEfforts});
  v("user", r.user);
  v("metadata", r.metadata, Shape::object);
}

// The members of `usage` gw reads from OpenAI-compatible answers and writes to clients.
// `details` names the nested object a count lives in ("" = top level).
template <class V, class U>
void describe_usage(V& v, U& u) {
  v.count("", "prompt_tokens", u.prompt_tokens);
  v.count("", "completion_tokens", u.completion_tokens);
  v.count("", "total_tokens", u.total_tokens);
  v.count("prompt_tokens_details", "cached_tokens", u.cached_tokens);
  v.count("completion_tokens_details", "reasoning_tokens", u.reasoning_tokens);
}

}  // namespace gw::api::schema
