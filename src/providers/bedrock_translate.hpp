// AWS Bedrock Converse ⇄ OpenAI Chat Completions (docs/PROTOCOLS.md §14.4). Pure translation,
// no I/O; BedrockProvider (bedrock_provider.cpp) signs the calls and moves the bytes:
//   bedrock_request.cpp   OpenAI request → Converse request body, the model's path
//   bedrock_response.cpp  Converse answer → ChatResponse, usage, stopReason, errors
//   bedrock_stream.cpp    ConverseStream event-stream frames → ChatChunks
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/chat.hpp"
#include "api/error.hpp"
#include "net/http_types.hpp"
#include "providers/aws_eventstream.hpp"
#include "providers/provider.hpp"

namespace gw::providers::bedrock {

// The forced tool that carries a response_format answer, as on Anthropic: its input is the
// message content the client gets.
inline constexpr std::string_view kJsonToolName = "json_tool_call";

// "/model/{modelId}/converse" or "/model/{modelId}/converse-stream", the id percent-encoded
// as one segment (an ARN's ':' and '/' included). nullopt for an empty or oversized id.
std::optional<std::string> model_path(std::string_view model, bool stream);

// The Converse request body for `req`. 400s name the offending param.
Result<api::Json> request_body(const api::ChatRequest& req, const Target& t);

// stopReason → OpenAI finish_reason; unknown → "stop".
std::string finish_reason_for(std::string_view stop_reason);

// A Converse `usage` object → gw's usage: inputTokens is the uncached part, so the prompt is
// inputTokens + cacheReadInputTokens + cacheWriteInputTokens. nullopt when a count is not
// believable (or the object is no object).
std::optional<api::Usage> usage_from(const api::Json& usage);

Result<api::ChatResponse> response_from_body(std::string_view body, const Target& t);

// An error class name as AWS spells it ("ThrottlingException", from x-amzn-ErrorType, the
// body's __type or a stream's :exception-type) → the client's error. `status` 0 = inside a
// 200 stream: the class comes from the name alone.
Error error_for(int status, std::string_view type, std::string_view message,
                std::string_view provider, int retry_after_ms);
// A non-2xx answer: its headers and body read for the class and the message.
Error error_from_response(int status, std::string_view body, const net::Headers& headers,
                          std::string_view provider);

// ConverseStream's event-stream bytes → canonical chunks. Bytes may be cut anywhere.
class StreamTranslator {
 public:
  StreamTranslator(const api::ChatRequest& req, const Target& t);
  // The chunks the bytes complete go to `out`; an exception frame or a broken frame is an
  // Error (and every later call returns it too).
  Result<void> feed(std::string_view bytes, api::ChunkList& out);
  // Upstream EOF: an error when the stream had no messageStop (truncated).
  Result<void> finish(api::ChunkList& out);
  bool done() const { return done_; }  // metadata (the last event) seen: stop reading
  std::optional<api::Usage> usage() const { return usage_; }
  bool usage_final() const { return usage_.has_value(); }  // only metadata reports usage
  std::string finish_reason() const { return finish_; }

 private:
  Result<void> on_message(const aws::EventMessage& m, api::ChunkList& out);
  Result<void> on_block_start(const api::Json& j, api::ChunkList& out);
  Result<void> on_block_delta(const api::Json& j, api::ChunkList& out);
  void on_message_stop(const api::Json& j, api::ChunkList& out);
  void on_metadata(const api::Json& j, api::ChunkList& out);
  api::ChatChunk& chunk(api::ChunkList& out) const;
  void emit_role(api::ChunkList& out);
  void emit_content(std::string text, api::ChunkList& out);
  int tool_for(int64_t block, std::string id, std::string name, api::ChunkList& out);

  aws::EventStreamDecoder frames_;
  std::optional<Error> error_;
  std::string provider_;
  bool json_mode_;
  std::string id_;
  int64_t created_;
  std::string model_;
  // contentBlockIndex → the OpenAI tool index, or -1 for the response_format tool's block.
  std::map<int64_t, int> tools_;
  int next_tool_ = 0;
  bool role_sent_ = false, stopped_ = false, done_ = false, usage_sent_ = false;
  std::optional<api::Usage> usage_;
  std::string finish_;
};

}  // namespace gw::providers::bedrock
