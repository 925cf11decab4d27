// Bedrock ConverseStream (application/vnd.amazon.eventstream frames, each a JSON event named
// by its :event-type header) → OpenAI chat.completion.chunk values (docs/PROTOCOLS.md §14.4).
// messageStart → the role chunk; contentBlockStart (toolUse) → a tool call's id and name;
// contentBlockDelta → text, tool-argument fragments (forwarded untouched) or reasoning;
// messageStop → the finish chunk; metadata, the last event → the usage chunk. An exception
// frame ends the stream with its error.
#include "api/json_codec.hpp"
#include "api/printable.hpp"
#include "providers/adapter_util.hpp"
#include "providers/bedrock_translate.hpp"

namespace gw::providers::bedrock {
namespace {

using api::Json;

bool wants_json(const api::ChatRequest& req) {
  if (!req.response_format.is_object()) return false;
  std::string type = api::str_or(req.response_format, "type");
  return type == "json_object" || type == "json_schema";
}

}  // namespace

StreamTranslator::StreamTranslator(const api::ChatRequest& req, const Target& t)
    : provider_(t.provider->name),
      json_mode_(wants_json(req)),
      id_(new_completion_id()),
      created_(unix_now()),
      model_(t.model) {}

Result<void> StreamTranslator::feed(std::string_view bytes, api::ChunkList& out) {
  if (error_) return fail(*error_);
  if (done_) return {};
  auto r = frames_.feed(bytes, [&](aws::EventMessage&& m) {
    if (auto e = on_message(m, out); !e) error_ = std::move(e.error());
    return !error_ && !done_;
  });
  if (!r && !error_) error_ = r.error();
  if (error_) {
    error_->message = provider_ + ": " + error_->message;
    return fail(*error_);
  }
  return {};
}

Result<void> StreamTranslator::finish(api::ChunkList& out) {
  if (error_) return fail(*error_);
  if (done_) return {};
  // messageStop without metadata: the answer is whole, its usage unknown (gw estimates).
  if (!stopped_ || frames_.pending() > 0) return fail(truncated_stream_error(provider_));
  emit_role(out);
  done_ = true;
  return {};
}

Result<void> StreamTranslator::on_message(const aws::EventMessage& m, api::ChunkList& out) {
  std::string_view kind = m.header(":message-type");
  if (kind == "exception") {
    Json j = parse_upstream_json(m.payload);
    std::string message = j.is_object() ? api::str_or(j, "message") : std::string();
    if (message.empty() && j.is_object()) message = api::str_or(j, "Message");
    Error e = error_for(0, m.header(":exception-type"), message, "", -1);
    e.message.erase(0, 2);  // error_for's "<provider>: "; feed adds the provider once
    return fail(std::move(e));
  }
  if (kind == "error") {
    Error e = error_for(0, m.header(":error-code"), m.header(":error-message"), "", -1);
    e.message.erase(0, 2);
    return fail(std::move(e));
  }
  if (!kind.empty() && kind != "event") return {};
  std::string_view type = m.header(":event-type");
  Json j = parse_upstream_json(m.payload);
  if (!j.is_object())
    return fail(
        Error::upstream(502, "upstream sent a malformed stream event", "bad_upstream_response"));
  if (type == "messageStart") {
    emit_role(out);
  } else if (type == "contentBlockStart") {
    return on_block_start(j, out);
  } else if (type == "contentBlockDelta") {
    return on_block_delta(j, out);
  } else if (type == "messageStop") {
    on_message_stop(j, out);
  } else if (type == "metadata") {
    on_metadata(j, out);
  }  // contentBlockStop, and event types added later
  return {};
}

api::ChatChunk& StreamTranslator::chunk(api::ChunkList& out) const {
  api::ChatChunk& c = out.next();
  c = api::ChatChunk{};
  c.id = id_;
  c.created = created_;
  c.model = model_;
  return c;
}

void StreamTranslator::emit_role(api::ChunkList& out) {
  if (role_sent_) return;
  role_sent_ = true;
  api::ChunkChoice ch;
  ch.role = "assistant";
  ch.content = "";
  chunk(out).choices.push_back(std::move(ch));
}

void StreamTranslator::emit_content(std::string text, api::ChunkList& out) {
  if (text.empty()) return;
  emit_role(out);
  api::ChunkChoice ch;
  ch.content = std::move(text);
  chunk(out).choices.push_back(std::move(ch));
}

// The OpenAI index of the tool call Bedrock's block `block` is; its first chunk carries the
// id and name.
int StreamTranslator::tool_for(int64_t block, std::string id, std::string name,
                               api::ChunkList& out) {
  if (auto it = tools_.find(block); it != tools_.end()) return it->second;
  if (json_mode_) {
    // Only the first response_format tool is the answer; another call is not forwarded.
    bool answered = false;
    for (const auto& [b, k] : tools_) answered |= k == -1;
    tools_[block] = name == kJsonToolName && !answered ? -1 : -2;
    return tools_[block];
  }
  int k = next_tool_++;
  tools_[block] = k;
  emit_role(out);
  api::ToolCallDelta d;
  d.index = k;
  d.id = id.empty() ? new_tool_call_id() : std::move(id);
  d.type = "function";
  d.name = std::move(name);
  d.arguments = "";
  api::ChunkChoice ch;
  ch.tool_calls.push_back(std::move(d));
  chunk(out).choices.push_back(std::move(ch));
  return k;
}

Result<void> StreamTranslator::on_block_start(const Json& j, api::ChunkList& out) {
  auto start = j.find("start");
  if (start == j.end() || !start->is_object()) return {};
  auto tu = start->find("toolUse");
  if (tu == start->end() || !tu->is_object()) return {};
  tool_for(api::int_or<int64_t>(j, "contentBlockIndex", -1), api::str_or(*tu, "toolUseId"),
           api::str_or(*tu, "name"), out);
  return {};
}

Result<void> StreamTranslator::on_block_delta(const Json& j, api::ChunkList& out) {
  auto d = j.find("delta");
  if (d == j.end() || !d->is_object()) return {};
  if (auto tx = d->find("text"); tx != d->end() && tx->is_string()) {
    if (!json_mode_) emit_content(tx->get<std::string>(), out);
    return {};
  }
  if (auto rc = d->find("reasoningContent"); rc != d->end() && rc->is_object()) {
    std::string text = api::str_or(*rc, "text");  // signatures stay behind
    if (!text.empty()) {
      emit_role(out);
      api::ChunkChoice ch;
      ch.reasoning = std::move(text);
      chunk(out).choices.push_back(std::move(ch));
    }
    return {};
  }
  auto tu = d->find("toolUse");
  if (tu == d->end() || !tu->is_object()) return {};
  std::string input = api::str_or(*tu, "input");
  if (input.empty()) return {};
  auto b = tools_.find(api::int_or<int64_t>(j, "contentBlockIndex", -1));
  if (b == tools_.end() || b->second == -2) return {};  // no start seen, or not forwarded
  if (b->second == -1) {
    emit_content(std::move(input), out);
    return {};
  }
  api::ToolCallDelta td;
  td.index = b->second;
  td.arguments = std::move(input);
  api::ChunkChoice ch;
  ch.tool_calls.push_back(std::move(td));
  chunk(out).choices.push_back(std::move(ch));
  return {};
}

void StreamTranslator::on_message_stop(const Json& j, api::ChunkList& out) {
  if (stopped_) return;
  stopped_ = true;
  finish_ = finish_reason_for(api::str_or(j, "stopReason"));
  // The forced response_format tool answered: to the client that is a plain stop.
  if (finish_ == "tool_calls" && json_mode_) finish_ = "stop";
  emit_role(out);
  api::ChunkChoice ch;
  ch.finish_reason = finish_;
  chunk(out).choices.push_back(std::move(ch));
}

void StreamTranslator::on_metadata(const Json& j, api::ChunkList& out) {
  if (auto u = j.find("usage"); u != j.end()) usage_ = usage_from(*u);
  if (!stopped_) return;  // metadata before messageStop: keep reading for the stop
  done_ = true;
  if (usage_ && !usage_sent_) {
    usage_sent_ = true;
    chunk(out).usage = *usage_;  // choices empty: the usage chunk
  }
}

}  // namespace gw::providers::bedrock
