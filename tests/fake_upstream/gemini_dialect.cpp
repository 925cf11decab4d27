// Gemini generateContent / streamGenerateContent: responses, SSE (CRLF) or JSON-array
// streams, google.rpc error bodies (gw's side: docs/PROTOCOLS.md §4.4).
#include "answer.hpp"
#include "dialects.hpp"
#include "faults.hpp"
#include "stream_writer.hpp"
#include "text_util.hpp"

namespace fake {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

const char* status_name(int code) {
  switch (code) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 500:
      return "INTERNAL";
    case 501:
      return "NOT_IMPLEMENTED";
    case 503:
    case 529:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

ojson error_object(int status, const std::string& message, const ojson& details) {
  ojson err = {{"code", status}, {"message", message}, {"status", status_name(status)}};
  if (!details.empty()) err["details"] = details;
  return {{"error", std::move(err)}};
}

}  // namespace

std::string to_camel(std::string_view name) {
  std::string out;
  bool up = false;
  for (char c : name) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    up = false;
  }
  return out;
}

const json* gemini_field(const json& obj, std::string_view camel) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(camel);
  if (it != obj.end()) return &*it;
  std::string snake;
  for (char c : camel) {
    if (c >= 'A' && c <= 'Z') {
      snake += '_';
      snake += static_cast<char>(c - 'A' + 'a');
    } else {
      snake += c;
    }
  }
  it = obj.find(snake);
  return it != obj.end() ? &*it : nullptr;
}

void gemini_error(Exchange& ex, int status, const std::string& message, ojson details) {
  // Google pretty-prints its errors; gw must not rely on one-line bodies.
  send_json(ex.res, status, dump_pretty(error_object(status, message, details)) + "\n",
            "application/json; charset=UTF-8");
}

namespace {

std::string parts_text(const json& content) {
  std::string out;
  const json* parts = gemini_field(content, "parts");
  if (!parts || !parts->is_array()) return out;
  for (const auto& part : *parts) {
    const json* t = gemini_field(part, "text");
    if (!t || !t->is_string()) continue;
    if (!out.empty()) out += ' ';
    out += t->get<std::string>();
  }
  return out;
}

int prompt_words(const json& content) {
  int n = static_cast<int>(count_words(parts_text(content)));
  const json* parts = gemini_field(content, "parts");
  if (!parts || !parts->is_array()) return n;
  for (const auto& part : *parts) {
    const json* fr = gemini_field(part, "functionResponse");
    const json* resp = fr ? gemini_field(*fr, "response") : nullptr;
    if (resp) n += static_cast<int>(count_words_in_strings(*resp));
  }
  return n;
}

Conversation read_conversation(const json& body) {
  Conversation c;
  if (const json* sys = gemini_field(body, "systemInstruction"))
    c.prompt_words += prompt_words(*sys);
  const json& contents = *gemini_field(body, "contents");
  for (const auto& content : contents) c.prompt_words += prompt_words(content);
  for (auto it = contents.rbegin(); it != contents.rend(); ++it) {
    if (it->value("role", "user") != "user") continue;
    std::string text = parts_text(*it);
    if (count_words(text) > 0) {
      c.last_user_text = std::move(text);
      break;
    }
  }
  if (const json* tools = gemini_field(body, "tools"); tools && tools->is_array()) {
    for (const auto& t : *tools) {
      const json* decls = gemini_field(t, "functionDeclarations");
      if (decls && decls->is_array() && !decls->empty()) {
        c.first_tool = decls->front().value("name", "");
        break;
      }
    }
  }
  return c;
}

const char* finish_reason(const Answer& a) {
  switch (a.finish) {
    case Finish::kLength:
      return "MAX_TOKENS";
    case Finish::kSafety:
      return "SAFETY";
    case Finish::kTool:
    case Finish::kStop:
      break;
  }
  return "STOP";  // function calls end with STOP too
}

// Cumulative usage: `candidates` is the output counted so far.
ojson usage_json(const Answer& a, std::int64_t candidates) {
  ojson u = {{"promptTokenCount", a.prompt}};
  if (candidates > 0) u["candidatesTokenCount"] = candidates;
  u["totalTokenCount"] = a.prompt + candidates + a.reasoning;
  if (a.cached) u["cachedContentTokenCount"] = a.cached;
  u["promptTokensDetails"] = ojson::array({{{"modality", "TEXT"}, {"tokenCount", a.prompt}}});
  if (a.reasoning) u["thoughtsTokenCount"] = a.reasoning;
  return u;
}

ojson safety_ratings(bool blocked) {
  ojson r = {{"category", "HARM_CATEGORY_DANGEROUS_CONTENT"}, {"probability", "HIGH"}};
  if (blocked) r["blocked"] = true;
  return ojson::array({r});
}

ojson function_call_part(const Exchange& ex, const Answer& a) {
  return {{"functionCall",
           {{"name", a.tool_name},
            {"args", ojson::parse(kToolArgs)},
            {"id", "fakecall" + std::to_string(ex.seq)}}},
          {"thoughtSignature", kGeminiThoughtSignature}};
}

// One GenerateContentResponse; `candidate` null means a blocked prompt (no candidates).
ojson response(const Exchange& ex, const Answer& a, ojson candidate,
               std::int64_t candidates_so_far) {
  ojson r = ojson::object();
  if (candidate.is_null()) {
    r["promptFeedback"] = {{"blockReason", "SAFETY"}, {"safetyRatings", safety_ratings(true)}};
  } else {
    r["candidates"] = ojson::array({std::move(candidate)});
  }
  if (!ex.behavior.nousage) r["usageMetadata"] = usage_json(a, candidates_so_far);
  r["modelVersion"] = ex.model;
  r["responseId"] = "fake" + std::to_string(ex.seq);
  return r;
}

// The thought summary a thinking request with includeThoughts gets before the answer.
constexpr const char* kThought = "Let me think about that.";

// generationConfig.thinkingConfig (validated): does the model think, and show its thoughts?
struct Thinking {
  bool on = false, shown = false;
};
Thinking thinking_of(const json& body) {
  Thinking t;
  const json* gc = gemini_field(body, "generationConfig");
  const json* tc = gc ? gemini_field(*gc, "thinkingConfig") : nullptr;
  if (!tc || !tc->is_object()) return t;
  const json* budget = gemini_field(*tc, "thinkingBudget");
  t.on = gemini_field(*tc, "thinkingLevel") || (budget && *budget != 0);
  const json* include = gemini_field(*tc, "includeThoughts");
  t.shown = t.on && include && *include == true;
  return t;
}

ojson thought_candidate() {
  return {{"content",
           {{"parts", ojson::array({{{"text", kThought}, {"thought", true}}})}, {"role", "model"}}},
          {"index", 0}};
}

// Puts the thought part first in a candidate's parts.
void add_thought(ojson& candidate) {
  auto& parts = candidate["content"]["parts"];
  parts.insert(parts.begin(), ojson{{"text", kThought}, {"thought", true}});
}

ojson text_candidate(const std::string& text, const char* finish) {
  ojson c = {{"content", {{"parts", ojson::array({{{"text", text}}})}, {"role", "model"}}}};
  if (finish) c["finishReason"] = finish;
  c["index"] = 0;
  return c;
}

void send_failure(Exchange& ex, int status) {
  ojson details = ojson::array();
  std::string message;
  switch (status) {
    case 400:
      message = "Request contains an invalid argument.";
      break;
    case 401:
      message = "Request had invalid authentication credentials.";
      break;
    case 403:
      message = "The caller does not have permission";
      break;
    case 404:
      message = "models/" + ex.model +
                " is not found for API version v1beta, or is not "
                "supported for generateContent.";
      break;
    case 429: {
      message = "You exceeded your current quota, please check your plan and billing details.";
      int s = ex.behavior.retry_after >= 0 ? ex.behavior.retry_after : 1;
      details.push_back(
          {{"@type", "type.googleapis.com/google.rpc.QuotaFailure"},
           {"violations", ojson::array({{{"quotaMetric",
                                          "generativelanguage."
                                          "googleapis.com/"
                                          "generate_content_free_"
                                          "tier_requests"},
                                         {"quotaId", "GenerateRequestsPerMinute"}}})}});
      details.push_back({{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                         {"retryDelay", std::to_string(s) + "s"}});
      break;
    }
    case 500:
      message = "An internal error has occurred. Please retry or report.";
      break;
    case 503:
    case 529:
      message = "The model is overloaded. Please try again later.";
      break;
    case 504:
      message = "The request timed out. Please try again.";
      break;
    default:
      message = "fake upstream: fail=" + std::to_string(status);
  }
  if (status != 429 && ex.behavior.retry_after >= 0)
    details.push_back({{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                       {"retryDelay", std::to_string(ex.behavior.retry_after) + "s"}});
  gemini_error(ex, status, message, std::move(details));
}

void respond_json(Exchange& ex, const Answer& a, bool thoughts) {
  const Behavior& b = ex.behavior;
  if (b.malformed) {
    send_json(ex.res, 200, "{\n  \"candidates\": [\n    {\n      \"content\": {\n        \"parts",
              "application/json; charset=UTF-8");
    return;
  }
  ojson body;
  if (b.block) {
    body = response(ex, a, nullptr, 0);
  } else if (a.finish == Finish::kSafety) {
    body = response(
        ex, a, {{"finishReason", "SAFETY"}, {"index", 0}, {"safetyRatings", safety_ratings(true)}},
        0);
  } else if (a.tool) {
    ojson c = {
        {"content", {{"parts", ojson::array({function_call_part(ex, a)})}, {"role", "model"}}},
        {"finishReason", "STOP"},
        {"index", 0},
        {"finishMessage", "Model generated function call(s)."}};
    if (thoughts) add_thought(c);
    body = response(ex, a, std::move(c), a.completion);
  } else {
    ojson c = text_candidate(a.text, finish_reason(a));
    if (thoughts) add_thought(c);
    body = response(ex, a, std::move(c), a.completion);
  }
  if (body.contains("usageMetadata")) ex.usage = json(body["usageMetadata"]);
  send_json(ex.res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace),
            "application/json; charset=UTF-8");
}

struct Piece {
  std::string json;
  bool content = false;
  bool end = false;
};

void respond_stream(Exchange& ex, const Answer& a, bool sse, bool thoughts) {
  const Behavior& b = ex.behavior;
  auto s = [](const ojson& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  std::vector<Piece> pieces;
  // The thought summary streams first, in an event of its own, as Gemini sends it.
  if (thoughts && !b.block && a.finish != Finish::kSafety)
    pieces.push_back({s(response(ex, a, thought_candidate(), 0)), true, false});
  ojson last;
  if (b.block) {
    last = response(ex, a, nullptr, 0);
    pieces.push_back({s(last), false, true});
  } else if (a.finish == Finish::kSafety) {
    last = response(
        ex, a, {{"finishReason", "SAFETY"}, {"index", 0}, {"safetyRatings", safety_ratings(true)}},
        0);
    pieces.push_back({s(last), false, true});
  } else if (a.tool) {
    ojson c = {
        {"content", {{"parts", ojson::array({function_call_part(ex, a)})}, {"role", "model"}}},
        {"index", 0}};
    pieces.push_back({s(response(ex, a, std::move(c), a.completion)), true, false});
    ojson fin = text_candidate("", "STOP");
    fin["finishMessage"] = "Model generated function call(s).";
    last = response(ex, a, std::move(fin), a.completion);
    pieces.push_back({s(last), false, true});
  } else {
    // Words of the text so far, counted piece by piece (huge= streams have thousands).
    std::int64_t words = 0;
    bool in_word = false;
    for (const auto& piece : a.chunks) {
      bool joins = in_word && !piece.empty() && count_words(piece.substr(0, 1)) == 1;
      words += static_cast<std::int64_t>(count_words(piece)) - (joins ? 1 : 0);
      if (!piece.empty()) in_word = count_words(piece.substr(piece.size() - 1)) == 1;
      pieces.push_back({s(response(ex, a, text_candidate(piece, nullptr), words)), true, false});
    }
    last = response(ex, a, text_candidate("", finish_reason(a)), a.completion);
    pieces.push_back({s(last), false, true});
  }
  if (!b.cut && !b.eof && !b.malformed && !b.midstream_error && last.contains("usageMetadata"))
    ex.usage = json(last["usageMetadata"]);

  StreamPlan plan;
  plan.pace_ms = b.pace_ms;
  plan.split = b.split;
  plan.cut = b.cut;
  plan.eof = b.eof;
  // SSE always uses CRLF here; without alt=sse the stream is one JSON array.
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    std::string bytes =
        sse ? sse_data(pieces[i].json, "\r\n") : (i == 0 ? "[" : ",\r\n") + pieces[i].json;
    if (!sse && i + 1 == pieces.size()) bytes += "]";
    plan.events.push_back({std::move(bytes), pieces[i].content, pieces[i].end});
  }
  if (b.malformed) {
    std::string broken = R"({"candidates": [{"content": {"parts": [{"text": "brok)";
    truncate_after_first_content(plan.events,
                                 sse ? "data: " + broken + "\r\n\r\n" : ",\r\n" + broken);
  } else if (b.midstream_error) {
    std::string err = dump_pretty(
        error_object(503, "The model is overloaded. Please try again later.", ojson::array()));
    truncate_after_first_content(plan.events, sse ? err + "\n" : ",\r\n" + err + "]");
  }
  apply_stream_faults(ex, plan);
  send_stream(ex.res, sse ? "text/event-stream" : "application/json; charset=UTF-8",
              std::move(plan));
}

}  // namespace

bool gemini_check_auth(Exchange& ex) {
  std::string key = ex.header("x-goog-api-key");
  if (key.empty()) key = ex.query_value("key");
  if (key.empty()) {
    gemini_error(ex, 403,
                 "Method doesn't allow unregistered callers (callers without established "
                 "identity). Please use API Key or other form of API consumer identity to call "
                 "this API.");
    return false;
  }
  if (key == "bad-key") {
    ojson details =
        ojson::array({{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                       {"reason", "API_KEY_INVALID"},
                       {"domain", "googleapis.com"},
                       {"metadata", {{"service", "generativelanguage.googleapis.com"}}}},
                      {{"@type", "type.googleapis.com/google.rpc.LocalizedMessage"},
                       {"locale", "en-US"},
                       {"message", "API key not valid. Please pass a valid API key."}}});
    gemini_error(ex, 400, "API key not valid. Please pass a valid API key.", std::move(details));
    return false;
  }
  return true;
}

void gemini_generate(Exchange& ex, bool stream) {
  ex.behavior = parse_behavior(ex.model);
  stall_before_answer(ex);
  if (!gemini_check_auth(ex) || !gemini_validate(ex)) return;
  if (int status = failure_status(ex.behavior, ex.model)) return send_failure(ex, status);

  // A thinking request thinks (thoughtsTokenCount) and, with includeThoughts, says so.
  Thinking thinking = thinking_of(ex.body);
  if (thinking.on) ex.behavior.think = true;
  Answer a = make_answer(ex.behavior, read_conversation(ex.body), ex.body, "");
  if (stream)
    respond_stream(ex, a, ex.query_value("alt") == "sse", thinking.shown);
  else
    respond_json(ex, a, thinking.shown);
}

void gemini_models(Exchange& ex, std::string_view one_model) {
  if (!gemini_check_auth(ex)) return;
  auto model = [](std::string_view id) {
    std::string name(id);
    if (!name.starts_with("models/")) name = "models/" + name;
    return ojson{{"name", name},
                 {"displayName", name.substr(7)},
                 {"inputTokenLimit", 1048576},
                 {"outputTokenLimit", 65536},
                 {"supportedGenerationMethods", ojson::array({"generateContent", "countTokens"})}};
  };
  if (!one_model.empty()) {
    send_json(ex.res, 200, model(one_model).dump(), "application/json; charset=UTF-8");
    return;
  }
  ojson body = {{"models", ojson::array({model("gemini-2.5-flash"), model("gemini-2.5-pro")})}};
  send_json(ex.res, 200, body.dump(), "application/json; charset=UTF-8");
}

}  // namespace fake
