// Anthropic Messages ⇄ OpenAI Chat Completions (docs/PROTOCOLS.md §4.3, §5-§8). The adapter in
// anthropic_adapter.cpp only wires these pieces together:
//   anthropic_request.cpp   OpenAI request → Messages request body
//   anthropic_response.cpp  Message → ChatResponse, error bodies → Error, shared mappings
//   anthropic_stream.cpp    Messages SSE events → ChatChunks
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/chat.hpp"
#include "api/error.hpp"
#include "providers/provider.hpp"

namespace gw::providers::anthropic {

inline constexpr std::string_view kApiVersion = "2023-06-01";
// The forced tool that carries a response_format answer (LiteLLM's name); its input is
// returned to the client as the message content.
inline constexpr std::string_view kJsonToolName = "json_tool_call";

// The client asked for JSON output (response_format json_object / json_schema).
bool wants_json(const api::ChatRequest& req);

// The Messages request body for `req` (docs/PROTOCOLS.md §5). 400s name the offending param.
Result<api::Json> request_body(const api::ChatRequest& req, const Target& t, bool stream);

// Anthropic tool ids must match ^[a-zA-Z0-9_-]+$: other bytes become '_'.
std::string sanitize_tool_id(std::string_view id);

// stop_reason → OpenAI finish_reason (docs/PROTOCOLS.md §6.2); unknown → "stop".
std::string finish_reason_for(std::string_view stop_reason);

// Token counters as Anthropic reports them; absent fields stay nullopt so cumulative
// stream updates can replace only what they carry (last value wins).
struct RawUsage {
  std::optional<int64_t> input, output, cache_read, cache_creation;
  bool absurd = false;  // a count was no integer in range: nothing here is reported (sticky)
  void update(const api::Json& usage);  // from a `usage` object
  bool known() const { return input || output || cache_read || cache_creation; }
  api::Usage to_openai() const;
  // to_openai() for the ledger, or nullopt when a count was not believable.
  std::optional<api::Usage> reported() const;
};

// An Anthropic error body ({"type":"error","error":{type,message}}) → client Error
// (docs/PROTOCOLS.md §8.2).
// `status` 0 means an error event inside a 200 stream: the class comes from the type alone.
Error error_from_body(int status, const api::Json& body, std::string_view provider,
                      int retry_after_ms);

Result<api::ChatResponse> response_from_body(std::string_view body, const Target& t);

std::unique_ptr<StreamDecoder> make_decoder(const api::ChatRequest& req, const Target& t);

}  // namespace gw::providers::anthropic
