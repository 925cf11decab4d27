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

// Compact serialization that never throws on invalid UTF-8 (replaces bad bytes).
std::string dump(const Json& j);

}  // namespace gw::api
