// Anthropic Messages: responses, SSE events, error bodies (gw's side: docs/PROTOCOLS.md §4.3).
#include "answer.hpp"
#include "dialects.hpp"
#include "faults.hpp"
#include "stream_writer.hpp"
#include "text_util.hpp"

namespace fake {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

void anthropic_error(Exchange& ex, int status, const std::string& type,
                     const std::string& message) {
  ojson body = {{"type", "error"},
                {"error", {{"type", type}, {"message", message}}},
                {"request_id", "req_fake" + std::to_string(ex.seq)}};
  send_json(ex.res, status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

namespace {

void add_headers(Exchange& ex) {
  ex.res.set_header("request-id", "req_fake" + std::to_string(ex.seq));
  ex.res.set_header("anthropic-ratelimit-requests-limit", "4000");
  ex.res.set_header("anthropic-ratelimit-requests-remaining", "3999");
  ex.res.set_header("anthropic-ratelimit-requests-reset", "2030-01-01T00:00:00Z");
  ex.res.set_header("anthropic-ratelimit-tokens-limit", "400000");
  ex.res.set_header("anthropic-ratelimit-tokens-remaining", "399000");
  ex.res.set_header("anthropic-ratelimit-tokens-reset", "2030-01-01T00:00:00Z");
}

// Text blocks only (tool results are counted for usage but are not "what the user said").
std::string user_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& block : content) {
    if (!block.is_object() || block.value("type", "") != "text") continue;
    if (!out.empty()) out += ' ';
    out += block.value("text", "");
  }
  return out;
}

int words_in_blocks(const json& content) {
  if (content.is_string()) return static_cast<int>(count_words(content.get<std::string>()));
  int n = 0;
  if (!content.is_array()) return n;
  for (const auto& block : content) {
    if (!block.is_object()) continue;
    std::string type = block.value("type", "");
    if (type == "text") n += static_cast<int>(count_words(block.value("text", "")));
    if (type == "tool_result" && block.contains("content")) n += words_in_blocks(block["content"]);
  }
  return n;
}

Conversation read_conversation(const json& body) {
  Conversation c;
  if (body.contains("system")) c.prompt_words += words_in_blocks(body["system"]);
  const json& messages = body.at("messages");
  for (const auto& m : messages) {
    if (m.contains("content")) c.prompt_words += words_in_blocks(m["content"]);
  }
  for (auto m = messages.rbegin(); m != messages.rend(); ++m) {
    if (m->value("role", "") != "user" || !m->contains("content")) continue;
    std::string text = user_text(m->at("content"));
    if (count_words(text) > 0) {
      c.last_user_text = std::move(text);
      break;
    }
  }
  // A forced tool (tool_choice {type: tool}) is the one the model calls, as the real one does.
  if (auto tc = body.find("tool_choice");
      tc != body.end() && tc->is_object() && tc->value("type", "") == "tool") {
    c.first_tool = tc->value("name", "");
    return c;
  }
  auto tools = body.find("tools");
  if (tools != body.end() && tools->is_array()) {
    for (const auto& t : *tools) {
      if (t.is_object() && t.contains("input_schema") && t.contains("name")) {
        c.first_tool = t.value("name", "");
        break;
      }
    }
  }
  return c;
}

const char* stop_reason(const Answer& a) {
  switch (a.finish) {
    case Finish::kLength:
      return "max_tokens";
    case Finish::kTool:
      return "tool_use";
    case Finish::kSafety:
      return "refusal";
    case Finish::kStop:
      break;
  }
  return "end_turn";
}

// input_tokens is the uncached part, so input + cache_read + cache_creation = the prompt.
ojson usage_json(const Answer& a, std::int64_t output_tokens) {
  return {{"input_tokens", a.prompt - a.cached - a.cache_creation},
          {"cache_creation_input_tokens", a.cache_creation},
          {"cache_read_input_tokens", a.cached},
          {"output_tokens", output_tokens}};
}

std::string tool_id(const Exchange& ex) {
  return "toolu_fake" + std::to_string(ex.seq);
}

void send_failure(Exchange& ex, int status) {
  if (status == 429 || status == 529 || ex.behavior.retry_after >= 0) {
    int s = ex.behavior.retry_after >= 0 ? ex.behavior.retry_after : 1;
    ex.res.set_header("retry-after", std::to_string(s));
  }
  switch (status) {
    case 400:
      return anthropic_error(ex, status, "invalid_request_error", "fake upstream: fail=400");
    case 401:
      return anthropic_error(ex, status, "authentication_error", "invalid x-api-key");
    case 402:
      return anthropic_error(ex, status, "billing_error",
                             "Your credit balance is too low to access the Anthropic API.");
    case 403:
      return anthropic_error(
          ex, status, "permission_error",
          "Your API key does not have permission to use the specified resource.");
    case 404:
      return anthropic_error(ex, status, "not_found_error", "model: " + ex.model);
    case 413:
      return anthropic_error(ex, status, "request_too_large",
                             "Request exceeds the maximum allowed number of bytes.");
    case 429:
      return anthropic_error(ex, status, "rate_limit_error",
                             "This request would exceed the rate limit for your organization of "
                             "50 requests per minute.");
    case 500:
      return anthropic_error(ex, status, "api_error", "Internal server error");
    case 503:
    case 529:
      return anthropic_error(ex, status, "overloaded_error", "Overloaded");
    case 504:
      return anthropic_error(ex, status, "timeout_error", "Request timed out");
    default:
      return anthropic_error(ex, status, status >= 500 ? "api_error" : "invalid_request_error",
                             "fake upstream: fail=" + std::to_string(status));
  }
}

// What the model "thought" with the think directive or thinking enabled.
constexpr const char* kThought = "Let me think about that.";
// What the model says after its tool call with the tail directive.
constexpr const char* kTail = "Anything else?";

void respond_json(Exchange& ex, const Answer& a) {
  if (ex.behavior.malformed) {
    send_json(ex.res, 200,
              R"({"id":"msg_fake)" + std::to_string(ex.seq) +
                  R"(","type":"message","role":"assistant","content":[{"type":"text","text":"Hel)");
    return;
  }
  ojson content = ojson::array();
  // think: a thinking block first, as extended thinking answers.
  if (ex.behavior.think)
    content.push_back({{"type", "thinking"}, {"thinking", kThought}, {"signature", "sig-fake"}});
  if (!a.text.empty()) content.push_back({{"type", "text"}, {"text", a.text}});
  if (a.tool) {
    content.push_back({{"type", "tool_use"},
                       {"id", tool_id(ex)},
                       {"name", a.tool_name},
                       {"input", ojson::parse(kToolArgs)}});
    if (ex.behavior.tail) content.push_back({{"type", "text"}, {"text", kTail}});
  }
  ojson body = {{"id", "msg_fake" + std::to_string(ex.seq)},
                {"type", "message"},
                {"role", "assistant"},
                {"model", ex.model},
                {"content", std::move(content)},
                {"stop_reason", stop_reason(a)},
                {"stop_sequence", nullptr}};
  if (!ex.behavior.nousage) {
    ojson usage = usage_json(a, a.completion);
    usage["service_tier"] = "standard";
    ex.usage = json(usage);
    body["usage"] = std::move(usage);
  }
  send_json(ex.res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

void respond_stream(Exchange& ex, const Answer& a) {
  const Behavior& b = ex.behavior;
  const std::string nl = b.crlf ? "\r\n" : "\n";
  StreamPlan plan;
  plan.pace_ms = b.pace_ms;
  plan.split = b.split;
  plan.cut = b.cut;
  plan.eof = b.eof;
  auto& ev = plan.events;
  auto event = [&](const char* name, const ojson& data, bool content = false, bool end = false) {
    ev.push_back({sse_event(name, data.dump(-1, ' ', false, json::error_handler_t::replace), nl),
                  content, end});
  };
  auto ping = [&] { ev.push_back({sse_event("ping", R"({"type": "ping"})", nl)}); };

  ojson message = {{"id", "msg_fake" + std::to_string(ex.seq)},
                   {"type", "message"},
                   {"role", "assistant"},
                   {"model", ex.model},
                   {"content", ojson::array()},
                   {"stop_reason", nullptr},
                   {"stop_sequence", nullptr}};
  if (!b.nousage) message["usage"] = usage_json(a, 1);  // output_tokens is a placeholder here
  event("message_start", {{"type", "message_start"}, {"message", std::move(message)}});

  int index = 0;
  bool pinged = false;
  if (b.think) {  // the thinking block, in two deltas, then its signature
    event("content_block_start",
          {{"type", "content_block_start"},
           {"index", index},
           {"content_block", {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}}});
    const std::string thought = kThought;
    for (const auto& piece : {thought.substr(0, 8), thought.substr(8)})
      event("content_block_delta",
            {{"type", "content_block_delta"},
             {"index", index},
             {"delta", {{"type", "thinking_delta"}, {"thinking", piece}}}},
            true);
    event("content_block_delta",
          {{"type", "content_block_delta"},
           {"index", index},
           {"delta", {{"type", "signature_delta"}, {"signature", "sig-fake"}}}});
    event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
    ++index;
  }
  if (!a.text.empty()) {
    event("content_block_start", {{"type", "content_block_start"},
                                  {"index", index},
                                  {"content_block", {{"type", "text"}, {"text", ""}}}});
    ping();
    pinged = true;
    for (const auto& piece : a.chunks) {
      event("content_block_delta",
            {{"type", "content_block_delta"},
             {"index", index},
             {"delta", {{"type", "text_delta"}, {"text", piece}}}},
            true);
    }
    event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
    ++index;
  }
  if (!pinged) ping();
  if (a.tool) {
    event("content_block_start", {{"type", "content_block_start"},
                                  {"index", index},
                                  {"content_block",
                                   {{"type", "tool_use"},
                                    {"id", tool_id(ex)},
                                    {"name", a.tool_name},
                                    {"input", ojson::object()}}}});
    // The real API often opens with an empty fragment; gw must not choke on it.
    event("content_block_delta",
          {{"type", "content_block_delta"},
           {"index", index},
           {"delta", {{"type", "input_json_delta"}, {"partial_json", ""}}}},
          true);
    for (auto frag : kToolArgFragments) {
      event("content_block_delta",
            {{"type", "content_block_delta"},
             {"index", index},
             {"delta", {{"type", "input_json_delta"}, {"partial_json", frag}}}},
            true);
    }
    event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
    ++index;
    if (b.tail) {
      event("content_block_start", {{"type", "content_block_start"},
                                    {"index", index},
                                    {"content_block", {{"type", "text"}, {"text", ""}}}});
      event("content_block_delta",
            {{"type", "content_block_delta"},
             {"index", index},
             {"delta", {{"type", "text_delta"}, {"text", kTail}}}},
            true);
      event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}});
    }
  }
  ojson delta = {{"type", "message_delta"},
                 {"delta", {{"stop_reason", stop_reason(a)}, {"stop_sequence", nullptr}}}};
  if (!b.nousage) {
    ojson usage = usage_json(a, a.completion);  // cumulative: the final totals
    if (!b.cut && !b.eof && !b.malformed && !b.midstream_error) ex.usage = json(usage);
    delta["usage"] = std::move(usage);
  }
  event("message_delta", delta, false, true);
  event("message_stop", {{"type", "message_stop"}});

  if (b.malformed) {
    truncate_after_first_content(
        ev, "event: content_block_delta" + nl +
                R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_del)" + nl +
                nl);
  } else if (b.midstream_error) {
    truncate_after_first_content(
        ev,
        sse_event("error",
                  R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
                  nl));
  }
  apply_stream_faults(ex, plan);
  send_stream(ex.res, "text/event-stream; charset=utf-8", std::move(plan));
}

}  // namespace

bool anthropic_check_auth(Exchange& ex) {
  std::string key = ex.header("x-api-key");
  if (key.empty()) {
    anthropic_error(ex, 401, "authentication_error", "x-api-key header is required");
    return false;
  }
  if (key == "bad-key") {
    anthropic_error(ex, 401, "authentication_error", "invalid x-api-key");
    return false;
  }
  if (ex.header("anthropic-version").empty()) {
    anthropic_error(ex, 400, "invalid_request_error", "anthropic-version: header is required");
    return false;
  }
  return true;
}

void anthropic_messages(Exchange& ex) {
  if (ex.body_is_object()) {
    auto it = ex.body.find("model");
    if (it != ex.body.end() && it->is_string()) ex.model = it->get<std::string>();
  }
  ex.behavior = parse_behavior(ex.model);
  stall_before_answer(ex);
  add_headers(ex);
  if (!anthropic_check_auth(ex) || !anthropic_validate(ex)) return;
  if (int status = failure_status(ex.behavior, ex.model)) return send_failure(ex, status);

  // Extended thinking asked for (and validated): the answer opens with a thinking block.
  if (auto th = ex.body.find("thinking");
      th != ex.body.end() && th->is_object() && th->value("type", "") == "enabled")
    ex.behavior.think = true;
  Answer a = make_answer(ex.behavior, read_conversation(ex.body), ex.body, "Let me check.");
  if (ex.body.value("stream", false))
    respond_stream(ex, a);
  else
    respond_json(ex, a);
}

// POST /v1/messages/count_tokens: the prompt as the fake counts it for usage (10 + words),
// refusing what the real endpoint refuses (max_tokens, stream).
void anthropic_count_tokens(Exchange& ex) {
  ex.behavior = parse_behavior("");
  add_headers(ex);
  if (!anthropic_check_auth(ex)) return;
  if (!ex.body_is_object() || !ex.body.contains("model") || !ex.body.contains("messages"))
    return anthropic_error(ex, 400, "invalid_request_error", "model and messages: Field required");
  for (const char* k : {"max_tokens", "stream", "temperature"})
    if (ex.body.contains(k))
      return anthropic_error(ex, 400, "invalid_request_error",
                             std::string(k) + ": Extra inputs are not permitted");
  ex.model = ex.body.value("model", "");
  ojson body = {{"input_tokens", 10 + read_conversation(ex.body).prompt_words}};
  send_json(ex.res, 200, body.dump());
}

void anthropic_models(Exchange& ex) {
  add_headers(ex);
  if (!anthropic_check_auth(ex)) return;
  auto model = [](const std::string& id, const std::string& name) {
    return ojson{{"type", "model"},
                 {"id", id},
                 {"display_name", name},
                 {"created_at", "2025-09-29T00:00:00Z"}};
  };
  const std::string prefix = "/v1/models/";
  if (ex.req.path.size() > prefix.size()) {
    std::string id = ex.req.path.substr(prefix.size());
    send_json(ex.res, 200, model(id, id).dump());
    return;
  }
  ojson body = {{"data", ojson::array({model("claude-sonnet-4-5", "Claude Sonnet 4.5"),
                                       model("claude-haiku-4-5", "Claude Haiku 4.5")})},
                {"has_more", false},
                {"first_id", "claude-sonnet-4-5"},
                {"last_id", "claude-haiku-4-5"}};
  send_json(ex.res, 200, body.dump());
}

}  // namespace fake
