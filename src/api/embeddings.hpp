// Canonical embedding types: OpenAI's POST /v1/embeddings, the one shape gw serves and the one
// the providers translate from (docs/PROTOCOLS.md §13). Reading validates as OpenAI does (a
// 400 naming the `param`); writing gives the OpenAI list, its vectors as JSON numbers or as
// base64 of little-endian float32.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat.hpp"
#include "api/error.hpp"

namespace gw::api {

// Bounds on what one request may ask (OpenAI's own: 2048 inputs; the sizes are gw's, generous
// for any embedding model, so that no input can make gw buffer or scan without end).
inline constexpr size_t kMaxEmbeddingInputs = 2048;
inline constexpr size_t kMaxEmbeddingTextBytes = 256 * 1024;
inline constexpr size_t kMaxEmbeddingTokens = 65536;  // ids in one token array
inline constexpr int64_t kMaxEmbeddingDimensions = 65536;
inline constexpr int64_t kMaxTokenId = 0x7fffffff;

struct EmbeddingRequest {
  std::string model;
  // `input` as the client wrote it: one string, strings, one token array or token arrays.
  // `texts` holds the strings (kinds text, texts), `tokens` the token arrays (the others).
  enum class InputKind { text, texts, tokens, token_lists } input_kind = InputKind::text;
  std::vector<std::string> texts;
  std::vector<std::vector<int64_t>> tokens;
  std::optional<std::string> encoding_format;  // "float" | "base64"; nullopt: absent (float)
  std::optional<int64_t> dimensions;
  std::string user;  // empty: absent
  // Members gw does not type, sent to OpenAI-compatible upstreams as received.
  Json extra = Json::object();

  bool base64() const { return encoding_format && *encoding_format == "base64"; }
  bool has_tokens() const {
    return input_kind == InputKind::tokens || input_kind == InputKind::token_lists;
  }
  // How many vectors the answer holds.
  size_t count() const { return has_tokens() ? tokens.size() : texts.size(); }
};

struct EmbeddingResponse {
  std::string model;
  // One vector per input, in the input's order (answers gw writes itself). Doubles, so the
  // numbers an upstream wrote go out as it wrote them; base64 narrows them to float32.
  std::vector<std::vector<double>> data;
  std::optional<Usage> usage;  // prompt_tokens = total_tokens; nullopt: not reported
  // The upstream's own bytes (OpenAI-compatible upstreams), sent to the client as they came.
  std::string raw;
};

Result<EmbeddingRequest> parse_embedding_request(std::string_view body);
Result<EmbeddingRequest> embedding_request_from_json(const Json& j);
// The body for an OpenAI-compatible upstream: the request as received (its `extra`
// included), with the target's model name and the input as gw holds it (masked, perhaps).
std::string serialize_upstream(const EmbeddingRequest& r, std::string_view model);
Json to_json(const EmbeddingRequest& r);

// The OpenAI list: {"object":"list","data":[{"object":"embedding","index":i,"embedding":…}],
// "model","usage"}; each vector as numbers, or with `base64` as encode_float32_base64.
std::string serialize(const EmbeddingResponse& r, bool base64);

// Base64 (RFC 4648, padded) of the floats as little-endian IEEE-754 float32, OpenAI's
// `encoding_format: "base64"`; and back (nullopt: not base64, or not whole floats).
std::string encode_float32_base64(std::span<const double> values);
std::optional<std::vector<float>> decode_float32_base64(std::string_view text);

}  // namespace gw::api
