// Rejects what the real Messages API rejects, with its messages, so gw's translation bugs
// (system role in messages, empty text, orphan tool results, bad ids) surface in tests.
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dialects.hpp"
#include "text_util.hpp"

namespace fake {

using nlohmann::json;

namespace {

const std::unordered_set<std::string_view> kKnownFields = {"model",
                                                           "messages",
                                                           "max_tokens",
                                                           "system",
                                                           "temperature",
                                                           "top_p",
                                                           "top_k",
                                                           "stop_sequences",
                                                           "stream",
                                                           "tools",
                                                           "tool_choice",
                                                           "metadata",
                                                           "thinking",
                                                           "output_config",
                                                           "output_format",
                                                           "service_tier",
                                                           "container",
                                                           "mcp_servers",
                                                           "context_management",
                                                           "inference_geo"};

bool fail(Exchange& ex, const std::string& message) {
  anthropic_error(ex, 400, "invalid_request_error", message);
  return false;
}

// Anthropic ids must match ^[a-zA-Z0-9_-]+$ (Gemini signatures carry '+', '/', '=').
bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool check_top_level(Exchange& ex) {
  const json& body = ex.body;
  for (const auto& [key, value] : body.items()) {
    if (!kKnownFields.contains(key)) return fail(ex, key + ": Extra inputs are not permitted");
  }
  if (!body.contains("model")) return fail(ex, "model: Field required");
  if (!body["model"].is_string()) return fail(ex, "model: Input should be a valid string");
  if (!body.contains("messages")) return fail(ex, "messages: Field required");
  if (!body["messages"].is_array()) return fail(ex, "messages: Input should be a valid list");
  if (!body.contains("max_tokens")) return fail(ex, "max_tokens: Field required");
  if (!body["max_tokens"].is_number_integer())
    return fail(ex, "max_tokens: Input should be a valid integer");
  if (body["max_tokens"].get<long long>() < 1)
    return fail(ex, "max_tokens: Input should be greater than or equal to 1");
  if (body.contains("temperature")) {
    const json& t = body["temperature"];
    if (!t.is_number()) return fail(ex, "temperature: Input should be a valid number");
    if (t.get<double>() > 1)
      return fail(ex, "temperature: Input should be less than or equal to 1");
    if (t.get<double>() < 0)
      return fail(ex, "temperature: Input should be greater than or equal to 0");
  }
  if (body.contains("metadata")) {
    if (!body["metadata"].is_object())
      return fail(ex, "metadata: Input should be a valid dictionary");
    for (const auto& [key, value] : body["metadata"].items()) {
      if (key != "user_id") return fail(ex, "metadata." + key + ": Extra inputs are not permitted");
    }
  }
  if (body.contains("thinking") && body["thinking"].is_object() &&
      body["thinking"].value("type", "") == "enabled") {
    const json& th = body["thinking"];
    if (!th.contains("budget_tokens") || !th["budget_tokens"].is_number_integer())
      return fail(ex, "thinking.enabled.budget_tokens: Field required");
    for (const auto& [key, value] : th.items())
      if (key != "type" && key != "budget_tokens" && key != "display")
        return fail(ex, "thinking.enabled." + key + ": Extra inputs are not permitted");
    long long budget = th["budget_tokens"].get<long long>();
    if (budget < 1024)
      return fail(ex,
                  "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");
    if (budget >= body["max_tokens"].get<long long>())
      return fail(ex,
                  "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult "
                  "our documentation at https://docs.claude.com/en/docs/build-with-claude/"
                  "extended-thinking#max-tokens-and-context-window-size");
    if (body.contains("temperature") && body["temperature"].get<double>() != 1.0)
      return fail(ex,
                  "`temperature` may only be set to 1 when thinking is enabled or in "
                  "interleaved thinking mode.");
    if (body.contains("top_k"))
      return fail(ex, "`top_k` is not supported when thinking is enabled.");
    if (body.contains("top_p") && body["top_p"].is_number() && body["top_p"].get<double>() < 0.95)
      return fail(ex,
                  "`top_p` must be greater than or equal to 0.95 or unset when thinking is "
                  "enabled.");
    if (auto tc = body.find("tool_choice"); tc != body.end() && tc->is_object()) {
      std::string type = tc->value("type", "");
      if (type == "any" || type == "tool")
        return fail(ex, "Thinking may not be enabled when tool_choice forces tool use.");
    }
  }
  if (body.contains("system")) {
    const json& sys = body["system"];
    if (!sys.is_string() && !sys.is_array())
      return fail(ex, "system: Input should be a valid list");
    if (sys.is_array()) {
      for (std::size_t i = 0; i < sys.size(); ++i) {
        const json& b = sys[i];
        std::string p = "system." + std::to_string(i);
        if (!b.is_object() || b.value("type", "") != "text")
          return fail(ex, p + ".type: Input should be 'text'");
        if (!b.contains("text") || !b["text"].is_string() || b["text"].get<std::string>().empty())
          return fail(ex, "system: text content blocks must be non-empty");
      }
    }
  }
  return true;
}

bool check_tools(Exchange& ex, bool& have_tools) {
  have_tools = false;
  auto it = ex.body.find("tools");
  if (it == ex.body.end()) return true;
  if (!it->is_array()) return fail(ex, "tools: Input should be a valid list");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& t = (*it)[i];
    std::string p = "tools." + std::to_string(i);
    if (!t.is_object()) return fail(ex, p + ": Input should be a valid dictionary");
    if (t.contains("type") && t["type"] != "custom") continue;  // server tools
    if (!t.contains("name") || !t["name"].is_string())
      return fail(ex, p + ".custom.name: Field required");
    std::string name = t["name"].get<std::string>();
    if (!valid_id(name) || name.size() > 128)
      return fail(ex, p + ".custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
    if (!t.contains("input_schema")) return fail(ex, p + ".custom.input_schema: Field required");
    if (!t["input_schema"].is_object() || t["input_schema"].value("type", "") != "object")
      return fail(ex, p + ".custom.input_schema.type: Input should be 'object'");
  }
  have_tools = !it->empty();
  return true;
}

// One API "turn": consecutive messages with the same role, which the API merges.
struct Turn {
  std::string role;
  std::size_t first = 0;                                     // index of its first message
  std::set<std::string> tool_use_ids;                        // assistant turns
  std::vector<std::pair<std::string, std::string>> results;  // (tool_use_id, path)
};

bool check_block(Exchange& ex, const json& block, const std::string& p, const std::string& role,
                 Turn& turn, bool& has_tool_blocks) {
  if (!block.is_object() || !block.contains("type") || !block["type"].is_string())
    return fail(ex, p + ".type: Field required");
  std::string type = block["type"].get<std::string>();
  if (type == "text") {
    if (!block.contains("text") || !block["text"].is_string())
      return fail(ex, p + ".text.text: Field required");
    if (block["text"].get<std::string>().empty())
      return fail(ex, "messages: text content blocks must be non-empty");
  } else if (type == "tool_use") {
    has_tool_blocks = true;
    if (role != "assistant")
      return fail(ex, p + ": tool_use blocks can only be in assistant messages");
    std::string id = block.value("id", "");
    if (!valid_id(id))
      return fail(ex, p + ".tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'");
    if (!block.contains("name")) return fail(ex, p + ".tool_use.name: Field required");
    if (!block.contains("input") || !block["input"].is_object())
      return fail(ex, p + ".tool_use.input: Input should be a valid dictionary");
    turn.tool_use_ids.insert(id);
  } else if (type == "tool_result") {
    has_tool_blocks = true;
    if (role != "user") return fail(ex, p + ": tool_result blocks can only be in user messages");
    std::string id = block.value("tool_use_id", "");
    if (!valid_id(id))
      return fail(ex,
                  p + ".tool_result.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'");
    if (block.contains("content")) {
      const json& c = block["content"];
      if (!c.is_string() && !c.is_array())
        return fail(ex, p + ".tool_result.content: Input should be a valid string or list");
      if (c.is_array()) {
        for (const auto& inner : c) {
          if (inner.is_object() && inner.value("type", "") == "text" &&
              inner.value("text", "").empty())
            return fail(ex, "messages: text content blocks must be non-empty");
        }
      }
    }
    turn.results.emplace_back(id, p);
  } else if (type != "image" && type != "document" && type != "thinking" &&
             type != "redacted_thinking" && type != "search_result" && type != "server_tool_use" &&
             type != "web_search_tool_result") {
    return fail(ex, p + ": Input tag '" + type +
                        "' found using 'type' does not match any of the expected tags");
  }
  return true;
}

std::string join_ids(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

}  // namespace

bool anthropic_validate(Exchange& ex) {
  if (!ex.body_is_object())
    return fail(ex, "There was an issue with your request body: it is not a valid JSON object.");
  if (!check_top_level(ex)) return false;
  bool have_tools = false;
  if (!check_tools(ex, have_tools)) return false;

  const json& messages = ex.body["messages"];
  if (messages.empty()) return fail(ex, "messages: at least one message is required");
  std::vector<Turn> turns;
  bool has_tool_blocks = false;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    std::string p = "messages." + std::to_string(i);
    if (!m.is_object()) return fail(ex, p + ": Input should be a valid dictionary");
    std::string role =
        m.contains("role") && m["role"].is_string() ? m["role"].get<std::string>() : "";
    if (role == "system")
      return fail(ex,
                  "messages: Unexpected role \"system\". The Messages API accepts a top-level "
                  "`system` parameter, not \"system\" as an input message role.");
    if (role != "user" && role != "assistant")
      return fail(ex, p + ".role: Input should be 'user' or 'assistant'");
    if (i == 0 && role != "user")
      return fail(ex, "messages: first message must use the \"user\" role");
    if (turns.empty() || turns.back().role != role) turns.push_back({role, i, {}, {}});
    Turn& turn = turns.back();

    if (!m.contains("content")) return fail(ex, p + ".content: Field required");
    const json& content = m["content"];
    bool last = i + 1 == messages.size();
    bool empty = (content.is_string() && content.get<std::string>().empty()) ||
                 (content.is_array() && content.empty());
    if (empty && !(last && role == "assistant"))
      return fail(ex, p + ": all messages must have non-empty content except for the optional "
                          "final assistant message");
    if (content.is_array()) {
      for (std::size_t j = 0; j < content.size(); ++j) {
        if (!check_block(ex, content[j], p + ".content." + std::to_string(j), role, turn,
                         has_tool_blocks))
          return false;
      }
    } else if (!content.is_string()) {
      return fail(ex, p + ".content: Input should be a valid list");
    }
    if (last && role == "assistant") {
      std::string tail = content.is_string() ? content.get<std::string>() : "";
      if (content.is_array() && !content.empty() && content.back().value("type", "") == "text")
        tail = content.back().value("text", "");
      if (!tail.empty() && (tail.back() == ' ' || tail.back() == '\n' || tail.back() == '\t'))
        return fail(ex, "messages: final assistant content cannot end with trailing whitespace");
    }
  }
  if (has_tool_blocks && !have_tools)
    return fail(ex, "Requests which include `tool_use` or `tool_result` blocks must define tools.");

  // Orphan results first: that is the error the API reports when an id was mangled.
  for (std::size_t t = 0; t < turns.size(); ++t) {
    if (turns[t].role != "user") continue;
    const std::set<std::string> none;
    const auto& prev = t > 0 ? turns[t - 1].tool_use_ids : none;
    for (const auto& [id, path] : turns[t].results) {
      if (!prev.contains(id))
        return fail(ex, path + ": unexpected `tool_use_id` found in `tool_result` blocks: " + id +
                            ". Each `tool_result` block must have a corresponding `tool_use` "
                            "block in the previous message.");
    }
  }
  for (std::size_t t = 0; t < turns.size(); ++t) {
    const Turn& turn = turns[t];
    if (turn.role == "assistant" && !turn.tool_use_ids.empty() && t + 1 < turns.size()) {
      std::set<std::string> missing = turn.tool_use_ids;
      for (const auto& r : turns[t + 1].results) missing.erase(r.first);
      if (!missing.empty())
        return fail(ex, "messages." + std::to_string(turns[t + 1].first) +
                            ": `tool_use` ids were found without `tool_result` blocks "
                            "immediately after: " +
                            join_ids(missing) +
                            ". Each `tool_use` block must have a corresponding `tool_result` "
                            "block in the next message.");
    }
  }
  return true;
}

}  // namespace fake
