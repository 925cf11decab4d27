// Reading an inbound API's request body (Anthropic Messages, OpenAI Responses): the error each
// wrong parameter gets, in OpenAI's words and codes, so every inbound API names its mistakes
// alike, and the null-is-absent member lookup the SDKs need.
#pragma once

#include <string>
#include <string_view>

#include "api/error.hpp"
#include "api/json_codec.hpp"

namespace gw::providers::inbound {

inline Error mistyped(const std::string& path, std::string_view want) {
  return Error::bad_request("Invalid type for '" + path + "': expected " + std::string(want) + ".",
                            path, "invalid_type");
}
inline Error missing(const std::string& path) {
  return Error::bad_request("Missing required parameter: '" + path + "'.", path,
                            "missing_required_parameter");
}
inline Error invalid(const std::string& path, const std::string& why) {
  return Error::bad_request("Invalid value for '" + path + "': " + why, path, "invalid_value");
}
inline std::string at(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// A member that is there and not null (JSON null counts as absent, as the SDKs send it).
inline const api::Json* member(const api::Json& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace gw::providers::inbound
