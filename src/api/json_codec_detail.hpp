// What json_message.cpp (messages, tools) gives json_codec.cpp (requests) and
// json_codec_answer.cpp (responses, chunks); not part of the codec's interface.
#pragma once

#include <string>
#include <string_view>

#include "api/chat.hpp"
#include "api/error.hpp"

namespace gw::api::detail {

// One message, validated the way OpenAI does; `path` names it in errors ("messages[2]").
Result<Message> message_from_json(const Json& m, const std::string& path);
// One tool of a request's `tools`, validated; `path` names it in errors ("tools[0]").
Result<Tool> tool_from_json(const Json& t, const std::string& path);

// The roles a chat message may have (OpenAI's, and the legacy "function").
inline bool is_message_role(std::string_view r) {
  return r == "system" || r == "developer" || r == "user" || r == "assistant" || r == "tool" ||
         r == "function";
}

inline Json null_or(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

}  // namespace gw::api::detail
