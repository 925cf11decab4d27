// OpenAI Chat Completions request → Anthropic Messages request body
// (docs/PROTOCOLS.md §4.3, §5).
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "api/chat_schema.hpp"
#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/anthropic_translate.hpp"
#include "providers/turns.hpp"

namespace gw::providers::anthropic {
namespace {

using api::Json;

constexpr int64_t kDefaultMaxTokens = 4096;  // LiteLLM's default; Anthropic requires one

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), is_space);
}
bool ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool ascii_alnum(char c) {
  return ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// metadata.user_id must not carry personal data: skip e-mail- and phone-shaped values
// (LiteLLM does the same).
bool looks_like_email(std::string_view s) {
  auto at = s.find('@');
  if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
    return false;
  auto dot = s.find('.', at + 1);
  return dot != std::string_view::npos && dot > at + 1 && dot + 1 < s.size();
}
bool looks_like_phone(std::string_view s) {
  int digits = 0;
  for (char c : s) {
    if (ascii_digit(c))
      ++digits;
    else if (c != '+' && c != '-' && c != ' ' && c != '(' && c != ')' && c != '.')
      return false;
  }
  return digits >= 7 && digits <= 15;
}

// Original tool id → sanitized id, per request. Distinct originals that sanitize to the same
// text get a numeric suffix, so every tool_use still pairs with its own tool_result.
class IdMap {
 public:
  std::string get(const std::string& id) {
    if (auto it = map_.find(id); it != map_.end()) return it->second;
    std::string base = sanitize_tool_id(id);
    std::string cand = base;
    for (int n = 2; used_.contains(cand); ++n) cand = base + "_" + std::to_string(n);
    used_.insert(cand);
    map_.emplace(id, cand);
    return cand;
  }

 private:
  std::map<std::string, std::string> map_;
  std::set<std::string> used_;
};

class Builder {
 public:
  Builder(const api::ChatRequest& req, const Target& t)
      : req_(req), drop_(t.provider && t.provider->drop_params) {}

  Result<Json> build(const Target& t, bool stream) {
    if (auto r = refuse_lossy_params(req_, drop_, "Anthropic"); !r) return fail(r.error());
    Json body = Json::object();
    body["model"] = t.model;

    Json tools = Json::array();
    for (const auto& tool : req_.tools) {
      Json schema = tool.parameters.is_object()
                        ? tool.parameters
                        : Json{{"type", "object"}, {"properties", Json::object()}};
      if (!schema.contains("type")) schema["type"] = "object";
      Json out = {{"name", tool.name}, {"input_schema", std::move(schema)}};
      if (!tool.description.empty()) out["description"] = tool.description;
      tools.push_back(std::move(out));
    }
    Json tool_choice;
    if (auto r = map_tool_choice(tool_choice); !r) return fail(r.error());
    if (auto r = add_json_tool(tools, tool_choice); !r) return fail(r.error());
    // Tool blocks in the history need tool definitions (docs/PROTOCOLS.md §5.5).
    tool_blocks_ = !tools.empty();

    for (size_t i = 0; i < req_.messages.size(); ++i)
      if (auto r = add_message(req_.messages[i], i); !r) return fail(r.error());
    trim_final_assistant();
    if (turns_.empty())
      return fail(Error::bad_request(
          "Anthropic needs at least one user or assistant message with content.", "messages"));

    if (!system_.empty()) {
      if (system_plain_) {
        std::string s;
        for (const auto& b : system_) {
          if (!s.empty()) s += "\n\n";
          s += b["text"].get<std::string>();
        }
        body["system"] = s;
      } else {
        body["system"] = system_;
      }
    }
    tool_loop_ = ends_in_tool_use();
    Json msgs = Json::array();
    for (auto& turn : turns_)
      msgs.push_back({{"role", turn.role}, {"content", std::move(turn.blocks)}});
    body["messages"] = std::move(msgs);

    body["max_tokens"] = req_.output_limit().value_or(kDefaultMaxTokens);
    // Anthropic takes 0 to 1, OpenAI 0 to 2: clamped (docs/PROTOCOLS.md §5.6).
    if (req_.temperature) body["temperature"] = std::min(*req_.temperature, 1.0);
    if (req_.top_p) body["top_p"] = *req_.top_p;
    Json stops = Json::array();
    for (const auto& s : req_.stop)
      if (!blank(s)) stops.push_back(s);
    if (!stops.empty()) body["stop_sequences"] = std::move(stops);
    if (!tools.empty()) {
      body["tools"] = std::move(tools);
      if (!tool_choice.is_null()) body["tool_choice"] = std::move(tool_choice);
    }
    if (!req_.user.empty() && !looks_like_email(req_.user) && !looks_like_phone(req_.user))
      body["metadata"] = {{"user_id", req_.user}};
    // Anthropic-native knobs a client may send through the OpenAI schema.
    for (const char* k : {"top_k", "thinking"})
      if (auto it = req_.extra.find(k); it != req_.extra.end() && !it->is_null()) body[k] = *it;
    // An Anthropic client's own fields (context_management, thinking, top_k, ...) pass as sent;
    // they never override what the translation wrote.
    for (auto it = req_.anthropic_extra.begin(); it != req_.anthropic_extra.end(); ++it)
      if (!it->is_null() && !body.contains(it.key())) body[it.key()] = *it;
    // The client's own `thinking` (either bag above) wins over reasoning_effort.
    if (!body.contains("thinking")) add_thinking(body);
    if (stream) body["stream"] = true;
    return body;
  }

 private:
  Result<void> map_tool_choice(Json& out) const {
    const Json& tc = req_.tool_choice;
    if (tc.is_string()) {
      const auto& s = tc.get_ref<const std::string&>();
      if (s == "auto")
        out = {{"type", "auto"}};
      else if (s == "none")
        out = {{"type", "none"}};
      else if (s == "required")
        out = {{"type", "any"}};
      else
        return fail(Error::bad_request("Invalid value for 'tool_choice': '" + s + "'.",
                                       "tool_choice", "invalid_value"));
    } else if (tc.is_object()) {
      const Json* name = nullptr;
      if (auto fn = tc.find("function"); fn != tc.end() && fn->is_object())
        if (auto n = fn->find("name"); n != fn->end() && n->is_string()) name = &*n;
      if (!name)
        if (auto n = tc.find("name"); n != tc.end() && n->is_string()) name = &*n;
      if (!name)
        return fail(Error::bad_request("Invalid 'tool_choice': expected a function name.",
                                       "tool_choice", "invalid_value"));
      out = {{"type", "tool"}, {"name", *name}};
    }
    if (req_.parallel_tool_calls && !*req_.parallel_tool_calls) {
      if (out.is_null()) out = {{"type", "auto"}};
      if (out["type"] != "none") out["disable_parallel_tool_use"] = true;
    }
    return {};
  }

  // reasoning_effort → thinking {type: enabled, budget_tokens} (api::schema::reasoning_budget;
  // docs/PROTOCOLS.md §5.9). Anthropic refuses thinking in two cases the client cannot see,
  // where the answer goes without it rather than fail: a forced tool (tool_choice any/tool,
  // which json mode uses), and an assistant tool_use turn at the end of the history (a tool
  // loop), which would need the thinking block and signature an OpenAI client never returns.
  void add_thinking(Json& body) const {
    if (!req_.reasoning_effort) return;
    const int64_t budget = api::schema::reasoning_budget(*req_.reasoning_effort);
    if (budget == 0) return;
    if (auto tc = body.find("tool_choice"); tc != body.end()) {
      std::string type = api::str_or(*tc, "type");
      if (type == "any" || type == "tool") return;
    }
    if (tool_loop_) return;
    body["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
    // budget_tokens must be below max_tokens: a smaller cap keeps its size for the answer on
    // top of the budget.
    const int64_t cap = body["max_tokens"].get<int64_t>();
    if (cap <= budget) body["max_tokens"] = budget + cap;
    // With thinking Anthropic refuses temperature (other than 1) and top_k, and top_p below
    // 0.95: dropped, the thinking model samples as it must.
    body.erase("temperature");
    body.erase("top_k");
    if (auto tp = body.find("top_p"); tp != body.end() && tp->is_number() && *tp < 0.95)
      body.erase(tp);
  }

  // The last assistant turn called a tool (a tool loop in progress).
  bool ends_in_tool_use() const {
    for (auto t = turns_.rbegin(); t != turns_.rend(); ++t) {
      if (t->role != "assistant") continue;
      for (const auto& b : t->blocks)
        if (b.is_object() && b.value("type", "") == "tool_use") return true;
      return false;
    }
    return false;
  }

  // response_format json_object / json_schema → a forced tool whose input is the answer.
  Result<void> add_json_tool(Json& tools, Json& tool_choice) const {
    const Json& rf = req_.response_format;
    if (!rf.is_object()) return {};
    std::string type = api::str_or(rf, "type");
    if (type == "text") return {};
    Json schema = {{"type", "object"}};
    if (type == "json_schema") {
      if (auto js = rf.find("json_schema"); js != rf.end() && js->is_object())
        if (auto s = js->find("schema"); s != js->end() && s->is_object()) schema = *s;
    } else if (type != "json_object") {
      return fail(Error::bad_request("Invalid value for 'response_format.type': '" + type + "'.",
                                     "response_format.type", "invalid_value"));
    }
    tools.push_back({{"name", kJsonToolName}, {"input_schema", std::move(schema)}});
    Json forced = {{"type", "tool"}, {"name", kJsonToolName}};
    if (req_.parallel_tool_calls && !*req_.parallel_tool_calls)
      forced["disable_parallel_tool_use"] = true;
    tool_choice = std::move(forced);
    return {};
  }

  static Result<Json> image_block(const std::string& url, const std::string& param) {
    if (url.starts_with("data:")) {
      auto semi = url.find(";base64,");
      if (semi == std::string::npos || semi <= 5)
        return fail(Error::bad_request("Invalid image data URL: expected data:<type>;base64,...",
                                       param, "invalid_value"));
      return Json{{"type", "image"},
                  {"source",
                   {{"type", "base64"},
                    {"media_type", url.substr(5, semi - 5)},
                    {"data", url.substr(semi + 8)}}}};
    }
    if (url.starts_with("https://") || url.starts_with("http://"))
      return Json{{"type", "image"}, {"source", {{"type", "url"}, {"url", url}}}};
    return fail(Error::bad_request("Invalid image URL: expected an https or data URL.", param,
                                   "invalid_value"));
  }

  // Text and image blocks of a message's content; empty / whitespace-only text dropped
  // (docs/PROTOCOLS.md §5.3).
  // Blocks of Anthropic's own a Messages client may send that the canonical types carry only
  // whole (ContentPart::raw): they go to an Anthropic upstream as they came.
  static bool is_anthropic_block(const api::ContentPart& p) {
    static constexpr std::string_view kTypes[] = {"document", "search_result", "container_upload"};
    return p.raw.is_object() && std::ranges::find(kTypes, p.type) != std::end(kTypes) &&
           p.raw.value("type", "") == p.type;
  }

  Result<void> content_blocks(const api::Message& m, size_t i, Json& out) const {
    if (m.kind == api::Message::ContentKind::text) {
      if (!blank(m.text)) out.push_back({{"type", "text"}, {"text", m.text}});
      return {};
    }
    for (size_t j = 0; j < m.parts.size(); ++j) {
      const auto& p = m.parts[j];
      std::string path = "messages[" + std::to_string(i) + "].content[" + std::to_string(j) + "]";
      if (p.type == "text") {
        if (blank(p.text)) continue;
        out.push_back({{"type", "text"}, {"text", p.text}});
        if (p.cache_control.is_object()) out.back()["cache_control"] = p.cache_control;
      } else if (p.type == "image_url") {
        auto b = image_block(p.image_url, path + ".image_url");
        if (!b) return fail(b.error());
        out.push_back(std::move(*b));
        if (p.cache_control.is_object()) out.back()["cache_control"] = p.cache_control;
      } else if (is_anthropic_block(p)) {
        out.push_back(p.raw);  // an Anthropic client's own block (a document, ...), as sent
      } else if (!drop_) {
        return fail(Error::bad_request(
            "Content part type '" + p.type + "' is not supported by Anthropic models.",
            path + ".type", "unsupported_parameter"));
      }
    }
    return {};
  }

  // A message-level cache_control (LiteLLM style) goes on the message's last block.
  static void apply_cache_control(const api::Message& m, Json& blocks) {
    auto cc = m.extra.find("cache_control");
    if (cc == m.extra.end() || !cc->is_object() || blocks.empty()) return;
    blocks.back()["cache_control"] = *cc;
  }

  Result<void> add_message(const api::Message& m, size_t i) {
    Json blocks = Json::array();
    if (m.role == "system" || m.role == "developer") {
      if (auto r = content_blocks(m, i, blocks); !r) return r;
      for (auto& b : blocks) {
        if (b["type"] != "text") continue;  // system takes text only
        if (m.kind == api::Message::ContentKind::parts) system_plain_ = false;
        system_.push_back(std::move(b));
      }
      if (m.extra.contains("cache_control") && !system_.empty()) {
        system_plain_ = false;
        apply_cache_control(m, system_);
      }
      return {};
    }
    if (m.role == "assistant") {
      if (auto r = content_blocks(m, i, blocks); !r) return r;
      for (size_t k = 0; k < m.tool_calls.size(); ++k) {
        const auto& call = m.tool_calls[k];
        auto args = tool_arguments_object(call.arguments, "messages[" + std::to_string(i) +
                                                              "].tool_calls[" + std::to_string(k) +
                                                              "].function.arguments");
        if (!args) return fail(args.error());
        Json input = std::move(*args);
        if (tool_blocks_) {
          blocks.push_back({{"type", "tool_use"},
                            {"id", ids_.get(call.id)},
                            {"name", call.name},
                            {"input", std::move(input)}});
        } else {
          blocks.push_back({{"type", "text"},
                            {"text", "[tool call " + call.id + "] " + call.name + "(" +
                                         api::dump(input) + ")"}});
        }
      }
      apply_cache_control(m, blocks);
      push("assistant", std::move(blocks));
      return {};
    }
    if (m.role == "tool") {
      Json content = Json::array();
      if (auto r = content_blocks(m, i, content); !r) return r;
      if (!tool_blocks_) {
        std::string text = "[tool result " + m.tool_call_id + "]";
        for (const auto& b : content)
          if (b["type"] == "text") text += " " + b["text"].get<std::string>();
        blocks.push_back({{"type", "text"}, {"text", std::move(text)}});
      } else {
        Json result = {{"type", "tool_result"}, {"tool_use_id", ids_.get(m.tool_call_id)}};
        if (m.kind == api::Message::ContentKind::text && !content.empty())
          result["content"] = m.text;
        else if (!content.empty())
          result["content"] = std::move(content);
        blocks.push_back(std::move(result));
      }
      apply_cache_control(m, blocks);
      push("user", std::move(blocks));
      return {};
    }
    // user (and the legacy `function` role, as plain user text)
    if (auto r = content_blocks(m, i, blocks); !r) return r;
    apply_cache_control(m, blocks);
    push("user", std::move(blocks));
    return {};
  }

  // Turns alternate; a final assistant turn loses trailing whitespace (docs/PROTOCOLS.md §5.2).
  static bool of_type(const Json& b, std::string_view type) {
    auto it = b.find("type");
    return it != b.end() && *it == type;
  }
  void push(const std::string& role, Json blocks) {
    push_turn(turns_, role, std::move(blocks),
              [](const Json& b) { return of_type(b, "tool_result"); });
  }
  void trim_final_assistant() {
    providers::trim_final_assistant(turns_, [](const Json& b) { return of_type(b, "text"); });
  }

  const api::ChatRequest& req_;
  bool drop_;
  bool tool_blocks_ = true;
  bool tool_loop_ = false;
  IdMap ids_;
  Json system_ = Json::array();
  bool system_plain_ = true;
  std::vector<Turn> turns_;
};

}  // namespace

bool wants_json(const api::ChatRequest& req) {
  if (!req.response_format.is_object()) return false;
  std::string type = api::str_or(req.response_format, "type");
  return type == "json_object" || type == "json_schema";
}

std::string sanitize_tool_id(std::string_view id) {
  std::string s(id);
  for (char& c : s)
    if (!ascii_alnum(c) && c != '_' && c != '-') c = '_';
  if (s.empty()) s = "toolu_";
  return s;
}

Result<Json> request_body(const api::ChatRequest& req, const Target& t, bool stream) {
  return Builder(req, t).build(t, stream);
}

}  // namespace gw::providers::anthropic
