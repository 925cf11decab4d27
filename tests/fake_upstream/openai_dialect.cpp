// OpenAI Chat Completions: responses, SSE chunks, error bodies (gw's side of it:
// docs/PROTOCOLS.md §4.2).
#include <cstdint>
#include <ctime>

#include "answer.hpp"
#include "dialects.hpp"
#include "faults.hpp"
#include "stream_writer.hpp"
#include "text_util.hpp"

namespace fake {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

void openai_error(Exchange& ex, int status, const std::string& message, const std::string& type,
                  const json& param, const json& code) {
  ojson body = {
      {"error", {{"message", message}, {"type", type}, {"param", param}, {"code", code}}}};
  send_json(ex.res, status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

namespace {

void add_headers(Exchange& ex) {
  ex.res.set_header("x-request-id", "req_fake" + std::to_string(ex.seq));
  ex.res.set_header("openai-version", "2020-10-01");
  ex.res.set_header("openai-processing-ms", "1");
  ex.res.set_header("x-ratelimit-limit-requests", "10000");
  ex.res.set_header("x-ratelimit-remaining-requests", "9999");
  ex.res.set_header("x-ratelimit-reset-requests", "6ms");
  ex.res.set_header("x-ratelimit-limit-tokens", "30000000");
  ex.res.set_header("x-ratelimit-remaining-tokens", "29999000");
  ex.res.set_header("x-ratelimit-reset-tokens", "2ms");
}

// Text of a message's content: a string, or the `text` of its text parts joined by spaces.
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content) {
    if (!part.is_object() || part.value("type", "") != "text") continue;
    auto it = part.find("text");
    if (it == part.end() || !it->is_string()) continue;
    if (!out.empty()) out += ' ';
    out += it->get<std::string>();
  }
  return out;
}

Conversation read_conversation(const json& body) {
  Conversation c;
  const json& messages = body.at("messages");
  for (const auto& m : messages) {
    auto it = m.find("content");
    if (it != m.end()) c.prompt_words += static_cast<int>(count_words(content_text(*it)));
  }
  for (auto m = messages.rbegin(); m != messages.rend(); ++m) {
    if (m->value("role", "") != "user" || !m->contains("content")) continue;
    std::string text = content_text(m->at("content"));
    if (count_words(text) > 0) {
      c.last_user_text = std::move(text);
      break;
    }
  }
  auto tools = body.find("tools");
  if (tools != body.end() && tools->is_array() && !tools->empty()) {
    const json& t = tools->front();
    if (t.contains("function") && t["function"].is_object())
      c.first_tool = t["function"].value("name", "");
  }
  return c;
}

const char* finish_reason(const Answer& a) {
  switch (a.finish) {
    case Finish::kLength:
      return "length";
    case Finish::kTool:
      return "tool_calls";
    case Finish::kSafety:
      return "content_filter";
    case Finish::kStop:
      break;
  }
  return "stop";
}

ojson usage_json(const Answer& a) {
  std::int64_t completion = a.completion + a.reasoning;
  return {{"prompt_tokens", a.prompt},
          {"completion_tokens", completion},
          {"total_tokens", a.prompt + completion},
          {"prompt_tokens_details", {{"cached_tokens", a.cached}, {"audio_tokens", 0}}},
          {"completion_tokens_details",
           {{"reasoning_tokens", a.reasoning},
            {"audio_tokens", 0},
            {"accepted_prediction_tokens", 0},
            {"rejected_prediction_tokens", 0}}}};
}

// What `stream_options` asks for. The real API pads every chunk unless told not to.
struct StreamOptions {
  bool include_usage = false;
  bool obfuscation = true;
};

StreamOptions read_stream_options(const json& body) {
  StreamOptions o;
  auto so = body.find("stream_options");
  if (so == body.end() || !so->is_object()) return o;  // openai_validate rejected other types
  auto it = so->find("include_usage");
  if (it != so->end() && it->is_boolean()) o.include_usage = it->get<bool>();
  it = so->find("include_obfuscation");
  if (it != so->end() && it->is_boolean()) o.obfuscation = it->get<bool>();
  return o;
}

// OpenAI's stream obfuscation: every chunk object ends with `"obfuscation":"<padding>"`,
// random characters of a random length, so payload sizes do not reveal the tokens. Real
// captures show 1 to about 16 alphanumeric characters with no tie to the delta's size; this
// draws the length from 1..16 and the characters from [A-Za-z0-9]. A splitmix64 sequence
// seeded with the response number keeps a given request's stream reproducible while every
// event of it gets other padding.
class Obfuscator {
 public:
  Obfuscator(bool on, std::uint64_t seed) : on_(on), state_(seed) {}

  // `,"obfuscation":"…"` to insert before a chunk's closing brace; empty when opted out.
  std::string member() {
    if (!on_) return {};
    static constexpr char kChars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::uint64_t r = next();
    std::size_t len = 1 + static_cast<std::size_t>(r % 16);
    std::string out = R"(,"obfuscation":")";
    for (std::size_t i = 0; i < len; ++i) {
      if (i % 8 == 0) r = next();  // 8 characters from each 64-bit draw
      out += kChars[(r & 0xff) % (sizeof(kChars) - 1)];
      r >>= 8;
    }
    out += '"';
    return out;
  }

 private:
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  bool on_;
  std::uint64_t state_;
};

std::string call_id(const Exchange& ex) {
  return "call_fake" + std::to_string(ex.seq);
}

void send_failure(Exchange& ex, int status) {
  if (status == 429 || ex.behavior.retry_after >= 0) {
    int s = ex.behavior.retry_after >= 0 ? ex.behavior.retry_after : 1;
    ex.res.set_header("retry-after", std::to_string(s));
    ex.res.set_header("retry-after-ms", std::to_string(s * 1000));
  }
  if (status == 429) {  // as OpenAI sends them with a rate-limit error
    for (const char* h : {"x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                          "x-ratelimit-reset-requests"})
      ex.res.headers.erase(h);
    ex.res.set_header("x-ratelimit-limit-requests", "3");
    ex.res.set_header("x-ratelimit-remaining-requests", "0");
    ex.res.set_header("x-ratelimit-reset-requests", "20s");
  }
  switch (status) {
    case 400:
      return openai_error(ex, status, "Invalid request (fake upstream, fail=400).",
                          "invalid_request_error", nullptr, nullptr);
    case 401:
      return openai_error(ex, status, "Incorrect API key provided: fake-fail-401.",
                          "invalid_request_error", nullptr, "invalid_api_key");
    case 403:
      return openai_error(ex, status, "Country, region, or territory not supported",
                          "request_forbidden", nullptr, "unsupported_country_region_territory");
    case 404:
      return openai_error(
          ex, status,
          "The model `" + ex.model + "` does not exist or you do not have access to it.",
          "invalid_request_error", nullptr, "model_not_found");
    case 429:
      return openai_error(ex, status,
                          "Rate limit reached for " + ex.model +
                              " on requests per min (RPM): Limit 3, Used 3, Requested 1.",
                          "requests", nullptr, "rate_limit_exceeded");
    case 503:
      return openai_error(ex, status, "The server is overloaded or not ready yet. Slow Down.",
                          "server_error", nullptr, nullptr);
    default:
      if (status >= 500)
        return openai_error(ex, status,
                            "The server had an error while processing your request. Sorry "
                            "about that!",
                            "server_error", nullptr, nullptr);
      return openai_error(ex, status, "Request failed (fake upstream).", "invalid_request_error",
                          nullptr, nullptr);
  }
}

void respond_json(Exchange& ex, const Answer& a, std::time_t created) {
  if (ex.behavior.malformed) {
    send_json(ex.res, 200,
              R"({"id":"chatcmpl-fake)" + std::to_string(ex.seq) +
                  R"(","object":"chat.completion","choices":[{"index":0,"message":{"role":)");
    return;
  }
  ojson message = {{"role", "assistant"}};
  if (a.tool) {
    message["content"] = nullptr;
    message["tool_calls"] = ojson::array(
        {{{"id", call_id(ex)},
          {"type", "function"},
          {"function", {{"name", a.tool_name}, {"arguments", std::string(kToolArgs)}}}}});
  } else {
    message["content"] = a.text.empty() ? ojson(nullptr) : ojson(a.text);
  }
  message["refusal"] = nullptr;
  message["annotations"] = ojson::array();
  ojson body = {{"id", "chatcmpl-fake" + std::to_string(ex.seq)},
                {"object", "chat.completion"},
                {"created", created},
                {"model", ex.model},
                {"system_fingerprint", "fp_fake"},
                {"service_tier", "default"},
                {"choices", ojson::array({{{"index", 0},
                                           {"message", std::move(message)},
                                           {"logprobs", nullptr},
                                           {"finish_reason", finish_reason(a)}}})}};
  // `nousage` drops usage here too, so gw's estimation path can be tested without streaming.
  if (!ex.behavior.nousage) {
    body["usage"] = usage_json(a);
    ex.usage = json(body["usage"]);
  }
  send_json(ex.res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

void respond_stream(Exchange& ex, const Answer& a, std::time_t created, StreamOptions opts) {
  const Behavior& b = ex.behavior;
  const bool include_usage = opts.include_usage;
  const std::string nl = b.crlf ? "\r\n" : "\n";
  Obfuscator obf(opts.obfuscation, ex.seq);
  // Every chunk repeats the same envelope; only `choices`, `usage` and `obfuscation` change.
  const std::string head = R"({"id":"chatcmpl-fake)" + std::to_string(ex.seq) +
                           R"(","object":"chat.completion.chunk","created":)" +
                           std::to_string(created) + R"(,"model":)" + dump(json(ex.model)) +
                           R"(,"system_fingerprint":"fp_fake","service_tier":"default","choices":)";
  const std::string usage_null = include_usage ? R"(,"usage":null)" : "";
  auto chunk = [&](const std::string& delta, const char* finish) {
    std::string fr = finish ? std::string("\"") + finish + "\"" : "null";
    return sse_data(head + R"([{"index":0,"delta":)" + delta +
                        R"(,"logprobs":null,"finish_reason":)" + fr + "}]" + usage_null +
                        obf.member() + "}",
                    nl);
  };

  StreamPlan plan;
  plan.pace_ms = b.pace_ms;
  plan.split = b.split;
  plan.cut = b.cut;
  plan.eof = b.eof;
  auto& ev = plan.events;
  if (a.tool) {
    ojson first = {
        {"role", "assistant"},
        {"content", nullptr},
        {"tool_calls", ojson::array({{{"index", 0},
                                      {"id", call_id(ex)},
                                      {"type", "function"},
                                      {"function", {{"name", a.tool_name}, {"arguments", ""}}}}})}};
    ev.push_back({chunk(first.dump(), nullptr), false, false});
    for (auto frag : kToolArgFragments) {
      ojson d = {
          {"tool_calls", ojson::array({{{"index", 0}, {"function", {{"arguments", frag}}}}})}};
      ev.push_back({chunk(d.dump(), nullptr), true, false});
    }
  } else {
    ev.push_back({chunk(R"({"role":"assistant","content":"","refusal":null})", nullptr)});
    for (const auto& piece : a.chunks) {
      ev.push_back({chunk(R"({"content":)" + dump(json(piece)) + "}", nullptr), true, false});
    }
  }
  ev.push_back({chunk("{}", finish_reason(a)), false, true});
  if (include_usage && !b.nousage) {
    ojson u = usage_json(a);
    ev.push_back({sse_data(head + "[]," + R"("usage":)" + u.dump() + obf.member() + "}", nl)});
    if (!b.cut && !b.eof && !b.malformed && !b.midstream_error) ex.usage = json(u);
  }
  ev.push_back({sse_data("[DONE]", nl)});

  if (b.malformed) {
    truncate_after_first_content(
        ev, "data: " + head + R"([{"index":0,"delta":{"content":"brok)" + nl + nl);
  } else if (b.midstream_error) {
    truncate_after_first_content(
        ev, sse_data(R"({"error":{"message":"The server had an error while processing your )"
                     R"(request. Sorry about that!","type":"server_error","param":null,)"
                     R"("code":null}})",
                     nl));
  }
  apply_stream_faults(ex, plan);
  send_stream(ex.res, "text/event-stream; charset=utf-8", std::move(plan));
}

}  // namespace

bool openai_check_auth(Exchange& ex) {
  std::string auth = ex.header("Authorization");
  std::string key;
  if (starts_with_nocase(auth, "bearer ")) key = auth.substr(7);
  while (!key.empty() && key.front() == ' ') key.erase(0, 1);
  if (key.empty()) {
    openai_error(ex, 401,
                 "You didn't provide an API key. You need to provide your API key in an "
                 "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                 "invalid_request_error", nullptr, "invalid_api_key");
    return false;
  }
  if (key == "bad-key") {
    openai_error(ex, 401, "Incorrect API key provided: bad-key", "invalid_request_error", nullptr,
                 "invalid_api_key");
    return false;
  }
  return true;
}

void openai_chat(Exchange& ex) {
  if (ex.body_is_object()) {
    auto it = ex.body.find("model");
    if (it != ex.body.end() && it->is_string()) ex.model = it->get<std::string>();
  }
  ex.behavior = parse_behavior(ex.model);
  stall_before_answer(ex);
  add_headers(ex);
  if (!openai_check_auth(ex) || !openai_validate(ex)) return;
  if (int status = failure_status(ex.behavior, ex.model)) return send_failure(ex, status);

  Answer a = make_answer(ex.behavior, read_conversation(ex.body), ex.body, "");
  std::time_t created = std::time(nullptr);
  if (ex.body.value("stream", false)) {
    respond_stream(ex, a, created, read_stream_options(ex.body));
  } else {
    respond_json(ex, a, created);
  }
}

void openai_models(Exchange& ex) {
  ex.behavior = parse_behavior("");
  add_headers(ex);
  if (!openai_check_auth(ex)) return;
  auto model = [](const std::string& id) {
    return ojson{{"id", id}, {"object", "model"}, {"created", 1721172741}, {"owned_by", "system"}};
  };
  const std::string prefix = "/v1/models/";
  if (ex.req.path.size() > prefix.size()) {
    send_json(ex.res, 200, model(ex.req.path.substr(prefix.size())).dump());
    return;
  }
  ojson body = {{"object", "list"},
                {"data", ojson::array({model("gpt-4o"), model("gpt-4o-mini"), model("o3-mini")})}};
  send_json(ex.res, 200, body.dump());
}

}  // namespace fake
