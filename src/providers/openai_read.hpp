// Reading an OpenAI-compatible upstream's answers and stream events with simdjson, the hot
// path of the most common upstream: every stream event is read for its usage, finish reason
// and content before its own bytes are forwarded. Measured side by side with the nlohmann
// path in bench/results/ (a stream costs about half the CPU). Each reader takes the common,
// well-typed shape and declines (nullopt) anything else: an error object, a duplicate or
// mistyped member, a count that is not a plain whole number, invalid JSON. The caller then
// reads the text with nlohmann (api/json_codec.hpp), which holds the one wording of every
// lenient or failing case; tests/unit/openai_read_test.cpp checks that both agree.
#pragma once

#include <optional>
#include <string_view>

#include "api/chat.hpp"

namespace gw::providers {

std::optional<api::ChatChunk> read_openai_chunk(std::string_view text);
// The same into `out`, a recycled ChunkList slot: every field is assigned and its strings and
// vectors keep their memory, so a long stream allocates little per event. False declines
// (`out` then holds a partial chunk to discard).
bool read_openai_chunk(std::string_view text, api::ChatChunk& out);
std::optional<api::ChatResponse> read_openai_response(std::string_view text);

}  // namespace gw::providers
