// Token estimates for when an upstream reports no usage, and for routing decisions made
// before a request is sent. Roughly 4 bytes a token, as OpenAI's rule of thumb. They live with
// the canonical types they read so that every layer (the mock provider, the gateway's router
// and meter) can count the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api {

int64_t estimate_text_tokens(std::string_view text);
int64_t estimate_prompt_tokens(const ChatRequest& req);
bool has_images(const ChatRequest& req);

}  // namespace gw::api
