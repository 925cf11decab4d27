// Embeddings (embeddings.cpp): OpenAI's POST /v1/embeddings, Gemini's :batchEmbedContents and
// :embedContent (ex.model taken from the URL).
#pragma once

#include "exchange.hpp"

namespace fake {

void openai_embeddings(Exchange& ex);
void gemini_embed(Exchange& ex, bool batch);

}  // namespace fake
