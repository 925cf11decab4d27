// The provider seam. A Provider turns one canonical (OpenAI-shaped) request into an answer
// from one upstream. HTTP providers are an Adapter (pure translation, one per wire dialect,
// unit-testable without a network) driven by the shared HttpProvider transport.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat.hpp"
#include "api/embeddings.hpp"
#include "api/error.hpp"
#include "config/config.hpp"
#include "net/http_types.hpp"
#include "net/sse_parser.hpp"

namespace gw::providers {

// One concrete upstream: a configured provider and the model name it knows.
struct Target {
  const config::ProviderConfig* provider = nullptr;
  std::string model;  // upstream model name, without the "provider/" prefix
  std::string label() const { return provider->name + "/" + model; }
};

// The 400 for an embedding request routed to a provider kind that has no embeddings.
Error embeddings_unsupported(const Target& t);

// Receives translated chunks in order; returning false means the client has gone: the
// provider stops reading and cancels the upstream request.
using ChunkSink = std::function<bool(const api::ChatChunk&)>;

struct StreamResult {
  // As the upstream reported it; nullopt = not reported, not believable, or (a stream the
  // client left) not yet final.
  std::optional<api::Usage> usage;
  std::string finish_reason;
  bool cancelled = false;  // the sink returned false
};

// Cancellation and timing facts a call reports back to the pipeline.
struct CallStats {
  double ttft_ms = -1;  // first chunk handed to the sink (streams) / headers received
  std::string upstream_request_id;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual Result<api::ChatResponse> complete(const api::ChatRequest& req, const Target& t,
                                             CallStats& stats) = 0;
  // Errors before the first chunk reached the sink may be retried or failed over; an error
  // after that has Error::after_first_byte set.
  virtual Result<StreamResult> stream(const api::ChatRequest& req, const Target& t,
                                      const ChunkSink& sink, CallStats& stats) = 0;
  // The prompt's input tokens as the upstream itself counts them, where it offers that
  // (Anthropic's count_tokens); nullopt where it does not.
  virtual Result<std::optional<int64_t>> count_tokens(const api::ChatRequest&, const Target&) {
    return std::optional<int64_t>();
  }
  // Embeddings (POST /v1/embeddings), where the upstream offers them; a 400 elsewhere. An
  // answer without usage (Gemini reports none) has `usage` unset: the gateway estimates.
  virtual Result<api::EmbeddingResponse> embed(const api::EmbeddingRequest&, const Target& t,
                                               CallStats&) {
    return fail(embeddings_unsupported(t));
  }
};

// ---- the adapter seam ----------------------------------------------------------------

struct UpstreamCall {
  std::string path;  // appended to the base URL's path, e.g. "/chat/completions"
  net::Headers headers;
  std::string body;
};

// Translates one upstream stream (as SSE events) into canonical chunks. Owns per-request
// state (tool indexes, usage so far, ids). Contract: exactly one usage chunk
// (choices empty, usage set) is emitted at the end when usage is known.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // An upstream error event (after HTTP 200) comes back as an Error.
  virtual Result<void> on_event(const net::SseEvent& ev, api::ChunkList& out) = 0;
  // Upstream EOF. An error when the stream ended without its terminator (truncated).
  virtual Result<void> on_end(api::ChunkList& out) = 0;
  virtual bool done() const = 0;                        // terminator seen: stop reading
  virtual std::optional<api::Usage> usage() const = 0;  // nullopt also when not believable
  // usage() is the upstream's final count, not a placeholder or a running total: only then
  // does a stream the client left early report it (else gw estimates from what it forwarded).
  virtual bool usage_final() const = 0;
  virtual std::string finish_reason() const = 0;
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual Result<UpstreamCall> build_request(const api::ChatRequest& req, const Target& t,
                                             bool stream) const = 0;
  virtual Result<api::ChatResponse> parse_response(std::string_view body,
                                                   const Target& t) const = 0;
  // A non-2xx upstream answer → an OpenAI-shaped error with the status a client expects
  // (docs/PROTOCOLS.md §8.1), the message prefixed with the provider name, retry hints kept.
  virtual Error parse_error(int status, std::string_view body, const net::Headers& headers,
                            const Target& t) const = 0;
  virtual std::unique_ptr<StreamDecoder> make_stream_decoder(const api::ChatRequest& req,
                                                             const Target& t) const = 0;
  // The upstream's own token count, for dialects that have one (Anthropic's count_tokens).
  virtual std::optional<UpstreamCall> count_tokens_request(const api::ChatRequest&,
                                                           const Target&) const {
    return std::nullopt;
  }
  virtual Result<int64_t> parse_count_tokens(std::string_view body, const Target& t) const {
    (void)body;
    return fail(Error::internal(t.provider->name + ": no token count"));
  }
  // Embeddings, for dialects that have them (OpenAI's /embeddings, Gemini's
  // :batchEmbedContents; providers/embeddings.hpp). Errors go through parse_error.
  virtual Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest&,
                                                       const Target& t) const {
    return fail(embeddings_unsupported(t));
  }
  virtual Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                                  const api::EmbeddingRequest&,
                                                                  const Target& t) const {
    (void)body;
    return fail(embeddings_unsupported(t));
  }
};

std::unique_ptr<Adapter> make_openai_adapter();
std::unique_ptr<Adapter> make_anthropic_adapter();
std::unique_ptr<Adapter> make_gemini_adapter();

// The error every decoder returns for a stream that stopped before its terminator.
Error truncated_stream_error(std::string_view provider);

}  // namespace gw::providers
