// JSON both ways for the canonical OpenAI types. Parsing validates the way OpenAI does and
// answers with an OpenAI-shaped Error naming the offending `param`.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "api/chat.hpp"
#include "api/error.hpp"

namespace gw::api {

Result<ChatRequest> parse_chat_request(std::string_view body);
Result<ChatRequest> chat_request_from_json(const Json& j);
// Is `key` a request member the canonical schema types (chat_schema.hpp)? Every other member
// of a request is `extra`.
bool is_typed_request_field(std::string_view key);
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

// Readers for hostile JSON, where the sender picks every type: nlohmann's value() throws on a
// mismatched type, and get<int>() of 1e300 is undefined behaviour.
// A member's string, or `fallback` when it is absent or not a string.
inline std::string str_or(const Json& o, std::string_view key, std::string fallback = {}) {
  if (!o.is_object()) return fallback;
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : fallback;
}
// A whole number within Int's range, else nullopt.
template <class Int>
std::optional<Int> as_int(const Json& v) {
  static_assert(std::is_signed_v<Int>);
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<Int>::max())) return std::nullopt;
    return static_cast<Int>(u);
  }
  if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    if (i < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        static_cast<uint64_t>(std::max<int64_t>(i, 0)) >
            static_cast<uint64_t>(std::numeric_limits<Int>::max()))
      return std::nullopt;
    return static_cast<Int>(i);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    // -2^(n-1) and 2^(n-1) are exact as doubles; the max itself would round up past range.
    const double lo = static_cast<double>(std::numeric_limits<Int>::min()), hi = -lo;
    if (!(d >= lo && d < hi) || d != std::trunc(d)) return std::nullopt;  // NaN fails too
    return static_cast<Int>(d);
  }
  return std::nullopt;
}
// A member's whole number, or `fallback` when absent, not a number or out of range.
template <class Int>
Int int_or(const Json& o, std::string_view key, Int fallback) {
  if (!o.is_object()) return fallback;
  auto it = o.find(key);
  if (it == o.end()) return fallback;
  return as_int<Int>(*it).value_or(fallback);
}

// Compact serialization that never throws on invalid UTF-8 (replaces bad bytes).
std::string dump(const Json& j);

// The compact JSON text of a value, as clients and upstreams get it (dump(to_json(x))).
std::string serialize(const ChatChunk& c);
std::string serialize(const ChatResponse& r);
std::string serialize(const ChatRequest& r);
// A request as it goes to an OpenAI-compatible upstream: `model` replaces the client's; a
// stream asks for usage (stream_options.include_usage, the client's other stream_options
// kept), a non-stream has neither field.
std::string serialize_upstream(const ChatRequest& r, std::string_view model, bool stream);

}  // namespace gw::api
