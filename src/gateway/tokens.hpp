// Token estimates for when an upstream reports no usage, and for routing decisions made
// before a request is sent. Roughly 4 bytes a token, as OpenAI's rule of thumb.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/chat.hpp"

namespace gw::gateway {

int64_t estimate_text_tokens(std::string_view text);
int64_t estimate_prompt_tokens(const api::ChatRequest& req);
bool has_images(const api::ChatRequest& req);

}  // namespace gw::gateway
