// OpenAI Chat Completions request → Bedrock Converse request body (docs/PROTOCOLS.md §14.4).
// Converse is one shape for every model Bedrock hosts: messages of content blocks that
// alternate user/assistant, system blocks apart, inferenceConfig, toolConfig.
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "api/chat_schema.hpp"
#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/bedrock_translate.hpp"
#include "providers/turns.hpp"

namespace gw::providers::bedrock {
namespace {

using api::Json;

constexpr size_t kMaxModelId = 2048;  // Bedrock's own bound on modelId (ARNs included)
constexpr size_t kMaxToolUseId = 64;  // toolUseId: [a-zA-Z0-9_-]+, at most 64

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

bool id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Original tool-call id → a toolUseId Bedrock accepts, per request; distinct originals stay
// distinct so every toolUse still pairs with its own toolResult.
class IdMap {
 public:
  std::string get(const std::string& id) {
    if (auto it = map_.find(id); it != map_.end()) return it->second;
    std::string base = id.substr(0, kMaxToolUseId - 4);
    for (char& c : base)
      if (!id_char(c)) c = '_';
    if (base.empty()) base = "tooluse";
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

// The models whose Converse takes Anthropic's `thinking` in additionalModelRequestFields:
// "anthropic.claude-…", and inference profiles "us.anthropic.claude-…".
bool is_claude(std::string_view model) {
  return model.find("anthropic.claude") != std::string_view::npos;
}

class Builder {
 public:
  Builder(const api::ChatRequest& req, const Target& t)
      : req_(req), drop_(t.provider && t.provider->drop_params), model_(t.model) {}

  Result<Json> build() {
    if (auto r = refuse_lossy_params(req_, drop_, "Bedrock"); !r) return fail(r.error());
    Json body = Json::object();

    Json tools = Json::array();
    for (const auto& tool : req_.tools) {
      Json schema = tool.parameters.is_object()
                        ? tool.parameters
                        : Json{{"type", "object"}, {"properties", Json::object()}};
      if (!schema.contains("type")) schema["type"] = "object";
      Json spec = {{"name", tool.name}, {"inputSchema", {{"json", std::move(schema)}}}};
      if (!tool.description.empty()) spec["description"] = tool.description;
      tools.push_back({{"toolSpec", std::move(spec)}});
    }
    Json choice;
    bool none = false;
    if (auto r = map_tool_choice(choice, none); !r) return fail(r.error());
    // Converse has no toolChoice "none": the tools are left out, so the model cannot call one.
    if (none) tools = Json::array();
    if (auto r = add_json_tool(tools, choice); !r) return fail(r.error());
    // toolUse and toolResult blocks need a toolConfig; without one they go as text.
    tool_blocks_ = !tools.empty();

    for (size_t i = 0; i < req_.messages.size(); ++i)
      if (auto r = add_message(req_.messages[i], i); !r) return fail(r.error());
    trim_final_assistant();
    if (turns_.empty())
      return fail(Error::bad_request(
          "Bedrock needs at least one user or assistant message with content.", "messages"));

    Json msgs = Json::array();
    for (auto& turn : turns_)
      msgs.push_back({{"role", turn.role}, {"content", std::move(turn.blocks)}});
    body["messages"] = std::move(msgs);
    if (!system_.empty()) body["system"] = std::move(system_);

    Json inference = Json::object();
    if (auto cap = req_.output_limit()) inference["maxTokens"] = *cap;
    // Bedrock's models take 0 to 1, OpenAI 0 to 2: clamped, as for Anthropic.
    if (req_.temperature) inference["temperature"] = std::min(*req_.temperature, 1.0);
    if (req_.top_p) inference["topP"] = *req_.top_p;
    Json stops = Json::array();
    for (const auto& s : req_.stop)
      if (!blank(s)) stops.push_back(s);
    if (!stops.empty()) inference["stopSequences"] = std::move(stops);
    if (!tools.empty()) {
      Json config = {{"tools", std::move(tools)}};
      if (!choice.is_null()) config["toolChoice"] = std::move(choice);
      body["toolConfig"] = std::move(config);
    }
    // Bedrock's own fields a client may send through the OpenAI schema.
    for (const char* k : {"additionalModelRequestFields", "guardrailConfig", "performanceConfig"})
      if (auto it = req_.extra.find(k); it != req_.extra.end() && it->is_object()) body[k] = *it;
    add_thinking(body, inference);
    if (!inference.empty()) body["inferenceConfig"] = std::move(inference);
    return body;
  }

 private:
  Result<void> map_tool_choice(Json& out, bool& none) const {
    const Json& tc = req_.tool_choice;
    if (tc.is_string()) {
      const auto& s = tc.get_ref<const std::string&>();
      if (s == "auto")
        out = {{"auto", Json::object()}};
      else if (s == "required")
        out = {{"any", Json::object()}};
      else if (s == "none")
        none = true;
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
      out = {{"tool", {{"name", *name}}}};
    }
    return {};
  }

  // response_format json_object / json_schema → a forced tool whose input is the answer.
  Result<void> add_json_tool(Json& tools, Json& choice) const {
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
    tools.push_back({{"toolSpec",
                      {{"name", kJsonToolName},
                       {"description", "Answer with the JSON the user asked for."},
                       {"inputSchema", {{"json", std::move(schema)}}}}}});
    choice = {{"tool", {{"name", kJsonToolName}}}};
    return {};
  }

  // reasoning_effort → Claude's thinking budget (the only Bedrock family with one in
  // Converse), with the same exceptions as on Anthropic: not with a forced tool, not while a
  // tool loop is under way, and sampling settings thinking refuses dropped.
  void add_thinking(Json& body, Json& inference) const {
    if (!req_.reasoning_effort || !is_claude(model_)) return;
    const int64_t budget = api::schema::reasoning_budget(*req_.reasoning_effort);
    if (budget == 0 || tool_loop()) return;
    if (auto tc = body.find("toolConfig"); tc != body.end() && tc->contains("toolChoice")) {
      const Json& c = (*tc)["toolChoice"];
      if (c.contains("any") || c.contains("tool")) return;
    }
    Json& extra = body["additionalModelRequestFields"];
    if (!extra.is_object()) extra = Json::object();
    if (extra.contains("thinking")) return;  // the client's own wins
    extra["thinking"] = {{"type", "enabled"}, {"budget_tokens", budget}};
    // maxTokens must exceed the budget; with none asked, the answer gets 4096 on top of it.
    const int64_t cap = api::int_or<int64_t>(inference, "maxTokens", 4096);
    if (!inference.contains("maxTokens") || cap <= budget) inference["maxTokens"] = budget + cap;
    inference.erase("temperature");
    if (auto tp = inference.find("topP"); tp != inference.end() && *tp < 0.95) inference.erase(tp);
  }

  bool tool_loop() const {
    for (auto t = turns_.rbegin(); t != turns_.rend(); ++t) {
      if (t->role != "assistant") continue;
      for (const auto& b : t->blocks)
        if (b.contains("toolUse")) return true;
      return false;
    }
    return false;
  }

  static Result<Json> image_block(const std::string& url, const std::string& param) {
    auto semi = url.find(";base64,");
    if (!url.starts_with("data:") || semi == std::string::npos || semi <= 5)
      return fail(Error::bad_request(
          "Bedrock takes images as data:<type>;base64,... URLs only (it fetches no URL).", param,
          "invalid_value"));
    std::string type = url.substr(5, semi - 5);
    std::string format = type == "image/png"                           ? "png"
                         : type == "image/jpeg" || type == "image/jpg" ? "jpeg"
                         : type == "image/gif"                         ? "gif"
                         : type == "image/webp"                        ? "webp"
                                                                       : "";
    if (format.empty())
      return fail(
          Error::bad_request("Bedrock takes png, jpeg, gif and webp images, not '" + type + "'.",
                             param, "invalid_value"));
    return Json{{"image", {{"format", format}, {"source", {{"bytes", url.substr(semi + 8)}}}}}};
  }

  // Text and image blocks of a message's content; empty / whitespace-only text dropped (Bedrock
  // refuses blank text blocks).
  Result<void> content_blocks(const api::Message& m, size_t i, Json& out) const {
    if (m.kind == api::Message::ContentKind::text) {
      if (!blank(m.text)) out.push_back({{"text", m.text}});
      return {};
    }
    for (size_t j = 0; j < m.parts.size(); ++j) {
      const auto& p = m.parts[j];
      std::string path = "messages[" + std::to_string(i) + "].content[" + std::to_string(j) + "]";
      if (p.type == "text") {
        if (!blank(p.text)) out.push_back({{"text", p.text}});
      } else if (p.type == "image_url") {
        auto b = image_block(p.image_url, path + ".image_url");
        if (!b) {
          if (drop_) continue;
          return fail(b.error());
        }
        out.push_back(std::move(*b));
      } else if (!drop_) {
        return fail(Error::bad_request(
            "Content part type '" + p.type + "' is not supported by Bedrock models.",
            path + ".type", "unsupported_parameter"));
      }
    }
    return {};
  }

  Result<void> add_message(const api::Message& m, size_t i) {
    Json blocks = Json::array();
    if (m.role == "system" || m.role == "developer") {
      if (auto r = content_blocks(m, i, blocks); !r) return r;
      for (auto& b : blocks)
        if (b.contains("text")) system_.push_back(std::move(b));  // system takes text only
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
        if (tool_blocks_)
          blocks.push_back({{"toolUse",
                             {{"toolUseId", ids_.get(call.id)},
                              {"name", call.name},
                              {"input", std::move(*args)}}}});
        else
          blocks.push_back({{"text", "[tool call " + call.id + "] " + call.name + "(" +
                                         api::dump(*args) + ")"}});
      }
      push("assistant", std::move(blocks));
      return {};
    }
    if (m.role == "tool") {
      Json content = Json::array();
      if (auto r = content_blocks(m, i, content); !r) return r;
      if (!tool_blocks_) {
        std::string text = "[tool result " + m.tool_call_id + "]";
        for (const auto& b : content)
          if (b.contains("text")) text += " " + b["text"].get<std::string>();
        blocks.push_back({{"text", std::move(text)}});
      } else {
        // toolResult.content is required and Bedrock refuses blank text: an empty result
        // says so in words.
        if (content.empty()) content.push_back({{"text", "(empty)"}});
        blocks.push_back({{"toolResult",
                           {{"toolUseId", ids_.get(m.tool_call_id)},
                            {"content", std::move(content)},
                            {"status", "success"}}}});
      }
      push("user", std::move(blocks));
      return {};
    }
    // user (and the legacy `function` role, as plain user text)
    if (auto r = content_blocks(m, i, blocks); !r) return r;
    push("user", std::move(blocks));
    return {};
  }

  // Converse, like Anthropic's Messages, takes alternating turns (providers/turns.hpp).
  void push(const std::string& role, Json blocks) {
    push_turn(turns_, role, std::move(blocks),
              [](const Json& b) { return b.contains("toolResult"); });
  }

  void trim_final_assistant() {
    providers::trim_final_assistant(turns_, [](const Json& b) { return b.contains("text"); });
  }

  const api::ChatRequest& req_;
  bool drop_;
  std::string model_;
  bool tool_blocks_ = true;
  IdMap ids_;
  Json system_ = Json::array();
  std::vector<Turn> turns_;
};

}  // namespace

std::optional<std::string> model_path(std::string_view model, bool stream) {
  if (model.empty() || model.size() > kMaxModelId) return std::nullopt;
  return "/model/" + percent_encode_segment(model) + (stream ? "/converse-stream" : "/converse");
}

Result<Json> request_body(const api::ChatRequest& req, const Target& t) {
  return Builder(req, t).build();
}

}  // namespace gw::providers::bedrock
