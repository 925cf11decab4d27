// Reasoning text in canonical answers, for the inbound dialects that show it (Anthropic
// Messages' thinking blocks, the Responses API's reasoning items). The canonical types carry
// it in ChunkChoice::reasoning (Anthropic and Gemini upstreams) or, from an OpenAI-compatible
// reasoning server, only in the raw text and the message's extra members.
#pragma once

#include <string>

#include "api/chat.hpp"

namespace gw::providers {

// A message's reasoning text as OpenAI-compatible reasoning servers send it
// (`reasoning_content`, DeepSeek and vLLM; `reasoning`, OpenRouter); "" when none.
std::string reasoning_of(const api::Message& m);

// The reasoning text of choice 0 of one stream chunk: ChunkChoice::reasoning when set, else
// delta.reasoning_content / delta.reasoning in the chunk's raw text. "" when none.
std::string reasoning_of(const api::ChatChunk& c, const api::ChunkChoice& choice);

}  // namespace gw::providers
