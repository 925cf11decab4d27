// A client's request body read with simdjson (SIMD validation, strings copied whole) into the
// same api::Json nlohmann's parser would give: its byte-at-a-time lexer was the largest single
// cost of a request in gw's profile. nlohmann stays the reference: whatever simdjson refuses,
// or reads in a way that could differ (a number out of its range, -0), is declined and the
// caller parses with nlohmann, so the result and every error are as before. (One kind differs
// unobservably: "-0" is nlohmann's signed 0 and an unsigned 0 here.)
#pragma once

#include <optional>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api {

// Bodies above this go to nlohmann: the reader's buffers are kept per thread and sized by
// the largest text they have read.
inline constexpr size_t kFastParseMaxBytes = 256 * 1024;

// nullopt: declined (the caller asks nlohmann). The caller bounds the depth first.
std::optional<Json> parse_json_fast(std::string_view text);

}  // namespace gw::api
