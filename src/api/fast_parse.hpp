// Chat JSON read straight into the canonical types, without an nlohmann DOM: the hot paths
// (every client request, every OpenAI-compatible answer and stream event). Each function
// returns nullopt — declines — for anything outside the common, well-typed shape: malformed
// JSON, an error object, a value failing validation, an unusual type. The caller then takes
// the nlohmann path, which gives the same value for every text these accept
// (tests/unit/fast_parse_test.cpp) and keeps the one place where errors are worded.
#pragma once

#include <optional>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api {

// chat_request_from_json(parse(text)) when that succeeds.
std::optional<ChatRequest> fast_chat_request(std::string_view text);
// chat_response_from_json(parse(text)) when that succeeds.
std::optional<ChatResponse> fast_chat_response(std::string_view text);
// chat_chunk_from_json(parse(text)) for an event that is no error object (`raw` stays empty).
std::optional<ChatChunk> fast_chat_chunk(std::string_view text);

}  // namespace gw::api
