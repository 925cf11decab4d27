// What the pipeline knows about one request: who sent it, and what happened to it. The
// Outcome is the material of the request's ledger row and of the gateway's response headers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/chat.hpp"
#include "config/config.hpp"
#include "gateway/limit_store.hpp"
#include "pii/restore.hpp"

namespace gw::gateway {

struct Caller {
  std::string key_id;  // virtual key id; empty for the CLI
  std::string key_name;
  std::string user;
  std::string tenant;
  std::shared_ptr<const config::Limits> key_limits;  // the key's policy (null: none)
};

// The guard's memory of one request: which placeholder stands for which value, and the
// streams being restored (a choice's content, tool = -1, or one tool call's arguments).
struct GuardState {
  pii::Placeholders placeholders;
  struct Stream {
    int choice = 0, tool = -1;
    pii::StreamRestorer restorer;
  };
  std::vector<Stream> streams;
  bool restore = false;  // placeholders were made and the policy restores them
};

// What the stages keep about one request between their hooks: one typed member per stage
// that needs one (a string-keyed bag would let two stages collide and hide the types).
struct StageState {
  // meter, with [store] log_bodies: the request as sent and the streamed answer text.
  std::string logged_request;
  std::string streamed_text;
  // guard (PII): what was masked or blocked, as JSON counts by type, for the ledger row;
  // and what it needs to restore the answer.
  std::string pii_counts;
  GuardState guard;
  // limits: what this request took from the counters, given back when it is over.
  Ask limits_ask;
  bool limits_admitted = false;
  int64_t token_estimate = 0;
};

struct RequestContext {
  std::string request_id;
  Caller caller;
  std::string client = "chat";    // chat | compare | serve
  std::string endpoint = "chat";  // the HTTP endpoint: chat | messages | responses | embeddings
  std::string client_family;      // from the user agent (gw serve): openai-sdk, claude-code, ...
  std::string presented_key;      // the client's Authorization: Bearer / x-api-key (serve only)
  std::string task;               // metadata.task or x-gw-task, for rule routing
  size_t admitted = 0;            // stages whose on_admit ran (they see on_complete)
  bool admission_done = false;    // Gateway::admit ran (the HTTP front calls it before parsing)
  // The HTTP front's Settlement sets it: the stages that only record (the ledger row,
  // metrics) see the request complete once its answer is out, the way nginx logs after the
  // response, so the client never waits for them. settle_pending: ended, not yet recorded.
  bool settle_after_answer = false;
  bool settle_pending = false;
  // A request with no output (embeddings): its input tokens, which the limits stage asks for
  // instead of the prompt estimate plus an output limit (Gateway::embed sets it).
  std::optional<int64_t> input_only_tokens;
  StageState state;
  // The tightest rate limits the caller is under (limits), which the HTTP front writes as
  // OpenAI's x-ratelimit-* headers; limit 0 = none.
  struct {
    RateView requests, tokens;
  } rate_limits;
  // Other headers the stages add to the client's response, answer or error.
  std::vector<std::pair<std::string, std::string>> response_headers;
};

struct AttemptRecord {
  std::string target;  // provider/model
  int status = 0;      // 200 ok; else the error status (0 = skipped, circuit open)
  std::string error;   // short reason
  double latency_ms = 0;
};

struct Outcome {
  std::string request_id;
  int64_t started_unix_ms = 0;
  std::chrono::steady_clock::time_point started{};  // for latency
  std::string requested_model;                      // as the client wrote it
  std::string route;                                // route name, empty for a direct model
  std::string route_reason;
  std::string provider, model;  // the target that answered (or the last tried)
  int status = 0;               // HTTP status of the answer (200 on success)
  std::string error_type, error_code;
  std::optional<api::Usage> usage;  // reported or estimated
  bool usage_estimated = false;
  std::optional<double> cost_usd;  // nullopt: no known price for the model
  std::string price_version;
  double latency_ms = 0, ttft_ms = -1;
  std::vector<AttemptRecord> attempts;
  bool stream = false;
  std::string finish_reason;
  bool client_cancelled = false;
  std::string client;
  std::string endpoint = "chat";
  std::string client_family;
  Caller caller;
};

}  // namespace gw::gateway
