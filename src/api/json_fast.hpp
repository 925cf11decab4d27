// A client's request body read with simdjson (SIMD validation, strings copied whole). nlohmann
// stays the reference: whatever simdjson refuses, or reads in a way that could differ (a number
// out of its range, -0), is declined and the caller parses with nlohmann, so the result and
// every error are as before. (One kind differs unobservably: "-0" is nlohmann's signed 0 and an
// unsigned 0 here.)
#pragma once

#include <optional>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api {

// Bodies above this go to nlohmann: the reader's buffers are kept per thread and sized by
// the largest text they have read.
inline constexpr size_t kFastParseMaxBytes = 256 * 1024;

// The body as the api::Json nlohmann's parser would give. nullopt: declined (the caller asks
// nlohmann). The caller bounds the depth first.
std::optional<Json> parse_json_fast(std::string_view text);

// The body straight into a ChatRequest, walking the same description (chat_schema.hpp) as
// chat_request_from_json, for the requests clients send most: described parameters, messages
// of text (a string or text parts) with their tool calls, function tools. It gives exactly
// what chat_request_from_json(parse(body)) gives, or nullopt for anything else (an error of
// any kind, a shape it does not take, a repeated member): the caller then reads the body the
// reference way, which words every error. The caller bounds the depth first.
std::optional<ChatRequest> read_chat_request_fast(std::string_view body);

}  // namespace gw::api
