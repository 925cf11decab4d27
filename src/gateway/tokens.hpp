// The token estimates moved to api/tokens.hpp, below the providers that need them too (the
// mock provider counts its prompts with them). This header keeps the gateway's own callers
// compiling under their old names.
#pragma once

#include "api/tokens.hpp"

namespace gw::gateway {

using api::estimate_prompt_tokens;
using api::estimate_text_tokens;
using api::has_images;

}  // namespace gw::gateway
