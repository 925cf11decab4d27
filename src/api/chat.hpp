// Canonical request/response types: OpenAI Chat Completions, the one schema everything
// outside src/providers/ speaks. Fields OpenAI defines are typed; anything else a client
// sends is kept in `extra` and passed on to OpenAI-compatible upstreams untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gw::api {

using Json = nlohmann::json;

struct ContentPart {
  std::string type;       // "text", "image_url", or anything else (kept in raw)
  std::string text;       // type == text
  std::string image_url;  // type == image_url: https URL or data: URL
  std::string detail;     // image_url detail: auto | low | high (empty = absent)
  Json raw;               // the part as received when its type is not text/image_url
  // Anthropic's prompt-caching marker on this part, from an Anthropic client: an Anthropic
  // upstream gets it on the block; no other upstream sees it.
  Json cache_control;
};

struct ToolCall {
  std::string id;
  std::string type = "function";
  std::string name;
  std::string arguments;  // a JSON text, as OpenAI sends it
};

struct Message {
  std::string role;  // system | developer | user | assistant | tool
  // content: null, a string, or an array of parts.
  enum class ContentKind { null, text, parts } kind = ContentKind::null;
  std::string text;
  std::vector<ContentPart> parts;
  std::string name;
  std::vector<ToolCall> tool_calls;
  std::string tool_call_id;
  std::optional<std::string> refusal;
  Json extra = Json::object();

  // All text of the message (string content or text parts joined), for estimates and PII.
  std::string all_text() const;
  static Message plain(std::string role, std::string text) {
    Message m;
    m.role = std::move(role);
    m.kind = ContentKind::text;
    m.text = std::move(text);
    return m;
  }
};

struct Tool {
  std::string type = "function";
  std::string name;
  std::string description;
  Json parameters;  // null when absent (= no arguments)
  std::optional<bool> strict;
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;
  std::optional<double> temperature, top_p, presence_penalty, frequency_penalty;
  std::optional<int64_t> max_tokens, max_completion_tokens, n, seed, top_logprobs;
  std::optional<bool> logprobs;
  std::vector<std::string> stop;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage as the client asked
  // stream_options.include_obfuscation: OpenAI's opt-out of the random padding it adds to
  // every stream event (absent = OpenAI's default, on).
  std::optional<bool> include_obfuscation;
  std::vector<Tool> tools;
  Json tool_choice;  // null, "none"/"auto"/"required", or an object
  std::optional<bool> parallel_tool_calls;
  Json response_format;  // null or the object as sent
  // How hard a reasoning model thinks: none | minimal | low | medium | high | xhigh (absent =
  // the model's default). OpenAI-compatible upstreams get it as sent; the Anthropic and Gemini
  // adapters turn it into their thinking budgets (docs/PROTOCOLS.md).
  std::optional<std::string> reasoning_effort;
  std::string user;
  Json metadata;                // null or object
  Json extra = Json::object();  // every other field, passed through to OpenAI-compatible servers
  // An Anthropic Messages client's own fields that OpenAI has no name for (thinking, top_k,
  // context_management, ...): an Anthropic upstream gets them as sent, no other upstream does
  // (an OpenAI-compatible server refuses arguments it does not know).
  Json anthropic_extra = Json::object();
  // The anthropic-beta header of such a client (checked: names, commas, dashes), which an
  // Anthropic upstream gets too.
  std::string anthropic_beta;

  // The output-token cap the client asked for (max_completion_tokens wins).
  std::optional<int64_t> output_limit() const {
    return max_completion_tokens ? max_completion_tokens : max_tokens;
  }
};

struct Usage {
  int64_t prompt_tokens = 0;      // every input token, cached ones included
  int64_t completion_tokens = 0;  // reasoning included
  int64_t total_tokens = 0;
  int64_t cached_tokens = 0;       // cache-read part of prompt_tokens
  int64_t cache_write_tokens = 0;  // cache-creation part of prompt_tokens (Anthropic)
  int64_t reasoning_tokens = 0;    // part of completion_tokens
};

struct Choice {
  int index = 0;
  Message message;
  std::string finish_reason;  // empty = null
  Json logprobs;
};

struct ChatResponse {
  std::string id;
  int64_t created = 0;
  std::string model;
  std::vector<Choice> choices;
  std::optional<Usage> usage;
  std::string system_fingerprint;
  std::string service_tier;
  // The upstream's own JSON text when it already is this answer in OpenAI form (an
  // OpenAI-compatible upstream): the server sends it as is instead of re-serialising, as it
  // does with stream chunks. Whoever changes the answer clears it.
  std::string raw;
};

struct ToolCallDelta {
  int index = 0;
  std::string id;    // empty = absent
  std::string type;  // empty = absent
  std::string name;  // empty = absent
  std::optional<std::string> arguments;
};

struct ChunkChoice {
  int index = 0;
  std::optional<std::string> role;
  std::optional<std::string> content;
  std::optional<std::string> refusal;
  // Reasoning text the upstream shows (Anthropic's thinking), written as reasoning_content,
  // the name OpenAI-compatible reasoning servers use.
  std::optional<std::string> reasoning;
  std::vector<ToolCallDelta> tool_calls;
  std::string finish_reason;  // empty = null
  Json logprobs;
};

struct ChatChunk {
  std::string id;
  int64_t created = 0;
  std::string model;
  std::vector<ChunkChoice> choices;
  std::optional<Usage> usage;  // only on the final usage chunk
  std::string system_fingerprint;
  // The upstream's own JSON text when it already is this chunk in OpenAI form (an
  // OpenAI-compatible upstream): the server forwards it as is instead of re-serialising.
  std::string raw;
};

// The chunks a stream decoder makes of one event. clear() keeps the ChatChunk objects, so a
// decoder that fills next() by assignment reuses their strings' memory: a long stream then
// costs no allocation per chunk. push_back replaces a slot whole.
class ChunkList {
 public:
  // A recycled slot that still holds an earlier chunk's values: assign every field.
  ChatChunk& next() {
    if (n_ == v_.size()) v_.emplace_back();
    return v_[n_++];
  }
  void pop_back() { --n_; }
  void push_back(ChatChunk&& c) { next() = std::move(c); }
  void push_back(const ChatChunk& c) { next() = c; }
  void clear() { n_ = 0; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  ChatChunk& operator[](size_t i) { return v_[i]; }
  const ChatChunk& operator[](size_t i) const { return v_[i]; }
  ChatChunk& front() { return v_[0]; }
  const ChatChunk& front() const { return v_[0]; }
  ChatChunk& back() { return v_[n_ - 1]; }
  const ChatChunk& back() const { return v_[n_ - 1]; }
  auto begin() { return v_.begin(); }
  auto end() { return v_.begin() + static_cast<std::ptrdiff_t>(n_); }
  auto begin() const { return v_.begin(); }
  auto end() const { return v_.begin() + static_cast<std::ptrdiff_t>(n_); }

 private:
  std::vector<ChatChunk> v_;
  size_t n_ = 0;
};

}  // namespace gw::api
