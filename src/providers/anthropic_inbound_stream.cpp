// Anthropic Messages inbound, the answer side (anthropic_inbound.hpp): ChatResponse → Message
// JSON, canonical stream chunks → Messages SSE events, gw errors → Anthropic error bodies.
// The stream is the inverse of anthropic_stream.cpp: tool argument fragments are forwarded as
// they come, never parsed or re-cut.
#include <algorithm>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/anthropic_inbound.hpp"
#include "providers/inbound_reasoning.hpp"

namespace gw::providers::anthropic {
namespace {

using api::Json;

std::string event(std::string_view name, const Json& data) {
  std::string s = "event: ";
  s += name;
  s += "\ndata: ";
  s += api::dump(data);
  s += "\n\n";
  return s;
}

// The choice Anthropic's single message stands for.
const api::ChunkChoice* first_choice(const api::ChatChunk& c) {
  for (const auto& ch : c.choices)
    if (ch.index == 0) return &ch;
  return nullptr;
}

}  // namespace

std::string_view stop_reason_for(std::string_view finish_reason, bool has_tool_calls) {
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  static constexpr std::string_view kNative[] = {"end_turn", "max_tokens", "stop_sequence",
                                                 "tool_use", "refusal",    "pause_turn"};
  for (std::string_view s : kNative)
    if (finish_reason == s) return s;
  return has_tool_calls && (finish_reason.empty() || finish_reason == "stop") ? "tool_use"
                                                                              : "end_turn";
}

Json messages_usage(const std::optional<api::Usage>& u) {
  api::Usage v = u.value_or(api::Usage{});
  return {{"input_tokens",
           std::max<int64_t>(0, v.prompt_tokens - v.cached_tokens - v.cache_write_tokens)},
          {"output_tokens", v.completion_tokens},
          {"cache_creation_input_tokens", v.cache_write_tokens},
          {"cache_read_input_tokens", v.cached_tokens}};
}

std::string messages_response_from_chat(const api::ChatResponse& r, std::string_view model) {
  Json content = Json::array();
  std::string_view finish;
  bool tools = false;
  if (!r.choices.empty()) {
    const api::Choice& ch = r.choices.front();
    const api::Message& m = ch.message;
    finish = ch.finish_reason;
    if (std::string thought = reasoning_of(m); !thought.empty())
      content.push_back(
          {{"type", "thinking"}, {"thinking", std::move(thought)}, {"signature", ""}});
    std::string text = m.all_text();
    if (text.empty() && m.refusal) text = *m.refusal;
    if (!text.empty()) content.push_back({{"type", "text"}, {"text", std::move(text)}});
    for (const auto& call : m.tool_calls) {
      Json input = parse_upstream_json(call.arguments);
      if (!input.is_object()) input = Json::object();  // bad or cut-off arguments
      content.push_back({{"type", "tool_use"},
                         {"id", call.id.empty() ? "toolu_" + random_alnum(24) : call.id},
                         {"name", call.name},
                         {"input", std::move(input)}});
      tools = true;
    }
  }
  Json out = {{"id", r.id.empty() ? "msg_" + random_alnum(24) : r.id},
              {"type", "message"},
              {"role", "assistant"},
              {"model", model.empty() ? r.model : std::string(model)},
              {"content", std::move(content)},
              {"stop_reason", stop_reason_for(finish, tools)},
              {"stop_sequence", nullptr},
              {"usage", messages_usage(r.usage)}};
  return api::dump(out);
}

std::string messages_error_body(const Error& e) {
  std::string_view type;
  switch (e.status) {
    case 400:
      type = "invalid_request_error";
      break;
    case 401:
      type = "authentication_error";
      break;
    case 402:
      type = "billing_error";
      break;
    case 403:
      type = "permission_error";
      break;
    case 404:
      type = "not_found_error";
      break;
    case 413:
      type = "request_too_large";
      break;
    case 429:
      type = "rate_limit_error";
      break;
    case 503:
    case 529:
      type = "overloaded_error";
      break;
    case 504:
      type = "timeout_error";
      break;
    default:
      type = e.status >= 400 && e.status < 500 ? "invalid_request_error" : "api_error";
  }
  return api::dump(Json{
      {"type", "error"},
      {"error", {{"type", type}, {"message", e.message.empty() ? std::string(type) : e.message}}}});
}

int messages_error_status(const Error& e) {
  if (e.status == 503) return 529;
  if (e.status < 400 || e.status > 599) return 500;
  return e.status;
}

MessagesStreamWriter::MessagesStreamWriter(std::string model) : model_(std::move(model)) {}

std::string MessagesStreamWriter::start_if_needed(const api::ChatChunk* c) {
  if (started_) return {};
  started_ = true;
  id_ = c && !c->id.empty() ? c->id : "msg_" + random_alnum(24);
  if (model_.empty() && c) model_ = c->model;
  // Input tokens only when this first chunk already reported them; message_delta has the
  // final counts.
  Json message = {{"id", id_},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", model_},
                  {"content", Json::array()},
                  {"stop_reason", nullptr},
                  {"stop_sequence", nullptr},
                  {"usage", messages_usage(usage_)}};
  // A ping follows, as Anthropic's own streams have one: clients that count on it see it.
  return event("message_start", {{"type", "message_start"}, {"message", std::move(message)}}) +
         event("ping", {{"type", "ping"}});
}

std::string MessagesStreamWriter::open(Block kind, Json content_block) {
  std::string out = close();
  open_ = kind;
  ++index_;
  out += event("content_block_start", {{"type", "content_block_start"},
                                       {"index", index_},
                                       {"content_block", std::move(content_block)}});
  return out;
}

std::string MessagesStreamWriter::close() {
  if (open_ == Block::none) return {};
  open_ = Block::none;
  return event("content_block_stop", {{"type", "content_block_stop"}, {"index", index_}});
}

std::string MessagesStreamWriter::delta(Json d) {
  return event("content_block_delta",
               {{"type", "content_block_delta"}, {"index", index_}, {"delta", std::move(d)}});
}

std::string MessagesStreamWriter::on_chunk(const api::ChatChunk& c) {
  if (done_) return {};
  if (c.usage) usage_ = c.usage;
  std::string out = start_if_needed(&c);
  const api::ChunkChoice* ch = first_choice(c);
  if (!ch) return out;  // a usage-only chunk, or another choice's

  std::string thought = reasoning_of(c, *ch);
  if (!thought.empty()) {
    if (open_ != Block::thinking)
      out += open(Block::thinking, {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}});
    out += delta({{"type", "thinking_delta"}, {"thinking", std::move(thought)}});
  }
  for (const auto* text : {&ch->content, &ch->refusal}) {  // a refusal is text to the client
    if (!*text || (*text)->empty()) continue;
    if (open_ != Block::text) out += open(Block::text, {{"type", "text"}, {"text", ""}});
    out += delta({{"type", "text_delta"}, {"text", **text}});
  }
  for (const auto& td : ch->tool_calls) {
    // A new call: another index, or another id (servers that repeat the id on every
    // fragment repeat the same one). A fragment of a call whose block is already closed
    // cannot go back to it: it opens a block of its own.
    bool same = open_ == Block::tool && td.index == tool_index_ &&
                (td.id.empty() || tool_id_.empty() || td.id == tool_id_);
    if (!same) {
      tool_index_ = td.index;
      tool_id_ = td.id;
      any_tool_ = true;
      out += open(Block::tool, {{"type", "tool_use"},
                                {"id", td.id.empty() ? "toolu_" + random_alnum(24) : td.id},
                                {"name", td.name},
                                {"input", Json::object()}});
    } else if (tool_id_.empty()) {
      tool_id_ = td.id;
    }
    if (td.arguments && !td.arguments->empty())
      out += delta({{"type", "input_json_delta"}, {"partial_json", *td.arguments}});
  }
  if (!ch->finish_reason.empty()) finish_ = ch->finish_reason;
  return out;
}

std::string MessagesStreamWriter::finish(const std::optional<api::Usage>& usage,
                                         std::string_view finish_reason) {
  if (done_) return {};
  if (usage) usage_ = usage;
  std::string out = start_if_needed(nullptr);
  out += close();
  done_ = true;
  Json u = usage_ ? messages_usage(usage_) : Json{{"output_tokens", 0}};
  std::string_view reason = finish_reason.empty() ? std::string_view(finish_) : finish_reason;
  out += event(
      "message_delta",
      {{"type", "message_delta"},
       {"delta", {{"stop_reason", stop_reason_for(reason, any_tool_)}, {"stop_sequence", nullptr}}},
       {"usage", std::move(u)}});
  out += event("message_stop", {{"type", "message_stop"}});
  return out;
}

std::string MessagesStreamWriter::error(const Error& e) {
  if (done_) return {};
  done_ = true;
  return "event: error\ndata: " + messages_error_body(e) + "\n\n";
}

}  // namespace gw::providers::anthropic
