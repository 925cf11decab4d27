// Token estimates for when an upstream reports no usage, and for routing decisions made
// before a request is sent. Roughly 4 bytes a token, as OpenAI's rule of thumb. They live with
// the providers (the mock counts its prompts with them) so that the gateway's router and its
// estimated usage count the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/chat.hpp"

namespace gw::providers {

int64_t estimate_text_tokens(std::string_view text);
int64_t estimate_prompt_tokens(const api::ChatRequest& req);
bool has_images(const api::ChatRequest& req);

}  // namespace gw::providers
