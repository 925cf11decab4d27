// Bedrock Converse answer → OpenAI chat.completion; the stopReason and usage mappings the
// stream shares; AWS's error classes → OpenAI-shaped errors (docs/PROTOCOLS.md §14.4).
#include "api/json_codec.hpp"
#include "api/printable.hpp"
#include "providers/adapter_util.hpp"
#include "providers/bedrock_translate.hpp"

namespace gw::providers::bedrock {
namespace {

using api::Json;

Error bad_response(std::string_view provider, std::string_view what) {
  return Error::upstream(502, std::string(provider) + ": " + std::string(what),
                         "bad_upstream_response");
}

// "com.amazon.coral.validate#ValidationException" or "ValidationException:http://…" →
// "validationexception": the class name alone, in one case (streams spell it lowerCamel).
std::string class_name(std::string_view type) {
  if (auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
  if (auto hash = type.rfind('#'); hash != std::string_view::npos) type = type.substr(hash + 1);
  std::string out;
  for (char c : type) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  return out;
}

}  // namespace

std::string finish_reason_for(std::string_view stop_reason) {
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded")
    return "length";
  if (stop_reason == "tool_use") return "tool_calls";
  if (stop_reason == "content_filtered" || stop_reason == "guardrail_intervened")
    return "content_filter";
  return "stop";  // end_turn, stop_sequence, and anything new
}

std::optional<api::Usage> usage_from(const Json& usage) {
  if (!usage.is_object()) return std::nullopt;
  std::optional<int64_t> input, output, cache_read, cache_write;
  if (!read_token_count(usage, "inputTokens", input) ||
      !read_token_count(usage, "outputTokens", output) ||
      !read_token_count(usage, "cacheReadInputTokens", cache_read) ||
      !read_token_count(usage, "cacheWriteInputTokens", cache_write))
    return std::nullopt;
  if (!input && !output) return std::nullopt;
  api::Usage u;
  u.cached_tokens = cache_read.value_or(0);
  u.cache_write_tokens = cache_write.value_or(0);
  // Every input token, cached ones included: inputTokens is only the uncached part, as
  // Anthropic's input_tokens is (docs/PROTOCOLS.md §6.3).
  u.prompt_tokens = input.value_or(0) + u.cached_tokens + u.cache_write_tokens;
  u.completion_tokens = output.value_or(0);
  u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return plausible_usage(u);
}

Error error_for(int status, std::string_view type, std::string_view message,
                std::string_view provider, int retry_after_ms) {
  const std::string c = class_name(type);
  UpstreamFailure kind = status > 0 ? failure_for_status(status) : UpstreamFailure::server;
  if (c == "throttlingexception" || c == "servicequotaexceededexception" ||
      c == "toomanyrequestsexception")
    kind = UpstreamFailure::rate_limit;
  else if (c == "validationexception" || c == "serializationexception")
    kind = UpstreamFailure::invalid_request;
  else if (c == "accessdeniedexception" || c == "unrecognizedclientexception" ||
           c == "invalidsignatureexception" || c == "expiredtokenexception" ||
           c == "incompletesignatureexception" || c == "missingauthenticationtokenexception" ||
           c == "invalidclienttokenidexception" || c == "signaturedoesnotmatchexception")
    kind = UpstreamFailure::auth;  // gw's own AWS credentials: not the client's fault
  else if (c == "resourcenotfoundexception")
    kind = UpstreamFailure::not_found;
  else if (c == "modelnotreadyexception" || c == "serviceunavailableexception")
    kind = UpstreamFailure::overloaded;
  else if (c == "modeltimeoutexception")
    kind = UpstreamFailure::timeout;
  else if (c == "internalserverexception" || c == "modelerrorexception" ||
           c == "modelstreamerrorexception")
    kind = UpstreamFailure::server;
  std::string text(message);
  if (text.empty())
    text =
        status > 0 ? "upstream returned HTTP " + std::to_string(status) : "upstream stream error";
  if (!type.empty()) text = std::string(type.substr(0, type.find(':'))) + ": " + text;
  return upstream_error(kind, provider, api::printable(text, 1024), retry_after_ms);
}

Error error_from_response(int status, std::string_view body, const net::Headers& headers,
                          std::string_view provider) {
  Json j = parse_upstream_json(body);
  std::string type(net::header_value(headers, "x-amzn-errortype"));
  std::string message;
  if (j.is_object()) {
    if (type.empty()) type = api::str_or(j, "__type");
    message = api::str_or(j, "message");
    if (message.empty()) message = api::str_or(j, "Message");
  }
  return error_for(status, type, message, provider, net::retry_after_ms(headers));
}

Result<api::ChatResponse> response_from_body(std::string_view body, const Target& t) {
  const std::string& provider = t.provider->name;
  Json j = parse_upstream_json(body);
  if (j.is_discarded()) return fail(bad_response(provider, "upstream sent invalid JSON"));
  const Json* content = nullptr;
  if (j.is_object())
    if (auto o = j.find("output"); o != j.end() && o->is_object())
      if (auto m = o->find("message"); m != o->end() && m->is_object())
        if (auto c = m->find("content"); c != m->end() && c->is_array()) content = &*c;
  if (!content) return fail(bad_response(provider, "upstream response is not a Converse answer"));

  api::ChatResponse r;
  r.id = new_completion_id();
  r.created = unix_now();
  r.model = t.model;
  api::Choice choice;
  choice.message.role = "assistant";
  std::string text, reasoning;
  std::optional<std::string> json_answer;
  for (const auto& block : *content) {
    if (!block.is_object()) continue;
    if (auto tx = block.find("text"); tx != block.end() && tx->is_string()) {
      text += tx->get<std::string>();
    } else if (auto tu = block.find("toolUse"); tu != block.end() && tu->is_object()) {
      std::string name = api::str_or(*tu, "name");
      Json input = tu->contains("input") ? (*tu)["input"] : Json::object();
      if (name == kJsonToolName && !json_answer) {  // the response_format answer
        json_answer = api::dump(input);
        continue;
      }
      api::ToolCall call;
      call.id = api::str_or(*tu, "toolUseId");
      if (call.id.empty()) call.id = new_tool_call_id();
      call.name = std::move(name);
      call.arguments = api::dump(input);
      choice.message.tool_calls.push_back(std::move(call));
    } else if (auto rc = block.find("reasoningContent"); rc != block.end() && rc->is_object()) {
      if (auto rt = rc->find("reasoningText"); rt != rc->end() && rt->is_object())
        reasoning += api::str_or(*rt, "text");  // shown as reasoning_content
    }  // images, documents, guard content: not content an OpenAI client reads
  }
  if (json_answer) {
    choice.message.kind = api::Message::ContentKind::text;
    choice.message.text = *json_answer;
    choice.message.tool_calls.clear();
  } else if (!text.empty()) {
    choice.message.kind = api::Message::ContentKind::text;
    choice.message.text = std::move(text);
  }
  if (!reasoning.empty()) choice.message.extra["reasoning_content"] = std::move(reasoning);
  choice.finish_reason = finish_reason_for(api::str_or(j, "stopReason"));
  if (json_answer && choice.finish_reason == "tool_calls") choice.finish_reason = "stop";
  r.choices.push_back(std::move(choice));
  if (auto u = j.find("usage"); u != j.end()) r.usage = usage_from(*u);
  return r;
}

}  // namespace gw::providers::bedrock
