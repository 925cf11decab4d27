// Chat JSON read straight into the canonical types, without an nlohmann DOM: the hot paths
// (every client request, every OpenAI-compatible answer and stream event). Each function
// returns nullopt — declines — for anything outside the common, well-typed shape: malformed
// JSON, an error object, a value failing validation, an unusual type. The caller then takes
// the nlohmann path, which gives the same value for every text these accept
// (tests/unit/fast_parse_test.cpp) and keeps the one place where errors are worded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api {

// chat_request_from_json(parse(text)) when that succeeds.
std::optional<ChatRequest> fast_chat_request(std::string_view text);
// chat_response_from_json(parse(text)) when that succeeds.
std::optional<ChatResponse> fast_chat_response(std::string_view text);
// chat_chunk_from_json(parse(text)) for an event that is no error object (`raw` stays empty).
// With `content_raw`, and an event of one choice whose delta content is a string, it is set to
// that string's text as written (between its quotes, a view into `text`); else to a null view.
std::optional<ChatChunk> fast_chat_chunk(std::string_view text,
                                         std::string_view* content_raw = nullptr);

// The next event of a stream is usually the last one with other words: every byte the same
// but the delta content's. ChunkTemplate keeps the last such event (the text around its
// content and what it parsed to) and reads an event of the same frame by checking the frame's
// bytes and scanning only the content. JSON is context-free, so swapping one string token
// for another leaves the rest of the parse as it was; anything else declines.
class ChunkTemplate {
 public:
  // Learns `text` (which parsed to `chunk`, content at `content_raw`) as the current frame.
  void learn(std::string_view text, const ChatChunk& chunk, std::string_view content_raw);
  // When `text` has the current frame: sets `out` to the chunk it parses to (by assignment,
  // reusing out's memory; `raw` empty) and returns true. Else leaves `out` alone.
  bool read_into(std::string_view text, ChatChunk& out) const;

 private:
  std::string text_;
  size_t prefix_ = 0, suffix_ = 0;  // bytes before and after the content's text
  ChatChunk chunk_;
  bool ready_ = false;
};

}  // namespace gw::api
