// Internal seams of the Gemini (generativelanguage v1beta) adapter, split by direction:
// request translation (gemini_request.cpp), response + error translation
// (gemini_response.cpp) and stream decoding (gemini_stream.cpp). Only gemini_* files and
// their unit tests include this header.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/chat.hpp"
#include "api/error.hpp"
#include "net/http_types.hpp"
#include "providers/provider.hpp"

namespace gw::providers::gemini {

using api::Json;

// The separator that carries a Gemini thoughtSignature inside an OpenAI tool-call id:
// "<id>__thought__<signature>".
inline constexpr std::string_view kThoughtSep = "__thought__";

struct SplitId {
  std::string id;         // the tool-call id proper (may be empty)
  std::string signature;  // empty when the id carried none
};
SplitId split_tool_call_id(std::string_view id);
std::string join_tool_call_id(std::string_view id, std::string_view signature);

// Non-throwing field readers: a field of the wrong type reads as absent (api::str_or and
// api::int_or for strings and whole numbers).
inline const Json* obj_of(const Json& o, std::string_view key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it != o.end() && it->is_object() ? &*it : nullptr;
}
inline const Json* arr_of(const Json& o, std::string_view key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it != o.end() && it->is_array() ? &*it : nullptr;
}

// The resource name a model id stands for in the upstream path: "gemini-2.5-flash" and
// "models/gemini-2.5-flash" → "models/gemini-2.5-flash", "tunedModels/x" → itself. nullopt
// for anything but a plain id (letters, digits, '-', '_', '.', '+', '='; no "..") after an
// optional prefix: the id comes from a client, who must never choose the upstream URL.
std::optional<std::string> model_resource(std::string_view model);

// The GenerateContentRequest body, or a 400 naming the param. `model` is the upstream model
// id (it decides how reasoning_effort is spelled); empty = the request's own model.
Result<Json> build_body(const api::ChatRequest& req, const config::ProviderConfig& provider,
                        std::string_view model = {});

// reasoning_effort → generationConfig.thinkingConfig for `model` ("models/" prefix allowed):
// a thinkingLevel for Gemini 3, else a thinkingBudget (docs/PROTOCOLS.md §5.9).
Json thinking_config(std::string_view effort, std::string_view model);

// A tool `parameters` JSON Schema cleaned into Gemini's OpenAPI subset.
Json clean_schema(const Json& schema);

// finishReason → OpenAI finish_reason, before the tool_calls override.
std::string map_finish_reason(std::string_view gemini_reason);
// usageMetadata → canonical usage; nullopt when a count is not believable.
std::optional<api::Usage> usage_from_gemini(const Json& usage_metadata);
// logprobsResult → OpenAI choice.logprobs ({"content":[...]}); null when absent.
Json logprobs_from_gemini(const Json& candidate);

// One functionCall part → a canonical tool call (id generated when absent, signature kept).
api::ToolCall tool_call_from_part(const Json& part);

Result<api::ChatResponse> parse_response(std::string_view body, const Target& t);

// A google.rpc error body (the object holding "error", or an array wrapping it) → Error.
Error error_from_body(int http_status, const Json& body, const net::Headers& headers,
                      const config::ProviderConfig& provider);

std::unique_ptr<StreamDecoder> make_stream_decoder(const Target& t);

}  // namespace gw::providers::gemini
