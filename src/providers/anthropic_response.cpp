// Anthropic Message → OpenAI chat.completion, error bodies → OpenAI-shaped errors, and the
// stop_reason / usage mappings the stream decoder shares (docs/PROTOCOLS.md §6, §8.2).
#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/anthropic_translate.hpp"

namespace gw::providers::anthropic {
namespace {

using api::Json;

Error bad_response(std::string_view provider, std::string_view what) {
  return Error::upstream(502, std::string(provider) + ": " + std::string(what),
                         "bad_upstream_response");
}

}  // namespace

std::string finish_reason_for(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded")
    return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, and anything new
}

void RawUsage::update(const Json& usage) {
  if (!usage.is_object()) return;
  absurd = absurd || !read_token_count(usage, "input_tokens", input) ||
           !read_token_count(usage, "output_tokens", output) ||
           !read_token_count(usage, "cache_read_input_tokens", cache_read) ||
           !read_token_count(usage, "cache_creation_input_tokens", cache_creation);
}

std::optional<api::Usage> RawUsage::reported() const {
  if (absurd) return std::nullopt;
  return plausible_usage(to_openai());
}

api::Usage RawUsage::to_openai() const {
  api::Usage u;
  u.cached_tokens = cache_read.value_or(0);
  u.cache_write_tokens = cache_creation.value_or(0);
  // Every input token, cached ones included: input is only the uncached part
  // (docs/PROTOCOLS.md §6.3).
  u.prompt_tokens = input.value_or(0) + u.cached_tokens + u.cache_write_tokens;
  u.completion_tokens = output.value_or(0);
  u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return u;
}

Error error_from_body(int status, const Json& body, std::string_view provider, int retry_after_ms) {
  std::string message =
      status > 0 ? "upstream returned HTTP " + std::to_string(status) : "upstream stream error";
  std::string type;
  if (body.is_object()) {
    if (auto e = body.find("error"); e != body.end() && e->is_object()) {
      if (auto m = e->find("message"); m != e->end() && m->is_string()) message = *m;
      if (auto t = e->find("type"); t != e->end() && t->is_string()) type = *t;
    } else if (auto m = body.find("message"); m != body.end() && m->is_string()) {
      message = *m;
    }
  }
  UpstreamFailure kind = status > 0 ? failure_for_status(status) : UpstreamFailure::server;
  if (type == "invalid_request_error")
    kind = UpstreamFailure::invalid_request;
  else if (type == "authentication_error")
    kind = UpstreamFailure::auth;
  else if (type == "permission_error")
    kind = UpstreamFailure::permission;
  else if (type == "not_found_error")
    kind = UpstreamFailure::not_found;
  else if (type == "request_too_large")
    kind = UpstreamFailure::too_large;
  else if (type == "rate_limit_error")
    kind = UpstreamFailure::rate_limit;
  else if (type == "billing_error")
    kind = UpstreamFailure::quota;
  else if (type == "api_error")
    kind = UpstreamFailure::server;
  else if (type == "overloaded_error")
    kind = UpstreamFailure::overloaded;
  else if (type == "timeout_error")
    kind = UpstreamFailure::timeout;
  // The status is authoritative where it is unambiguous: a 401 is always gw's own key, and
  // a 413 comes from the CDN with whatever body it likes.
  if (status == 401) kind = UpstreamFailure::auth;
  if (status == 413) kind = UpstreamFailure::too_large;
  return upstream_error(kind, provider, message, retry_after_ms);
}

Result<api::ChatResponse> response_from_body(std::string_view body, const Target& t) {
  const std::string& provider = t.provider->name;
  Json j = parse_upstream_json(body);
  if (j.is_discarded()) return fail(bad_response(provider, "upstream sent invalid JSON"));
  if (!j.is_object()) return fail(bad_response(provider, "upstream response is not a message"));
  if (api::str_or(j, "type") == "error") return fail(error_from_body(0, j, provider, -1));
  auto content = j.find("content");
  if (content == j.end() || !content->is_array())
    return fail(bad_response(provider, "upstream response is not a message"));

  api::ChatResponse r;
  r.id = new_completion_id();
  r.created = unix_now();
  r.model = j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>() : t.model;

  api::Choice choice;
  choice.message.role = "assistant";
  std::string text, thinking;
  bool has_text = false;
  std::optional<std::string> json_answer;
  for (const auto& block : *content) {
    if (!block.is_object()) continue;
    std::string type = api::str_or(block, "type");
    if (type == "text") {
      if (auto tx = block.find("text"); tx != block.end() && tx->is_string()) {
        text += tx->get<std::string>();
        has_text = true;
      }
    } else if (type == "tool_use") {
      std::string name = api::str_or(block, "name");
      Json input = block.contains("input") ? block["input"] : Json::object();
      // parse_response does not see the request: the forced response_format tool is known
      // by its reserved name.
      if (name == kJsonToolName && !json_answer) {
        json_answer = api::dump(input);
        continue;
      }
      api::ToolCall call;
      call.id = api::str_or(block, "id");
      if (call.id.empty()) call.id = new_tool_call_id();
      call.name = std::move(name);
      call.arguments = api::dump(input);
      choice.message.tool_calls.push_back(std::move(call));
    } else if (type == "thinking") {  // shown as reasoning_content, as reasoning servers do
      if (auto th = block.find("thinking"); th != block.end() && th->is_string())
        thinking += th->get<std::string>();
    }  // redacted_thinking, server tool blocks: not content
  }
  if (json_answer) {  // the answer is the tool's input alone: text and other calls dropped
    choice.message.kind = api::Message::ContentKind::text;
    choice.message.text = *json_answer;
    choice.message.tool_calls.clear();
  } else if (has_text && !text.empty()) {
    choice.message.kind = api::Message::ContentKind::text;
    choice.message.text = std::move(text);
  }
  if (!thinking.empty()) choice.message.extra["reasoning_content"] = std::move(thinking);
  std::string stop = j.contains("stop_reason") && j["stop_reason"].is_string()
                         ? j["stop_reason"].get<std::string>()
                         : "";
  choice.finish_reason = finish_reason_for(stop);
  if (json_answer && choice.finish_reason == "tool_calls") choice.finish_reason = "stop";
  r.choices.push_back(std::move(choice));

  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    RawUsage raw;
    raw.update(*u);
    r.usage = raw.reported();
  }
  return r;
}

}  // namespace gw::providers::anthropic
