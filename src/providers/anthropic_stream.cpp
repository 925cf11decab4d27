// Anthropic Messages SSE events → OpenAI chat.completion.chunk values. Tool argument
// fragments are forwarded untouched, never parsed mid-stream; usage is cumulative (last
// value wins). When the request asked for JSON (response_format, answered by the forced
// json_tool_call), only that tool's input reaches the client, as content: any text the model
// writes around it and any other tool call are dropped, so the content parses as JSON.
#include <map>

#include "api/json_codec.hpp"
#include "api/printable.hpp"
#include "providers/adapter_util.hpp"
#include "providers/anthropic_translate.hpp"

namespace gw::providers::anthropic {
namespace {

using api::Json;

class Decoder final : public StreamDecoder {
 public:
  Decoder(const api::ChatRequest& req, const Target& t)
      : provider_(t.provider->name),
        json_mode_(wants_json(req)),
        id_(new_completion_id()),
        created_(unix_now()),
        model_(t.model) {}

  Result<void> on_event(const net::SseEvent& ev, api::ChunkList& out) override {
    if (done_) return {};
    Json j = parse_upstream_json(ev.data);
    if (ev.event == "error" && (j.is_discarded() || !j.is_object()))  // a proxy's plain text
      return fail(upstream_error(UpstreamFailure::server, provider_,
                                 api::printable(ev.data, 1024)));  // not 8 MiB of text
    if (j.is_discarded() || !j.is_object())
      return fail(Error::upstream(502, provider_ + ": upstream sent a malformed stream event",
                                  "bad_upstream_response"));
    std::string type = api::str_or(j, "type");
    if (type.empty()) type = ev.event;

    if (type == "message_start") return on_message_start(j, out);
    if (type == "content_block_start") return on_block_start(j, out);
    if (type == "content_block_delta") return on_block_delta(j, out);
    if (type == "message_delta") return on_message_delta(j, out);
    if (type == "message_stop") return on_message_stop(out);
    if (type == "error") return fail(error_from_body(0, j, provider_, -1));
    return {};  // ping, content_block_stop, and event types added later (docs/PROTOCOLS.md §7.3)
  }

  Result<void> on_end(api::ChunkList&) override {
    if (!done_) return fail(truncated_stream_error(provider_));
    return {};
  }
  bool done() const override { return done_; }
  std::optional<api::Usage> usage() const override {
    if (!usage_.known()) return std::nullopt;
    return usage_.reported();
  }
  // message_start carries a placeholder (output_tokens 1); message_delta the final count.
  bool usage_final() const override { return final_usage_ && usage(); }
  std::string finish_reason() const override { return finish_; }

 private:
  // What an Anthropic content block index stands for on the OpenAI side.
  struct Block {
    enum class Kind { tool, json_answer } kind;
    int tool_index = 0;
  };

  api::ChatChunk chunk() const {
    api::ChatChunk c;
    c.id = id_;
    c.created = created_;
    c.model = model_;
    return c;
  }
  void emit_choice(api::ChunkChoice choice, api::ChunkList& out) {
    api::ChatChunk c = chunk();
    c.choices.push_back(std::move(choice));
    out.push_back(std::move(c));
  }
  void emit_content(std::string text, api::ChunkList& out) {
    if (text.empty()) return;  // empty deltas are not forwarded
    api::ChunkChoice ch;
    ch.content = std::move(text);
    emit_choice(std::move(ch), out);
  }
  void emit_role(api::ChunkList& out) {
    if (role_sent_) return;
    role_sent_ = true;
    api::ChunkChoice ch;
    ch.role = "assistant";
    ch.content = "";
    emit_choice(std::move(ch), out);
  }
  void emit_finish(std::string reason, api::ChunkList& out) {
    finish_ = std::move(reason);
    finish_sent_ = true;
    api::ChunkChoice ch;
    ch.finish_reason = finish_;
    emit_choice(std::move(ch), out);
  }

  Result<void> on_message_start(const Json& j, api::ChunkList& out) {
    if (auto m = j.find("message"); m != j.end() && m->is_object()) {
      if (auto model = m->find("model"); model != m->end() && model->is_string() && !role_sent_)
        model_ = *model;
      if (auto u = m->find("usage"); u != m->end()) usage_.update(*u);
    }
    emit_role(out);
    return {};
  }

  Result<void> on_block_start(const Json& j, api::ChunkList& out) {
    emit_role(out);  // tolerate a stream that skipped message_start
    auto cb = j.find("content_block");
    if (cb == j.end() || !cb->is_object()) return {};
    int64_t index = api::int_or<int64_t>(j, "index", -1);
    std::string type = api::str_or(*cb, "type");
    if (type == "text") {
      if (json_mode_) return {};  // "Let me check." before the JSON answer: not content
      if (auto tx = cb->find("text"); tx != cb->end() && tx->is_string()) emit_content(*tx, out);
    } else if (type == "tool_use") {
      std::string name = api::str_or(*cb, "name");
      if (json_mode_) {
        // Only the first json_tool_call is the answer; another call's deltas find no block.
        if (name == kJsonToolName && !json_answered_) {
          blocks_[index] = {Block::Kind::json_answer, 0};
          json_answered_ = true;
        }
        return {};
      }
      int k = next_tool_++;
      blocks_[index] = {Block::Kind::tool, k};
      api::ToolCallDelta d;
      d.index = k;
      d.id = api::str_or(*cb, "id");
      if (d.id.empty()) d.id = new_tool_call_id();
      d.type = "function";
      d.name = std::move(name);
      d.arguments = "";
      api::ChunkChoice ch;
      ch.tool_calls.push_back(std::move(d));
      emit_choice(std::move(ch), out);
    }  // thinking arrives in its deltas; redacted_thinking, server tools: not forwarded
    return {};
  }

  Result<void> on_block_delta(const Json& j, api::ChunkList& out) {
    auto d = j.find("delta");
    if (d == j.end() || !d->is_object()) return {};
    std::string type = api::str_or(*d, "type");
    if (type == "text_delta") {
      if (json_mode_) return {};
      if (auto tx = d->find("text"); tx != d->end() && tx->is_string()) emit_content(*tx, out);
      return {};
    }
    if (type == "thinking_delta") {  // shown as reasoning_content; signatures stay behind
      if (auto th = d->find("thinking");
          th != d->end() && th->is_string() && !th->get_ref<const std::string&>().empty()) {
        api::ChunkChoice ch;
        ch.reasoning = th->get<std::string>();
        emit_choice(std::move(ch), out);
      }
      return {};
    }
    if (type != "input_json_delta") return {};  // signature, citations: skipped
    auto pj = d->find("partial_json");
    if (pj == d->end() || !pj->is_string() || pj->get_ref<const std::string&>().empty()) return {};
    auto b = blocks_.find(api::int_or<int64_t>(j, "index", -1));
    if (b == blocks_.end()) return {};
    if (b->second.kind == Block::Kind::json_answer) {
      emit_content(*pj, out);
      return {};
    }
    api::ToolCallDelta td;
    td.index = b->second.tool_index;
    td.arguments = pj->get<std::string>();
    api::ChunkChoice ch;
    ch.tool_calls.push_back(std::move(td));
    emit_choice(std::move(ch), out);
    return {};
  }

  Result<void> on_message_delta(const Json& j, api::ChunkList& out) {
    if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
      usage_.update(*u);
      final_usage_ = true;
    }
    auto d = j.find("delta");
    if (finish_sent_ || d == j.end() || !d->is_object()) return {};
    auto sr = d->find("stop_reason");
    if (sr == d->end() || !sr->is_string()) return {};
    std::string reason = finish_reason_for(sr->get_ref<const std::string&>());
    // The forced response_format tool answered: to the client that is a plain stop.
    if (reason == "tool_calls" && json_mode_) reason = "stop";
    emit_role(out);
    emit_finish(std::move(reason), out);
    return {};
  }

  Result<void> on_message_stop(api::ChunkList& out) {
    emit_role(out);
    if (!finish_sent_) emit_finish("stop", out);
    if (auto u = usage()) {
      api::ChatChunk c = chunk();  // choices empty: the usage chunk
      c.usage = *u;
      out.push_back(std::move(c));
    }
    done_ = true;
    return {};
  }

  std::string provider_;
  bool json_mode_;
  std::string id_;
  int64_t created_;
  std::string model_;
  std::map<int64_t, Block> blocks_;
  int next_tool_ = 0;
  bool role_sent_ = false, finish_sent_ = false, json_answered_ = false, done_ = false;
  bool final_usage_ = false;
  RawUsage usage_;
  std::string finish_;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_decoder(const api::ChatRequest& req, const Target& t) {
  return std::make_unique<Decoder>(req, t);
}

}  // namespace gw::providers::anthropic
