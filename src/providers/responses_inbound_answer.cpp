// Responses API inbound, the answer side (responses_inbound.hpp): ChatResponse → response
// object, canonical stream chunks → Responses SSE events. Tool argument fragments are forwarded
// as they come, never parsed or re-cut, as the Anthropic inbound stream does.
#include <utility>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/inbound_reasoning.hpp"
#include "providers/responses_inbound.hpp"

namespace gw::providers::responses {
namespace {

using api::Json;

const api::ChunkChoice* first_choice(const api::ChatChunk& c) {
  for (const auto& ch : c.choices)
    if (ch.index == 0) return &ch;
  return nullptr;
}

// finish_reason → the response's status and incomplete_details.
std::pair<std::string_view, Json> status_for(std::string_view finish_reason) {
  if (finish_reason == "length") return {"incomplete", Json{{"reason", "max_output_tokens"}}};
  if (finish_reason == "content_filter") return {"incomplete", Json{{"reason", "content_filter"}}};
  return {"completed", nullptr};
}

Json text_part(std::string text) {
  return {{"type", "output_text"},
          {"text", std::move(text)},
          {"annotations", Json::array()},
          {"logprobs", Json::array()}};
}

Json reasoning_item(std::string id, std::string text) {
  Json summary = Json::array();
  if (!text.empty()) summary.push_back({{"type", "summary_text"}, {"text", std::move(text)}});
  return {{"id", std::move(id)}, {"type", "reasoning"}, {"summary", std::move(summary)}};
}

Json message_item(std::string id, std::string_view status, std::string text,
                  const std::string& refusal) {
  Json content = Json::array();
  if (!text.empty()) content.push_back(text_part(std::move(text)));
  if (!refusal.empty()) content.push_back({{"type", "refusal"}, {"refusal", refusal}});
  return {{"id", std::move(id)},
          {"type", "message"},
          {"status", status},
          {"role", "assistant"},
          {"content", std::move(content)}};
}

Json call_item(std::string id, std::string_view status, const std::string& call_id,
               const std::string& name, std::string arguments) {
  return {{"id", std::move(id)}, {"type", "function_call"},
          {"status", status},    {"call_id", call_id},
          {"name", name},        {"arguments", std::move(arguments)}};
}

// The response object around `output`, with the settings the request gave.
Json envelope(const ResponseHead& h, std::string_view status, Json output, Json usage,
              Json incomplete) {
  const Json empty = Json::object();
  const Json& s = h.call ? h.call->settings : empty;
  auto setting = [&](const char* k, Json fallback) {
    auto it = s.find(k);
    return it == s.end() ? fallback : *it;
  };
  return {{"id", h.id},
          {"object", "response"},
          {"created_at", h.created_at},
          {"status", status},
          {"error", nullptr},
          {"incomplete_details", std::move(incomplete)},
          {"instructions", setting("instructions", nullptr)},
          {"max_output_tokens", setting("max_output_tokens", nullptr)},
          {"model", h.model},
          {"output", std::move(output)},
          {"parallel_tool_calls", setting("parallel_tool_calls", true)},
          {"previous_response_id", h.call && !h.call->previous_response_id.empty()
                                       ? Json(h.call->previous_response_id)
                                       : Json(nullptr)},
          {"reasoning", setting("reasoning", Json{{"effort", nullptr}, {"summary", nullptr}})},
          {"store", h.stored},
          {"temperature", setting("temperature", nullptr)},
          {"text", setting("text", Json{{"format", {{"type", "text"}}}})},
          {"tool_choice", setting("tool_choice", "auto")},
          {"tools", setting("tools", Json::array())},
          {"top_p", setting("top_p", nullptr)},
          {"truncation", "disabled"},
          {"usage", std::move(usage)},
          {"user", setting("user", nullptr)},
          {"metadata", setting("metadata", Json::object())}};
}

}  // namespace

std::string new_response_id() {
  return "resp_" + random_alnum(48);
}

Json responses_usage(const std::optional<api::Usage>& u) {
  api::Usage v = u.value_or(api::Usage{});
  return {{"input_tokens", v.prompt_tokens},
          {"input_tokens_details", {{"cached_tokens", v.cached_tokens}}},
          {"output_tokens", v.completion_tokens},
          {"output_tokens_details", {{"reasoning_tokens", v.reasoning_tokens}}},
          {"total_tokens", v.prompt_tokens + v.completion_tokens}};
}

Json response_object(const ResponseHead& head, const api::ChatResponse& r) {
  Json output = Json::array();
  std::string_view finish;
  if (!r.choices.empty()) {
    const api::Choice& ch = r.choices.front();
    const api::Message& m = ch.message;
    finish = ch.finish_reason;
    if (std::string thought = reasoning_of(m); !thought.empty())
      output.push_back(reasoning_item("rs_" + random_alnum(32), std::move(thought)));
    std::string text = m.all_text();
    std::string refusal = m.refusal.value_or("");
    if (!text.empty() || !refusal.empty())
      output.push_back(
          message_item("msg_" + random_alnum(32), "completed", std::move(text), refusal));
    for (const auto& c : m.tool_calls)
      output.push_back(call_item("fc_" + random_alnum(32), "completed",
                                 c.id.empty() ? "call_" + random_alnum(24) : c.id, c.name,
                                 c.arguments));
  }
  auto [status, incomplete] = status_for(finish);
  return envelope(head, status, std::move(output), responses_usage(r.usage), std::move(incomplete));
}

std::string responses_error_body(const Error& e) {
  return api::error_body(e);
}

ResponsesStreamWriter::Item ResponsesStreamWriter::Item::make(Kind kind,
                                                              std::string_view id_prefix) {
  Item it;
  it.kind = kind;
  it.id = std::string(id_prefix) + random_alnum(32);
  return it;
}

ResponsesStreamWriter::ResponsesStreamWriter(ResponseHead head) : head_(std::move(head)) {}

std::string ResponsesStreamWriter::emit(std::string_view type, Json data) {
  data["type"] = type;
  data["sequence_number"] = seq_++;
  std::string s = "event: ";
  s += type;
  s += "\ndata: ";
  s += api::dump(data);
  s += "\n\n";
  return s;
}

Json ResponsesStreamWriter::object(std::string_view status) const {
  return envelope(head_, status, Json::array(), nullptr, nullptr);
}

std::string ResponsesStreamWriter::start() {
  if (started_) return {};
  started_ = true;
  std::string out = emit("response.created", {{"response", object("in_progress")}});
  out += emit("response.in_progress", {{"response", object("in_progress")}});
  return out;
}

Json ResponsesStreamWriter::item_json(const Item& it, bool final) const {
  std::string_view status = final ? "completed" : "in_progress";
  switch (it.kind) {
    case Kind::reasoning:
      return reasoning_item(it.id, final ? it.text : std::string());
    case Kind::message:
      return final ? message_item(it.id, status, it.text, it.refusal)
                   : message_item(it.id, status, {}, {});
    case Kind::call:
      return call_item(it.id, status, it.call_id, it.name, final ? it.text : std::string());
  }
  return nullptr;
}

std::string ResponsesStreamWriter::open(Item item) {
  items_.push_back(std::move(item));
  const Item& it = items_.back();
  int index = static_cast<int>(items_.size()) - 1;
  std::string out =
      emit("response.output_item.added", {{"output_index", index}, {"item", item_json(it, false)}});
  if (it.kind == Kind::reasoning)
    out += emit("response.reasoning_summary_part.added",
                {{"item_id", it.id},
                 {"output_index", index},
                 {"summary_index", 0},
                 {"part", {{"type", "summary_text"}, {"text", ""}}}});
  return out;
}

std::string ResponsesStreamWriter::close(Item& it) {
  if (it.done) return {};
  it.done = true;
  int index = static_cast<int>(&it - items_.data());
  std::string out;
  switch (it.kind) {
    case Kind::reasoning:
      out += emit(
          "response.reasoning_summary_text.done",
          {{"item_id", it.id}, {"output_index", index}, {"summary_index", 0}, {"text", it.text}});
      out += emit("response.reasoning_summary_part.done",
                  {{"item_id", it.id},
                   {"output_index", index},
                   {"summary_index", 0},
                   {"part", {{"type", "summary_text"}, {"text", it.text}}}});
      break;
    case Kind::message: {
      int part = 0;
      if (!it.text.empty()) {
        out += emit("response.output_text.done", {{"item_id", it.id},
                                                  {"output_index", index},
                                                  {"content_index", part},
                                                  {"text", it.text},
                                                  {"logprobs", Json::array()}});
        out += emit("response.content_part.done", {{"item_id", it.id},
                                                   {"output_index", index},
                                                   {"content_index", part},
                                                   {"part", text_part(it.text)}});
        ++part;
      }
      if (!it.refusal.empty()) {
        out += emit("response.refusal.done", {{"item_id", it.id},
                                              {"output_index", index},
                                              {"content_index", part},
                                              {"refusal", it.refusal}});
        out += emit("response.content_part.done",
                    {{"item_id", it.id},
                     {"output_index", index},
                     {"content_index", part},
                     {"part", {{"type", "refusal"}, {"refusal", it.refusal}}}});
      }
      break;
    }
    case Kind::call:
      out += emit(
          "response.function_call_arguments.done",
          {{"item_id", it.id}, {"output_index", index}, {"name", it.name}, {"arguments", it.text}});
      break;
  }
  out +=
      emit("response.output_item.done", {{"output_index", index}, {"item", item_json(it, true)}});
  return out;
}

std::string ResponsesStreamWriter::close_all() {
  std::string out;
  for (auto& it : items_) out += close(it);
  return out;
}

// The open item of this kind that is the newest item, so text after a tool call starts a new
// message item, as the model's turn reads.
ResponsesStreamWriter::Item* ResponsesStreamWriter::open_item(Kind kind) {
  if (items_.empty() || items_.back().done || items_.back().kind != kind) return nullptr;
  return &items_.back();
}

std::string ResponsesStreamWriter::on_chunk(const api::ChatChunk& c) {
  if (done_) return {};
  if (c.usage) usage_ = c.usage;
  std::string out = start();
  const api::ChunkChoice* ch = first_choice(c);
  if (!ch) return out;

  if (std::string thought = reasoning_of(c, *ch); !thought.empty()) {
    Item* it = open_item(Kind::reasoning);
    if (!it) {
      out += open(Item::make(Kind::reasoning, "rs_"));
      it = &items_.back();
    }
    it->text += thought;
    out += emit("response.reasoning_summary_text.delta", {{"item_id", it->id},
                                                          {"output_index", items_.size() - 1},
                                                          {"summary_index", 0},
                                                          {"delta", std::move(thought)}});
  }
  bool text = ch->content && !ch->content->empty();
  bool refusal = ch->refusal && !ch->refusal->empty();
  if (text || refusal) {
    Item* it = open_item(Kind::message);
    if (!it) {
      if (!items_.empty()) out += close(items_.back());
      out += open(Item::make(Kind::message, "msg_"));
      it = &items_.back();
    }
    size_t index = items_.size() - 1;
    if (text) {
      if (it->text.empty())
        out += emit("response.content_part.added", {{"item_id", it->id},
                                                    {"output_index", index},
                                                    {"content_index", 0},
                                                    {"part", text_part("")}});
      it->text += *ch->content;
      out += emit("response.output_text.delta", {{"item_id", it->id},
                                                 {"output_index", index},
                                                 {"content_index", 0},
                                                 {"delta", *ch->content},
                                                 {"logprobs", Json::array()}});
    }
    if (refusal) {
      int part = it->text.empty() ? 0 : 1;
      if (it->refusal.empty())
        out +=
            emit("response.content_part.added", {{"item_id", it->id},
                                                 {"output_index", index},
                                                 {"content_index", part},
                                                 {"part", {{"type", "refusal"}, {"refusal", ""}}}});
      it->refusal += *ch->refusal;
      out += emit("response.refusal.delta", {{"item_id", it->id},
                                             {"output_index", index},
                                             {"content_index", part},
                                             {"delta", *ch->refusal}});
    }
  }
  for (const auto& td : ch->tool_calls) {
    // A new call: another index, or another id (servers that repeat the id on every fragment
    // repeat the same one).
    Item* it = open_item(Kind::call);
    bool same = it && td.index == it->tool_index &&
                (td.id.empty() || it->call_id.empty() || td.id == it->call_id);
    if (!same) {
      if (!items_.empty()) out += close(items_.back());
      Item call = Item::make(Kind::call, "fc_");
      call.call_id = td.id.empty() ? "call_" + random_alnum(24) : td.id;
      call.name = td.name;
      call.tool_index = td.index;
      out += open(std::move(call));
      it = &items_.back();
    }
    if (it->name.empty()) it->name = td.name;
    if (td.arguments && !td.arguments->empty()) {
      it->text += *td.arguments;
      out += emit(
          "response.function_call_arguments.delta",
          {{"item_id", it->id}, {"output_index", items_.size() - 1}, {"delta", *td.arguments}});
    }
  }
  if (!ch->finish_reason.empty()) finish_ = ch->finish_reason;
  return out;
}

std::string ResponsesStreamWriter::finish(const std::optional<api::Usage>& usage,
                                          std::string_view finish_reason) {
  if (done_) return {};
  if (usage) usage_ = usage;
  std::string out = start();
  out += close_all();
  done_ = true;
  Json output = Json::array();
  for (const auto& it : items_) output.push_back(item_json(it, true));
  auto [status, incomplete] =
      status_for(finish_reason.empty() ? std::string_view(finish_) : finish_reason);
  final_ =
      envelope(head_, status, std::move(output), responses_usage(usage_), std::move(incomplete));
  out += emit(status == "completed" ? "response.completed" : "response.incomplete",
              {{"response", final_}});
  return out;
}

std::string ResponsesStreamWriter::error(const Error& e) {
  if (done_) return {};
  done_ = true;
  Json err = {{"code", e.code.empty() ? Json(e.type) : Json(e.code)},
              {"message", e.message},
              {"param", e.param.empty() ? Json(nullptr) : Json(e.param)}};
  return emit("error", std::move(err));
}

Json ResponsesStreamWriter::assistant_message() const {
  Json m = {{"role", "assistant"}, {"content", nullptr}};
  std::string text;
  Json calls = Json::array();
  for (const auto& it : items_) {
    if (it.kind == Kind::message) text += it.text;
    if (it.kind == Kind::call)
      calls.push_back({{"id", it.call_id},
                       {"type", "function"},
                       {"function", {{"name", it.name}, {"arguments", it.text}}}});
  }
  if (!text.empty()) m["content"] = std::move(text);
  if (!calls.empty()) m["tool_calls"] = std::move(calls);
  return m;
}

}  // namespace gw::providers::responses
