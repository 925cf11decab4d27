// Gemini GenerateContentResponse and google.rpc errors → OpenAI shapes
// (docs/PROTOCOLS.md §6, §8.2, §8.4).
#include <array>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/gemini_translate.hpp"

namespace gw::providers::gemini {
namespace {

Error bad_upstream(const std::string& provider, std::string_view what) {
  return Error::upstream(502, provider + ": " + std::string(what), "bad_upstream_response");
}

// The google.rpc ErrorInfo reason / RetryInfo delay among an error's details.
struct Details {
  std::string reason;
  int retry_ms = -1;
};
Details read_details(const Json& err) {
  Details d;
  const Json* list = arr_of(err, "details");
  if (!list) return d;
  for (const auto& item : *list) {
    std::string type = api::str_or(item, "@type");
    if (type.ends_with("google.rpc.ErrorInfo") && d.reason.empty())
      d.reason = api::str_or(item, "reason");
    if (type.ends_with("google.rpc.RetryInfo"))
      d.retry_ms = net::parse_duration_ms(api::str_or(item, "retryDelay"));
  }
  return d;
}

UpstreamFailure failure_for_rpc_status(std::string_view status, int http_status) {
  static constexpr std::array<std::pair<std::string_view, UpstreamFailure>, 11> kMap = {{
      {"INVALID_ARGUMENT", UpstreamFailure::invalid_request},
      {"FAILED_PRECONDITION", UpstreamFailure::invalid_request},
      {"OUT_OF_RANGE", UpstreamFailure::invalid_request},
      {"UNAUTHENTICATED", UpstreamFailure::auth},
      {"PERMISSION_DENIED", UpstreamFailure::permission},
      {"NOT_FOUND", UpstreamFailure::not_found},
      {"RESOURCE_EXHAUSTED", UpstreamFailure::rate_limit},
      {"INTERNAL", UpstreamFailure::server},
      {"UNKNOWN", UpstreamFailure::server},
      {"UNAVAILABLE", UpstreamFailure::overloaded},
      {"DEADLINE_EXCEEDED", UpstreamFailure::timeout},
  }};
  for (const auto& [name, kind] : kMap)
    if (name == status) return kind;
  return failure_for_status(http_status);
}

}  // namespace

std::string map_finish_reason(std::string_view r) {
  if (r == "MAX_TOKENS") return "length";
  if (r == "SAFETY" || r == "RECITATION" || r == "LANGUAGE" || r == "OTHER" || r == "BLOCKLIST" ||
      r == "PROHIBITED_CONTENT" || r == "SPII" || r.starts_with("IMAGE_"))
    return "content_filter";
  // STOP, FINISH_REASON_UNSPECIFIED, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL,
  // TOO_MANY_TOOL_CALLS, NO_IMAGE and anything newer.
  return "stop";
}

std::optional<api::Usage> usage_from_gemini(const Json& m) {
  std::optional<int64_t> prompt, tool_prompt, cached, thoughts, candidates, total;
  if (!read_token_count(m, "promptTokenCount", prompt) ||
      !read_token_count(m, "toolUsePromptTokenCount", tool_prompt) ||
      !read_token_count(m, "cachedContentTokenCount", cached) ||
      !read_token_count(m, "thoughtsTokenCount", thoughts) ||
      !read_token_count(m, "candidatesTokenCount", candidates) ||
      !read_token_count(m, "totalTokenCount", total))
    return std::nullopt;
  api::Usage u;
  u.prompt_tokens = prompt.value_or(0) + tool_prompt.value_or(0);
  u.cached_tokens = cached.value_or(0);
  u.reasoning_tokens = thoughts.value_or(0);
  u.completion_tokens = candidates.value_or(0) + u.reasoning_tokens;
  u.total_tokens = total.value_or(0);
  if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return plausible_usage(u);
}

Json logprobs_from_gemini(const Json& candidate) {
  const Json* lr = obj_of(candidate, "logprobsResult");
  const Json* chosen = lr ? arr_of(*lr, "chosenCandidates") : nullptr;
  if (!chosen) return nullptr;
  const Json* tops = arr_of(*lr, "topCandidates");
  auto entry = [](const Json& c) {
    std::string token = api::str_or(c, "token");
    double lp = 0;
    if (auto it = c.find("logProbability"); it != c.end() && it->is_number()) lp = *it;
    Json bytes = Json::array();
    for (unsigned char b : token) bytes.push_back(static_cast<int>(b));
    return Json{{"token", token}, {"logprob", lp}, {"bytes", std::move(bytes)}};
  };
  Json content = Json::array();
  for (size_t i = 0; i < chosen->size(); ++i) {
    if (!(*chosen)[i].is_object()) continue;
    Json e = entry((*chosen)[i]);
    Json top = Json::array();
    if (tops && i < tops->size())
      if (const Json* alts = arr_of((*tops)[i], "candidates"))
        for (const auto& a : *alts)
          if (a.is_object()) top.push_back(entry(a));
    e["top_logprobs"] = std::move(top);
    content.push_back(std::move(e));
  }
  return Json{{"content", std::move(content)}, {"refusal", nullptr}};
}

api::ToolCall tool_call_from_part(const Json& part) {
  static const Json kEmpty = Json::object();
  const Json* fcp = obj_of(part, "functionCall");
  const Json& fc = fcp ? *fcp : kEmpty;
  api::ToolCall tc;
  tc.name = api::str_or(fc, "name");
  std::string id = api::str_or(fc, "id");
  if (id.empty()) id = new_tool_call_id();
  tc.id = join_tool_call_id(id, api::str_or(part, "thoughtSignature"));
  auto args = fc.find("args");
  tc.arguments = api::dump(args != fc.end() && args->is_object() ? *args : Json::object());
  return tc;
}

Result<api::ChatResponse> parse_response(std::string_view body, const Target& t) {
  const std::string& provider = t.provider->name;
  Json j = parse_upstream_json(body);
  if (j.is_discarded() || !j.is_object())
    return fail(bad_upstream(provider, "upstream sent invalid JSON"));
  if (obj_of(j, "error")) return fail(error_from_body(500, j, {}, *t.provider));
  api::ChatResponse r;
  r.id = new_completion_id();
  r.created = unix_now();
  r.model = api::str_or(j, "modelVersion", t.model);
  if (const Json* u = obj_of(j, "usageMetadata")) r.usage = usage_from_gemini(*u);
  const Json* candidates = arr_of(j, "candidates");
  if (!candidates || candidates->empty()) {
    const Json* fb = obj_of(j, "promptFeedback");
    if (!fb || api::str_or(*fb, "blockReason").empty())
      return fail(bad_upstream(provider, "upstream response has no candidates"));
    api::Choice c;  // blocked prompt: a valid, empty completion (docs/PROTOCOLS.md §6.1)
    c.message.role = "assistant";
    c.finish_reason = "content_filter";
    r.choices.push_back(std::move(c));
    return r;
  }
  for (size_t i = 0; i < candidates->size(); ++i) {
    const Json& cand = (*candidates)[i];
    if (!cand.is_object()) continue;
    api::Choice c;
    c.index = api::int_or<int>(cand, "index", static_cast<int>(i));
    c.message.role = "assistant";
    std::string text, thoughts;
    bool has_text = false;
    const Json* content = obj_of(cand, "content");
    const Json* parts = content ? arr_of(*content, "parts") : nullptr;
    static const Json kNoParts = Json::array();
    for (const auto& p : parts ? *parts : kNoParts) {
      if (!p.is_object()) continue;
      if (obj_of(p, "functionCall")) {
        c.message.tool_calls.push_back(tool_call_from_part(p));
      } else if (auto tx = p.find("text"); tx != p.end() && tx->is_string()) {
        // A thought summary (includeThoughts) is reasoning, never answer text.
        if (auto th = p.find("thought"); th != p.end() && *th == true) {
          thoughts += tx->get_ref<const std::string&>();
          continue;
        }
        text += tx->get_ref<const std::string&>();
        has_text = true;
      }
    }
    if (has_text && !text.empty()) {  // content stays null without text (docs/PROTOCOLS.md §6.1)
      c.message.kind = api::Message::ContentKind::text;
      c.message.text = std::move(text);
    }
    if (!thoughts.empty()) c.message.extra["reasoning_content"] = std::move(thoughts);
    c.finish_reason = map_finish_reason(api::str_or(cand, "finishReason", "STOP"));
    if (!c.message.tool_calls.empty() && c.finish_reason == "stop") c.finish_reason = "tool_calls";
    c.logprobs = logprobs_from_gemini(cand);
    r.choices.push_back(std::move(c));
  }
  if (r.choices.empty()) return fail(bad_upstream(provider, "upstream candidates are malformed"));
  return r;
}

Error error_from_body(int http_status, const Json& body, const net::Headers& headers,
                      const config::ProviderConfig& provider) {
  const Json* holder = &body;
  if (body.is_array() && !body.empty()) holder = &body[0];  // non-SSE streams wrap it
  const Json* err = obj_of(*holder, "error");
  std::string message = "upstream returned HTTP " + std::to_string(http_status);
  std::string status;
  Details d;
  if (err) {
    message = api::str_or(*err, "message", message);
    status = api::str_or(*err, "status");
    if (int code = api::int_or<int>(*err, "code", 0); code >= 400) http_status = code;
    d = read_details(*err);
  }
  UpstreamFailure kind = failure_for_rpc_status(status, http_status);
  // A bad key is gw's problem, not the caller's: Gemini answers 400 API_KEY_INVALID for a
  // wrong key and 403 for a missing one (docs/PROTOCOLS.md §8.2).
  if (d.reason.starts_with("API_KEY_")) kind = UpstreamFailure::auth;
  if (kind == UpstreamFailure::permission &&
      (provider.api_key.empty() || message.find("unregistered callers") != std::string::npos))
    kind = UpstreamFailure::auth;
  int retry_ms = d.retry_ms >= 0 ? d.retry_ms : net::retry_after_ms(headers);
  return upstream_error(kind, provider.name, message, retry_ms);
}

}  // namespace gw::providers::gemini
