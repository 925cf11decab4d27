// Embeddings in each dialect (docs/PROTOCOLS.md §13): OpenAI's /embeddings, passed on
// as the client sent it and relayed as it came, and Gemini's :batchEmbedContents, translated
// both ways. Pure functions, no I/O: the adapters wire them, HttpProvider sends them.
#pragma once

#include <cstdint>
#include <string_view>

#include "api/embeddings.hpp"
#include "api/error.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

// gw's estimate of an embedding request's input tokens (providers/tokens: ~4 bytes a token
// for a text; a token array counts its ids): the limits stage's ask, and the usage recorded
// when the upstream reports none (Gemini).
int64_t estimate_embedding_tokens(const api::EmbeddingRequest& req);

// How many inputs one upstream call of this provider kind takes (0: no bound of gw's). A
// longer request is sent as several calls (HttpProvider::embed) and answered as one.
size_t max_embedding_inputs(std::string_view kind);

namespace openai {
Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest& req, const Target& t);
// The upstream's answer, kept whole in `raw` for the client; its usage read (nullopt when
// absent or not believable). A body that is not an embedding list is a 502.
Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                        const api::EmbeddingRequest& req,
                                                        const Target& t);
}  // namespace openai

namespace gemini {
// At most this many inputs in one :batchEmbedContents call (the Gemini API's own bound).
inline constexpr size_t kMaxBatchEmbed = 100;
// A 400 naming `input` for token arrays (Gemini takes text only) or more than kMaxBatchEmbed
// inputs (HttpProvider::embed splits a longer request first).
Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest& req, const Target& t);
// `embeddings[i].values` as the canonical vectors; no usage (the Gemini API reports none).
Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                        const api::EmbeddingRequest& req,
                                                        const Target& t);
}  // namespace gemini

}  // namespace gw::providers
