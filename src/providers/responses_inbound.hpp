// OpenAI Responses API INBOUND: a client speaking `POST /v1/responses` (the openai SDK's
// `responses.create`, the Vercel AI SDK's default `openai(model)`, coding agents) talks to
// gw, and gw answers in the Responses shape, from any provider, through the ordinary chat
// pipeline.
//   responses_inbound.cpp         request body → a Chat Completions request (then the
//                                 canonical ChatRequest, validated by the one chat schema)
//   responses_inbound_answer.cpp  the answer side: ChatResponse → response object, ChatChunks
//                                 → Responses SSE events, errors
//
// It lives in providers/ for the reason anthropic_inbound.hpp gives: it is wire knowledge, and
// the rest of gw sees only the canonical types.
//
// The mapping (docs/PROTOCOLS.md §11):
// - `input` (a string, or message / function_call / function_call_output items) and
//   `instructions` become chat messages; consecutive function_call items become one assistant
//   message with tool_calls; `reasoning` items are dropped (no upstream but OpenAI can read
//   them, and gw does not keep their encrypted content).
// - Flat function tools, `tool_choice`, `text.format`, `max_output_tokens`, `reasoning.effort`,
//   `temperature`, `top_p`, `parallel_tool_calls`, `metadata`, `user`, `service_tier`,
//   `prompt_cache_key`, `safety_identifier` map to their chat names; the chat schema then
//   validates them, and its errors name the Responses parameter.
// - Built-in tools (web_search, file_search, ...), `conversation`, `background: true`,
//   `truncation: "auto"` and item references are a 400 naming the parameter: they need
//   OpenAI's own servers.
// - `store` and `previous_response_id` need kept state: the endpoint serves them only when
//   the operator turned body storage on ([store] log_bodies), else they are a 400.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat.hpp"
#include "api/error.hpp"

namespace gw::providers::responses {

// One Responses request, read and checked, before the history of a previous response is
// known.
struct ResponsesCall {
  api::Json chat;   // the Chat Completions request without `messages`
  api::Json input;  // `input` as chat messages (instructions not included)
  std::string instructions;
  std::optional<bool> store;  // as sent (absent = the server's default)
  std::string previous_response_id;
  bool stream = false;
  api::Json settings;  // the request settings a response object echoes (tools, text, ...)
};

// Reads a Responses request body. Bad input is a 400 whose `param` names the Responses field
// ("input[2].call_id"). JSON nesting is bounded (api::kMaxJsonNesting).
Result<ResponsesCall> read_responses_request(std::string_view body);

// The canonical request for `call`, after `history` (chat messages of the previous response's
// conversation, or an empty array): instructions first, then history, then the new input.
// The chat schema's errors are reported under the Responses names (max_output_tokens, ...).
Result<api::ChatRequest> chat_request_for(const ResponsesCall& call, const api::Json& history);

// The chat-form assistant message of an answer (content and tool_calls), to keep as the end of
// a stored conversation.
api::Json assistant_message(const api::ChatResponse& r);

// The fixed parts of a response object: its id and the request settings it echoes.
struct ResponseHead {
  std::string id;  // "resp_..."
  int64_t created_at = 0;
  std::string model;  // the model the client asked for
  const ResponsesCall* call = nullptr;
  bool stored = false;
};

// A new response id: "resp_" and 48 random hex digits.
std::string new_response_id();

// The response object of a finished answer.
api::Json response_object(const ResponseHead& head, const api::ChatResponse& r);

// Canonical usage → the Responses usage object (input/output/total and their details).
api::Json responses_usage(const std::optional<api::Usage>& u);

// The OpenAI error body for this endpoint ({"error":{message,type,param,code}}).
std::string responses_error_body(const Error& e);

// Canonical stream chunks → Responses SSE events ("event: T\ndata: {...,"type":T,
// "sequence_number":n}\n\n"): response.created and response.in_progress first, then an output
// item per reasoning text, message text and tool call (added, deltas, done, in that order per
// item), then response.completed (response.incomplete for a length or content-filter end) with
// usage. Only choice 0 is read.
class ResponsesStreamWriter {
 public:
  explicit ResponsesStreamWriter(ResponseHead head);

  // The events this chunk makes ("" if none). The first call also sends the opening events.
  std::string on_chunk(const api::ChatChunk& c);
  // Closes the open items and ends the response. `usage` wins over usage seen in chunks; an
  // empty `finish_reason` uses the one seen in chunks. Later calls return "".
  std::string finish(const std::optional<api::Usage>& usage, std::string_view finish_reason);
  // An `error` event; the stream is over after it.
  std::string error(const Error& e);

  // After finish(): the final response object and the answer as one assistant chat message
  // (for a stored response).
  const api::Json& final_response() const { return final_; }
  api::Json assistant_message() const;

 private:
  enum class Kind { reasoning, message, call };
  struct Item {
    Kind kind = Kind::message;
    std::string id;
    std::string text;  // reasoning or message text, or a call's arguments
    std::string refusal;
    std::string call_id, name;
    int tool_index = -1;
    bool done = false;
    static Item make(Kind kind, std::string_view id_prefix);  // with a fresh random id
  };

  std::string emit(std::string_view type, api::Json data);
  std::string start();
  std::string open(Item item);
  std::string close(Item& item);
  std::string close_all();
  Item* open_item(Kind kind);
  api::Json item_json(const Item& item, bool final) const;
  api::Json object(std::string_view status) const;

  ResponseHead head_;
  bool started_ = false, done_ = false;
  int64_t seq_ = 0;
  std::vector<Item> items_;
  std::string finish_;
  std::optional<api::Usage> usage_;
  api::Json final_;
};

}  // namespace gw::providers::responses
