// Rejects what the real Chat Completions API rejects, with its messages, so translation bugs
// in gw fail loudly in tests instead of passing against a lenient fake.
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>

#include "dialects.hpp"
#include "text_util.hpp"

namespace fake {

using nlohmann::json;

namespace {

const std::unordered_set<std::string_view> kKnownFields = {"model",
                                                           "messages",
                                                           "temperature",
                                                           "top_p",
                                                           "max_tokens",
                                                           "max_completion_tokens",
                                                           "stop",
                                                           "n",
                                                           "stream",
                                                           "stream_options",
                                                           "tools",
                                                           "tool_choice",
                                                           "parallel_tool_calls",
                                                           "response_format",
                                                           "seed",
                                                           "user",
                                                           "metadata",
                                                           "logprobs",
                                                           "top_logprobs",
                                                           "presence_penalty",
                                                           "frequency_penalty",
                                                           "logit_bias",
                                                           "reasoning_effort",
                                                           "service_tier",
                                                           "store",
                                                           "modalities",
                                                           "audio",
                                                           "prediction",
                                                           "web_search_options",
                                                           "verbosity",
                                                           "safety_identifier",
                                                           "prompt_cache_key",
                                                           "functions",
                                                           "function_call"};

const std::unordered_set<std::string_view> kRoles = {"system", "developer", "user", "assistant",
                                                     "tool"};

const char* type_name(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_number_integer()) return "an integer";
  return "a decimal";
}

// Sends the error and returns false, so checks read as `return fail(...)`.
bool fail(Exchange& ex, const std::string& message, const json& param, const json& code) {
  openai_error(ex, 400, message, "invalid_request_error", param, code);
  return false;
}

bool missing(Exchange& ex, const std::string& param) {
  return fail(ex, "Missing required parameter: '" + param + "'.", param,
              "missing_required_parameter");
}

bool check_range(Exchange& ex, const char* name, double lo, double hi) {
  auto it = ex.body.find(name);
  if (it == ex.body.end() || it->is_null()) return true;
  if (!it->is_number())
    return fail(ex,
                std::string("Invalid type for '") + name + "': expected a decimal, but got " +
                    type_name(*it) + " instead.",
                name, "invalid_type");
  double v = it->get<double>();
  if (v > hi)
    return fail(ex,
                std::string("Invalid '") + name +
                    "': decimal above maximum value. Expected a value <= " + dump(json(hi)) +
                    ", but got " + dump(*it) + " instead.",
                name, "decimal_above_max_value");
  if (v < lo)
    return fail(ex,
                std::string("Invalid '") + name +
                    "': decimal below minimum value. Expected a value >= " + dump(json(lo)) +
                    ", but got " + dump(*it) + " instead.",
                name, "decimal_below_min_value");
  return true;
}

bool valid_function_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool check_tools(Exchange& ex) {
  auto it = ex.body.find("tools");
  if (it == ex.body.end() || it->is_null()) return true;
  if (!it->is_array())
    return fail(ex,
                std::string("Invalid type for 'tools': expected an array, but got ") +
                    type_name(*it) + " instead.",
                "tools", "invalid_type");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& t = (*it)[i];
    std::string p = "tools[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("type")) return missing(ex, p + ".type");
    if (t["type"] != "function" && t["type"] != "custom")
      return fail(
          ex,
          "Invalid value: " + dump(t["type"]) + ". Supported values are: 'function' and 'custom'.",
          p + ".type", "invalid_value");
    if (t["type"] != "function") continue;
    if (!t.contains("function") || !t["function"].is_object()) return missing(ex, p + ".function");
    const json& f = t["function"];
    if (!f.contains("name") || !f["name"].is_string()) return missing(ex, p + ".function.name");
    if (!valid_function_name(f["name"].get<std::string>()))
      return fail(ex,
                  "Invalid '" + p +
                      ".function.name': string does not match pattern. Expected a string that "
                      "matches the pattern '^[a-zA-Z0-9_-]+$'.",
                  p + ".function.name", "invalid_value");
  }
  return true;
}

bool check_content(Exchange& ex, const json& content, const std::string& p) {
  if (content.is_string() || content.is_null()) return true;
  if (!content.is_array())
    return fail(ex,
                "Invalid type for '" + p +
                    "': expected one of a string or array of objects, "
                    "but got " +
                    type_name(content) + " instead.",
                p, "invalid_type");
  for (std::size_t j = 0; j < content.size(); ++j) {
    const json& part = content[j];
    std::string pp = p + "[" + std::to_string(j) + "]";
    if (!part.is_object() || !part.contains("type")) return missing(ex, pp + ".type");
    const std::string type = part["type"].is_string() ? part["type"].get<std::string>() : "";
    if (type == "text") {
      if (!part.contains("text") || !part["text"].is_string()) return missing(ex, pp + ".text");
    } else if (type == "image_url") {
      if (!part.contains("image_url") || !part["image_url"].is_object() ||
          !part["image_url"].contains("url"))
        return missing(ex, pp + ".image_url.url");
    } else if (type != "input_audio" && type != "file" && type != "refusal") {
      return fail(ex,
                  "Invalid value: " + dump(part["type"]) +
                      ". Supported values are: 'text', 'image_url', 'input_audio', 'refusal', "
                      "'audio', and 'file'.",
                  pp + ".type", "invalid_value");
    }
  }
  return true;
}

bool check_tool_calls(Exchange& ex, const json& calls, const std::string& p,
                      std::set<std::string>& ids) {
  if (!calls.is_array())
    return fail(ex,
                "Invalid type for '" + p + "': expected an array of objects, but got " +
                    type_name(calls) + " instead.",
                p, "invalid_type");
  for (std::size_t k = 0; k < calls.size(); ++k) {
    const json& c = calls[k];
    std::string cp = p + "[" + std::to_string(k) + "]";
    if (!c.is_object() || !c.contains("id") || !c["id"].is_string()) return missing(ex, cp + ".id");
    if (!c.contains("type")) return missing(ex, cp + ".type");
    if (!c.contains("function") || !c["function"].is_object()) return missing(ex, cp + ".function");
    const json& f = c["function"];
    if (!f.contains("name")) return missing(ex, cp + ".function.name");
    if (!f.contains("arguments")) return missing(ex, cp + ".function.arguments");
    // A classic translation bug: arguments must stay a JSON *string*.
    if (!f["arguments"].is_string())
      return fail(ex,
                  "Invalid type for '" + cp + ".function.arguments': expected a string, but got " +
                      type_name(f["arguments"]) + " instead.",
                  cp + ".function.arguments", "invalid_type");
    ids.insert(c["id"].get<std::string>());
  }
  return true;
}

std::string join(const std::set<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

bool check_messages(Exchange& ex, const json& messages) {
  std::set<std::string> pending;    // tool_call ids still waiting for a tool message
  std::set<std::string> group_ids;  // ids of the assistant message the tool run answers
  std::size_t pending_at = 0;
  auto unanswered = [&]() {
    return fail(ex,
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                "response messages: " +
                    join(pending),
                "messages.[" + std::to_string(pending_at) + "].role", nullptr);
  };
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    std::string p = "messages[" + std::to_string(i) + "]";
    if (!m.is_object())
      return fail(
          ex,
          "Invalid type for '" + p + "': expected an object, but got " + type_name(m) + " instead.",
          p, "invalid_type");
    if (!m.contains("role")) return missing(ex, p + ".role");
    const json& role_v = m["role"];
    std::string role = role_v.is_string() ? role_v.get<std::string>() : "";
    if (!kRoles.contains(role))
      return fail(ex,
                  "Invalid value: '" + (role_v.is_string() ? role : dump(role_v)) + "'" +
                      ". Supported values are: 'system', 'assistant', 'user', 'tool', and "
                      "'developer'.",
                  p + ".role", "invalid_value");
    bool has_calls = role == "assistant" && m.contains("tool_calls") && !m["tool_calls"].is_null();
    if (!m.contains("content") && !has_calls) return missing(ex, p + ".content");
    if (m.contains("content") && !check_content(ex, m["content"], p + ".content")) return false;

    if (role == "tool") {
      if (!m.contains("tool_call_id") || !m["tool_call_id"].is_string())
        return missing(ex, p + ".tool_call_id");
      std::string id = m["tool_call_id"].get<std::string>();
      if (group_ids.empty())
        return fail(ex,
                    "Invalid parameter: messages with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'.",
                    "messages.[" + std::to_string(i) + "].role", nullptr);
      if (!group_ids.contains(id))
        return fail(ex,
                    "Invalid parameter: 'tool_call_id' of '" + id +
                        "' not found in 'tool_calls' of previous message.",
                    "messages.[" + std::to_string(i) + "].tool_call_id", nullptr);
      pending.erase(id);
      continue;
    }
    if (!pending.empty()) return unanswered();
    group_ids.clear();
    if (has_calls) {
      if (!check_tool_calls(ex, m["tool_calls"], p + ".tool_calls", group_ids)) return false;
      pending = group_ids;
      pending_at = i;
    }
  }
  if (!pending.empty()) return unanswered();
  return true;
}

}  // namespace

bool openai_validate(Exchange& ex) {
  if (!ex.body_is_object())
    return fail(ex,
                "We could not parse the JSON body of your request. (HINT: This likely means "
                "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                "payload, but what was sent was not valid JSON.)",
                nullptr, nullptr);
  std::string unknown;
  int n_unknown = 0;
  for (const auto& [key, value] : ex.body.items()) {
    if (kKnownFields.contains(key)) continue;
    unknown += (unknown.empty() ? "" : ", ") + key;
    ++n_unknown;
  }
  if (n_unknown == 1)
    return fail(ex, "Unrecognized request argument supplied: " + unknown, nullptr, nullptr);
  if (n_unknown > 1)
    return fail(ex, "Unrecognized request arguments supplied: " + unknown, nullptr, nullptr);

  auto model = ex.body.find("model");
  if (model == ex.body.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
    return fail(ex, "you must provide a model parameter", nullptr, nullptr);
  auto messages = ex.body.find("messages");
  if (messages == ex.body.end()) return missing(ex, "messages");
  if (!messages->is_array())
    return fail(ex,
                std::string("Invalid type for 'messages': expected an array of objects, but got ") +
                    type_name(*messages) + " instead.",
                "messages", "invalid_type");
  if (messages->empty())
    return fail(ex,
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but "
                "got an empty array instead.",
                "messages", "empty_array");

  auto stream = ex.body.find("stream");
  bool streaming = stream != ex.body.end() && stream->is_boolean() && stream->get<bool>();
  if (stream != ex.body.end() && !stream->is_boolean() && !stream->is_null())
    return fail(ex,
                std::string("Invalid type for 'stream': expected a boolean, but got ") +
                    type_name(*stream) + " instead.",
                "stream", "invalid_type");
  auto so = ex.body.find("stream_options");
  if (so != ex.body.end() && !so->is_null() && !streaming)
    return fail(ex, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                "stream_options", nullptr);
  if (so != ex.body.end() && !so->is_null()) {
    if (!so->is_object())
      return fail(ex,
                  std::string("Invalid type for 'stream_options': expected an object, but got ") +
                      type_name(*so) + " instead.",
                  "stream_options", "invalid_type");
    for (const char* flag : {"include_usage", "include_obfuscation"}) {
      auto it = so->find(flag);
      if (it == so->end() || it->is_null() || it->is_boolean()) continue;
      const std::string param = std::string("stream_options.") + flag;
      return fail(ex,
                  "Invalid type for '" + param + "': expected a boolean, but got " +
                      type_name(*it) + " instead.",
                  param, "invalid_type");
    }
  }

  if (!check_range(ex, "temperature", 0, 2) || !check_range(ex, "top_p", 0, 1) ||
      !check_range(ex, "presence_penalty", -2, 2) || !check_range(ex, "frequency_penalty", -2, 2))
    return false;
  if (!check_tools(ex)) return false;
  return check_messages(ex, *messages);
}

}  // namespace fake
