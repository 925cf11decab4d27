// Anthropic Messages INBOUND: a client speaking Anthropic's Messages API (`POST /v1/messages`,
// the Anthropic SDK, Claude Code) talks to gw, and gw answers in Anthropic's shape.
//   anthropic_inbound.cpp         request body → ChatRequest, count_tokens
//   anthropic_inbound_stream.cpp  the answer side: ChatResponse → Message JSON, ChatChunks →
//                                 Messages SSE events, errors
//
// Why this lives in providers/ and not in server/ or api/: it is Anthropic wire knowledge (the
// same block types, stop reasons and usage counters anthropic_request/response/stream.cpp read
// and write for an Anthropic upstream), and nothing outside providers/ knows a wire format; the
// rest of gw only ever sees the canonical OpenAI types of api/chat.hpp. The server calls these
// plain functions at the edge and runs the ordinary pipeline in between.
//
// The odd cases, decided once:
// - `thinking` / `redacted_thinking` blocks in assistant turns are dropped: no other upstream
//   can read them, and their signatures cannot be checked by anyone but Anthropic. The
//   request-level `thinking` object goes to `extra["thinking"]` as sent (the Anthropic adapter
//   passes it on, docs/PROTOCOLS.md §5.6). Answers carry a message's `reasoning_content` or
//   `reasoning` (OpenAI-compatible reasoning servers; in `Message::extra`, or in a stream
//   chunk's raw text) as a thinking block with an empty signature.
// - `tool_result.is_error: true` becomes an "Error: " prefix on the result's text, which every
//   upstream model understands (nothing outside the text would survive an OpenAI upstream).
// - `top_k` goes to `extra["top_k"]` (the Anthropic adapter passes it on).
// - `cache_control` on a content block goes to the canonical message's `extra` (the last one
//   wins), where the Anthropic adapter puts it on that message's last block; on tools it is
//   dropped.
// - Unknown top-level fields go to `extra` as sent, except names the canonical schema types
//   (n, seed, stop, user, response_format, ...): those would override the translation, so they
//   are a 400, as Anthropic answers for fields it does not know.
// - Unknown content block types are kept whole as a raw part (the canonical rule for unknown
//   parts); the upstream's adapter then decides.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/chat.hpp"
#include "api/error.hpp"

namespace gw::providers::anthropic {

// An Anthropic Messages request body → the canonical request. Bad input is a 400
// invalid_request_error whose message and `param` name the field ("messages[1].content[0]").
// The JSON nesting is bounded (api::kMaxJsonNesting): a deeper body is a 400.
Result<api::ChatRequest> chat_request_from_messages(std::string_view body);

// The canonical answer (its first choice) → an Anthropic Message JSON text. `model` is the
// model the client asked for (the answer's own when empty).
std::string messages_response_from_chat(const api::ChatResponse& r, std::string_view model);

// OpenAI finish_reason → Anthropic stop_reason: stop → end_turn, length → max_tokens,
// tool_calls / function_call → tool_use, content_filter → refusal; a value that already is an
// Anthropic stop_reason is kept; empty or unknown → end_turn. `has_tool_calls` turns a plain
// end (stop / empty) into tool_use, as Anthropic reports a turn that ends in tool calls.
// stop_sequence therefore appears only when a finish_reason carries it: a canonical "stop"
// does not say whether a stop sequence ended the turn (and `stop_sequence` is always null).
std::string_view stop_reason_for(std::string_view finish_reason, bool has_tool_calls = false);

// Canonical usage → Anthropic's counters: input_tokens = prompt − cache reads − cache writes
// (never below 0), output_tokens = completion, cache_creation_input_tokens,
// cache_read_input_tokens. nullopt → all 0.
api::Json messages_usage(const std::optional<api::Usage>& u);

// Canonical stream chunks → Anthropic SSE text ("event: X\ndata: {...}\n\n"): message_start,
// then content_block_start / _delta / _stop per block in order (a new block index whenever the
// kind changes between thinking, text and tool_use, or a new tool call starts), then
// message_delta and message_stop from finish(). Only choice 0 is read (Anthropic has one).
class MessagesStreamWriter {
 public:
  explicit MessagesStreamWriter(std::string model);

  // The events this chunk makes ("" if none). The first call also sends message_start.
  std::string on_chunk(const api::ChatChunk& c);
  // Closes the open block and ends the message. `usage` wins over usage seen in chunks;
  // an empty `finish_reason` uses the one seen in chunks. Later calls return "".
  std::string finish(const std::optional<api::Usage>& usage, std::string_view finish_reason);
  // `event: error` in Anthropic's shape; the stream is over after it.
  std::string error(const Error& e);

 private:
  enum class Block { none, thinking, text, tool };

  std::string start_if_needed(const api::ChatChunk* c);
  std::string open(Block kind, api::Json content_block);
  std::string close();
  std::string delta(api::Json d);

  std::string model_;
  std::string id_;
  bool started_ = false, done_ = false, any_tool_ = false;
  Block open_ = Block::none;
  int index_ = -1;                   // index of the open (or last) content block
  int tool_index_ = -1;              // canonical ToolCallDelta.index of the open tool_use block
  std::string tool_id_;              // canonical id of the open tool_use block ("" = none given)
  std::string finish_;               // last finish_reason seen in chunks
  std::optional<api::Usage> usage_;  // last usage seen in chunks
};

// Anthropic's error body {"type":"error","error":{"type","message"}}; the type by status:
// 400 (and other 4xx) invalid_request_error, 401 authentication_error, 402 billing_error,
// 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
// 503/529 overloaded_error, 504 timeout_error, 500 (and other 5xx) api_error.
std::string messages_error_body(const Error& e);
// The HTTP status to send: e.status, but 503 → 529 (Anthropic's overloaded) and anything that
// is no error status → 500.
int messages_error_status(const Error& e);

// POST /v1/messages/count_tokens: {"input_tokens": N}, estimated (providers/tokens.hpp) from
// the request read as chat_request_from_messages does, max_tokens not required.
Result<std::string> count_tokens_estimate(std::string_view body);
std::string count_tokens_estimate(const api::ChatRequest& req);  // the same, already read
// The count_tokens body read as a canonical request (max_tokens not required), to ask an
// Anthropic upstream for its own count.
Result<api::ChatRequest> count_tokens_request(std::string_view body);

}  // namespace gw::providers::anthropic
