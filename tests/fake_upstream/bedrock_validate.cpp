// The Converse request body as Bedrock validates it: known top-level fields only, messages
// that start with a user turn and alternate, content blocks of one kind each, no blank text,
// toolUse/toolResult only with a toolConfig and every toolResult answering a toolUse of the
// turn before, inferenceConfig's four fields in range, toolChoice naming a defined tool.
#include <cctype>
#include <set>
#include <string>

#include "clouds.hpp"

namespace fake {
namespace {

using nlohmann::json;

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

bool tool_id_ok(const json& id) {
  if (!id.is_string()) return false;
  const auto& s = id.get_ref<const std::string&>();
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

std::string check_block(const json& b, const std::string& where, bool in_tool_result) {
  if (!b.is_object() || b.size() != 1) return where + ": a content block has exactly one member";
  const std::string kind = b.begin().key();
  const json& v = b.begin().value();
  if (kind == "text") {
    if (!v.is_string() || blank(v.get<std::string>()))
      return where + ": text content blocks must be non-empty";
    return {};
  }
  if (kind == "image") {
    static const std::set<std::string> kFormats = {"png", "jpeg", "gif", "webp"};
    if (!v.is_object() || !v.contains("format") || !v["format"].is_string() ||
        !kFormats.contains(v["format"].get<std::string>()) || !v.contains("source") ||
        !v["source"].is_object() || !v["source"].contains("bytes") ||
        !v["source"]["bytes"].is_string())
      return where + ": image needs format (png|jpeg|gif|webp) and source.bytes";
    return {};
  }
  if (in_tool_result) {
    if (kind == "json") return v.is_object() ? "" : where + ": json must be an object";
    return where + ": toolResult content takes text, image or json";
  }
  if (kind == "toolUse") {
    if (!v.is_object() || !tool_id_ok(v.value("toolUseId", json())) || !v.contains("name") ||
        !v["name"].is_string() || !v.contains("input") || !v["input"].is_object())
      return where + ": toolUse needs toolUseId ([a-zA-Z0-9_-]{1,64}), name and input (object)";
    return {};
  }
  if (kind == "toolResult") {
    if (!v.is_object() || !tool_id_ok(v.value("toolUseId", json())) || !v.contains("content") ||
        !v["content"].is_array() || v["content"].empty())
      return where + ": toolResult needs toolUseId and a non-empty content array";
    if (v.contains("status") && v["status"] != "success" && v["status"] != "error")
      return where + ": toolResult.status is success or error";
    for (size_t i = 0; i < v["content"].size(); ++i)
      if (auto e = check_block(v["content"][i], where + ".toolResult.content." + std::to_string(i),
                               true);
          !e.empty())
        return e;
    return {};
  }
  if (kind == "reasoningContent" || kind == "document" || kind == "guardContent") return {};
  return where + ": unknown content block '" + kind + "'";
}

std::string check_inference(const json& ic) {
  if (!ic.is_object()) return "inferenceConfig must be an object";
  for (auto it = ic.begin(); it != ic.end(); ++it) {
    const std::string& k = it.key();
    const json& v = it.value();
    if (k == "maxTokens") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1)
        return "inferenceConfig.maxTokens must be an integer >= 1";
    } else if (k == "temperature" || k == "topP") {
      if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
        return "inferenceConfig." + k + " must be between 0 and 1";
    } else if (k == "stopSequences") {
      if (!v.is_array() || v.size() > 4) return "inferenceConfig.stopSequences: at most 4 strings";
      for (const auto& s : v)
        if (!s.is_string() || s.get<std::string>().empty())
          return "inferenceConfig.stopSequences: non-empty strings only";
    } else {
      return "inferenceConfig: extraneous key [" + k + "] is not permitted";
    }
  }
  return {};
}

std::string check_tool_config(const json& tc, std::set<std::string>& names) {
  if (!tc.is_object() || !tc.contains("tools") || !tc["tools"].is_array() || tc["tools"].empty())
    return "toolConfig.tools must be a non-empty array";
  for (const auto& t : tc["tools"]) {
    const json* spec = t.is_object() && t.contains("toolSpec") ? &t["toolSpec"] : nullptr;
    if (!spec || !spec->is_object() || !spec->contains("name") || !(*spec)["name"].is_string() ||
        !spec->contains("inputSchema") || !(*spec)["inputSchema"].is_object() ||
        !(*spec)["inputSchema"].contains("json") || !(*spec)["inputSchema"]["json"].is_object())
      return "toolConfig.tools: each needs toolSpec {name, inputSchema: {json: {...}}}";
    if (!names.insert((*spec)["name"].get<std::string>()).second)
      return "toolConfig.tools: tool names must be unique";
  }
  if (auto ch = tc.find("toolChoice"); ch != tc.end()) {
    if (!ch->is_object() || ch->size() != 1) return "toolChoice has exactly one of auto, any, tool";
    const std::string kind = ch->begin().key();
    if (kind == "tool") {
      const json& t = ch->begin().value();
      if (!t.is_object() || !t.contains("name") || !t["name"].is_string() ||
          !names.contains(t["name"].get<std::string>()))
        return "toolChoice.tool.name must name a tool in toolConfig.tools";
    } else if (kind != "auto" && kind != "any") {
      return "toolChoice has exactly one of auto, any, tool";
    }
  }
  return {};
}

}  // namespace

std::string bedrock_validate(const json& body) {
  static const std::set<std::string> kTop = {
      "messages",         "system",          "inferenceConfig",
      "toolConfig",       "guardrailConfig", "additionalModelRequestFields",
      "promptVariables",  "requestMetadata", "additionalModelResponseFieldPaths",
      "performanceConfig"};
  if (!body.is_object()) return "Malformed input request: the body must be a JSON object";
  for (auto it = body.begin(); it != body.end(); ++it)
    if (!kTop.contains(it.key()))
      return "Malformed input request: extraneous key [" + it.key() + "] is not permitted";
  if (body.contains("system")) {
    if (!body["system"].is_array()) return "system must be an array";
    for (const auto& b : body["system"])
      if (!b.is_object() || !b.contains("text") || !b["text"].is_string() ||
          blank(b["text"].get<std::string>()))
        return "system: each block needs non-empty text";
  }
  if (body.contains("inferenceConfig"))
    if (auto e = check_inference(body["inferenceConfig"]); !e.empty()) return e;
  std::set<std::string> tools;
  if (body.contains("toolConfig"))
    if (auto e = check_tool_config(body["toolConfig"], tools); !e.empty()) return e;

  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
    return "messages: at least one message is required";
  std::string last_role;
  std::set<std::string> open_tool_uses;  // toolUse ids of the previous assistant turn
  const json& messages = body["messages"];
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    const std::string where = "messages." + std::to_string(i);
    if (!m.is_object() || !m.contains("role") || !m.contains("content") ||
        !m["content"].is_array() || m["content"].empty())
      return where + ": needs role and a non-empty content array";
    const std::string role = m["role"].is_string() ? m["role"].get<std::string>() : "";
    if (role != "user" && role != "assistant") return where + ".role: user or assistant";
    if (i == 0 && role != "user") return "A conversation must start with a user message.";
    if (role == last_role) return "A conversation must alternate between user and assistant roles.";
    last_role = role;
    std::set<std::string> uses;
    for (size_t k = 0; k < m["content"].size(); ++k) {
      const json& b = m["content"][k];
      if (auto e = check_block(b, where + ".content." + std::to_string(k), false); !e.empty())
        return e;
      const bool tool_block = b.contains("toolUse") || b.contains("toolResult");
      if (tool_block && tools.empty())
        return "The toolConfig field must be defined when using toolUse and toolResult content "
               "blocks.";
      if (b.contains("toolUse")) {
        if (role != "assistant") return where + ": toolUse blocks belong to assistant turns";
        uses.insert(b["toolUse"]["toolUseId"].get<std::string>());
      }
      if (b.contains("toolResult")) {
        if (role != "user") return where + ": toolResult blocks belong to user turns";
        if (!open_tool_uses.contains(b["toolResult"]["toolUseId"].get<std::string>()))
          return where + ": toolResult " + b["toolResult"]["toolUseId"].get<std::string>() +
                 " answers no toolUse of the previous turn";
      }
    }
    if (role == "assistant") open_tool_uses = std::move(uses);
  }
  return {};
}

}  // namespace fake
