// JSON both ways for the canonical OpenAI types. Parsing validates the way OpenAI does and
// answers with an OpenAI-shaped Error naming the offending `param`.
#pragma once

#include <string>
#include <string_view>

#include "api/chat.hpp"
#include "api/error.hpp"

namespace gw::api {

Result<ChatRequest> parse_chat_request(std::string_view body);
Result<ChatRequest> chat_request_from_json(const Json& j);
Json to_json(const ChatRequest& r);  // stream_options is written from include_usage

Result<ChatResponse> chat_response_from_json(const Json& j);
Json to_json(const ChatResponse& r);

Result<ChatChunk> chat_chunk_from_json(const Json& j);
Json to_json(const ChatChunk& c);

Json to_json(const Usage& u);
Usage usage_from_openai(const Json& j);

Json to_json(const Message& m);
Json error_to_json(const Error& e);
std::string error_body(const Error& e);  // the serialized {"error":{...}}

// Nesting depth of a JSON text (strings skipped), counted only up to just past `limit`.
int json_depth(std::string_view text, int limit);
// Json::parse without exceptions that first refuses texts nested deeper than `max_depth`
// (copying, comparing and serialising a Json recurse per level; fibers have small stacks):
// discarded when invalid or too deep. 128 levels is far more than any chat payload needs.
inline constexpr int kMaxJsonNesting = 128;
Json parse_json_bounded(std::string_view text, int max_depth = kMaxJsonNesting);

// Compact serialization that never throws on invalid UTF-8 (replaces bad bytes).
std::string dump(const Json& j);

// The text dump(to_json(x)) gives, byte for byte, written directly without building a Json
// (chat_write.cpp): what the hot paths send. ~10x cheaper than to_json + dump.
std::string serialize(const ChatChunk& c);
std::string serialize(const ChatResponse& r);
std::string serialize(const ChatRequest& r);
// A request as it goes to an OpenAI-compatible upstream: `model` replaces the client's; a
// stream asks for usage (stream_options.include_usage), a non-stream has neither field.
std::string serialize_upstream(const ChatRequest& r, std::string_view model, bool stream);

}  // namespace gw::api
