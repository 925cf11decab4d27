// Messages, content parts, tool calls and tools: read with validation the way OpenAI does,
// and written back. Shared by requests (json_codec.cpp) and answers (json_codec_answer.cpp).
#include <string>

#include "api/json_codec.hpp"
#include "api/json_codec_detail.hpp"

namespace gw::api {

namespace {

#define GW_TRY(var, expr)                                \
  auto var##_r = (expr);                                 \
  if (!var##_r) return fail(std::move(var##_r.error())); \
  auto var = std::move(*var##_r)

Result<ContentPart> part_from_json(const Json& p, const std::string& path) {
  if (!p.is_object())
    return fail(Error::bad_request("Invalid content part at '" + path + "'.", path));
  ContentPart part;
  auto t = p.find("type");
  if (t == p.end() || !t->is_string())
    return fail(
        Error::bad_request("Missing 'type' in content part '" + path + "'.", path + ".type"));
  part.type = t->get<std::string>();
  if (part.type == "text") {
    auto tx = p.find("text");
    if (tx == p.end() || !tx->is_string())
      return fail(Error::bad_request("Expected a string at '" + path + ".text'.", path + ".text"));
    part.text = tx->get<std::string>();
  } else if (part.type == "image_url") {
    auto iu = p.find("image_url");
    if (iu != p.end() && iu->is_string()) {
      part.image_url = iu->get<std::string>();  // lenient: some clients send the bare URL
    } else if (iu != p.end() && iu->is_object() && iu->contains("url") &&
               (*iu)["url"].is_string()) {
      part.image_url = (*iu)["url"].get<std::string>();
      if (auto d = iu->find("detail"); d != iu->end() && d->is_string())
        part.detail = d->get<std::string>();
    } else {
      return fail(Error::bad_request("Expected an object with 'url' at '" + path + ".image_url'.",
                                     path + ".image_url"));
    }
  } else {
    part.raw = p;
  }
  return part;
}

// A member that is there (not null) with the wrong JSON type is a 400 naming it: dropping or
// converting it would send the upstream a request that means something else.
std::optional<Error> mistyped(const Json& obj, const char* key, bool (Json::*is)() const noexcept,
                              const std::string& path, const char* want) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null() || ((*it).*is)()) return std::nullopt;
  std::string p = path + "." + key;
  return Error::bad_request("Invalid type for '" + p + "': expected " + want + ".", p,
                            "invalid_type");
}

Result<ToolCall> tool_call_from_json(const Json& c, const std::string& path) {
  if (!c.is_object()) return fail(Error::bad_request("Invalid tool call at '" + path + "'.", path));
  if (auto e = mistyped(c, "id", &Json::is_string, path, "a string")) return fail(std::move(*e));
  if (auto fn = c.find("function"); fn != c.end() && fn->is_object()) {
    // (arguments given as an object are taken as their JSON text: the meaning is kept)
    if (auto e = mistyped(*fn, "name", &Json::is_string, path + ".function", "a string"))
      return fail(std::move(*e));
  }
  ToolCall tc;
  if (auto id = c.find("id"); id != c.end() && id->is_string()) tc.id = id->get<std::string>();
  if (auto ty = c.find("type"); ty != c.end() && ty->is_string()) tc.type = ty->get<std::string>();
  auto fn = c.find("function");
  if (fn == c.end() || !fn->is_object())
    return fail(Error::bad_request("Missing 'function' in '" + path + "'.", path + ".function"));
  if (auto n = fn->find("name"); n != fn->end() && n->is_string()) tc.name = n->get<std::string>();
  if (auto a = fn->find("arguments"); a != fn->end()) {
    if (a->is_string())
      tc.arguments = a->get<std::string>();
    else if (!a->is_null())
      tc.arguments = dump(*a);  // lenient: an object instead of its text
  }
  return tc;
}

}  // namespace

namespace detail {

Result<Message> message_from_json(const Json& m, const std::string& path) {
  if (!m.is_object())
    return fail(Error::bad_request("Invalid message at '" + path + "': expected an object.", path));
  Message msg;
  auto role = m.find("role");
  if (role == m.end() || !role->is_string())
    return fail(
        Error::bad_request("Missing required parameter: '" + path + ".role'.", path + ".role"));
  msg.role = role->get<std::string>();
  if (!detail::is_message_role(msg.role))
    return fail(Error::bad_request("Invalid value for '" + path + ".role': '" + msg.role +
                                       "'. Supported values are: 'system', 'developer', 'user', "
                                       "'assistant' and 'tool'.",
                                   path + ".role", "invalid_value"));
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if (k == "role") continue;
    if (k == "content") {
      if (v.is_null()) {
        msg.kind = Message::ContentKind::null;
      } else if (v.is_string()) {
        msg.kind = Message::ContentKind::text;
        msg.text = v.get<std::string>();
      } else if (v.is_array()) {
        msg.kind = Message::ContentKind::parts;
        for (size_t i = 0; i < v.size(); ++i) {
          GW_TRY(part, part_from_json(v[i], path + ".content[" + std::to_string(i) + "]"));
          msg.parts.push_back(std::move(part));
        }
      } else {
        return fail(Error::bad_request(
            "Invalid type for '" + path + ".content': expected a string, an array or null.",
            path + ".content", "invalid_type"));
      }
    } else if (k == "name" && v.is_string()) {
      msg.name = v.get<std::string>();
    } else if (k == "tool_call_id" && v.is_string()) {
      msg.tool_call_id = v.get<std::string>();
    } else if (k == "refusal" && v.is_string()) {
      msg.refusal = v.get<std::string>();
    } else if (k == "tool_calls" && v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) {
        GW_TRY(tc, tool_call_from_json(v[i], path + ".tool_calls[" + std::to_string(i) + "]"));
        msg.tool_calls.push_back(std::move(tc));
      }
    } else if (k == "tool_calls" && !v.is_null()) {
      return fail(
          Error::bad_request("Invalid type for '" + path + ".tool_calls': expected an array.",
                             path + ".tool_calls", "invalid_type"));
    } else if (!v.is_null()) {
      msg.extra[k] = v;
    }
  }
  if (msg.role == "tool" && msg.tool_call_id.empty())
    return fail(Error::bad_request("Missing required parameter: '" + path + ".tool_call_id'.",
                                   path + ".tool_call_id", "missing_required_parameter"));
  return msg;
}

Result<Tool> tool_from_json(const Json& t, const std::string& path) {
  if (!t.is_object()) return fail(Error::bad_request("Invalid tool at '" + path + "'.", path));
  Tool tool;
  if (auto ty = t.find("type"); ty != t.end() && ty->is_string())
    tool.type = ty->get<std::string>();
  auto fn = t.find("function");
  if (fn == t.end() || !fn->is_object())
    return fail(Error::bad_request("Missing required parameter: '" + path + ".function'.",
                                   path + ".function", "missing_required_parameter"));
  auto name = fn->find("name");
  if (name == fn->end() || !name->is_string() || name->get_ref<const std::string&>().empty())
    return fail(Error::bad_request("Missing required parameter: '" + path + ".function.name'.",
                                   path + ".function.name", "missing_required_parameter"));
  tool.name = name->get<std::string>();
  const std::string fpath = path + ".function";
  if (auto e = mistyped(*fn, "description", &Json::is_string, fpath, "a string"))
    return fail(std::move(*e));
  if (auto e = mistyped(*fn, "parameters", &Json::is_object, fpath, "an object"))
    return fail(std::move(*e));
  if (auto e = mistyped(*fn, "strict", &Json::is_boolean, fpath, "a boolean"))
    return fail(std::move(*e));
  if (auto d = fn->find("description"); d != fn->end() && d->is_string())
    tool.description = d->get<std::string>();
  if (auto p = fn->find("parameters"); p != fn->end() && p->is_object()) tool.parameters = *p;
  if (auto s = fn->find("strict"); s != fn->end() && s->is_boolean()) tool.strict = s->get<bool>();
  return tool;
}

}  // namespace detail

Json to_json(const Message& m) {
  Json j = {{"role", m.role}};
  switch (m.kind) {
    case Message::ContentKind::null:
      j["content"] = nullptr;
      break;
    case Message::ContentKind::text:
      j["content"] = m.text;
      break;
    case Message::ContentKind::parts: {
      Json parts = Json::array();
      for (const auto& p : m.parts) {
        if (p.type == "text") {
          parts.push_back({{"type", "text"}, {"text", p.text}});
        } else if (p.type == "image_url") {
          Json iu = {{"url", p.image_url}};
          if (!p.detail.empty()) iu["detail"] = p.detail;
          parts.push_back({{"type", "image_url"}, {"image_url", std::move(iu)}});
        } else {
          parts.push_back(p.raw);
        }
      }
      j["content"] = std::move(parts);
    }
  }
  if (!m.name.empty()) j["name"] = m.name;
  if (!m.tool_calls.empty()) {
    Json calls = Json::array();
    for (const auto& c : m.tool_calls)
      calls.push_back({{"id", c.id},
                       {"type", c.type},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    j["tool_calls"] = std::move(calls);
  }
  if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
  if (m.refusal) j["refusal"] = *m.refusal;
  for (auto it = m.extra.begin(); it != m.extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

std::string Message::all_text() const {
  if (kind == ContentKind::text) return text;
  std::string out;
  for (const auto& p : parts) {
    if (p.type != "text") continue;
    if (!out.empty()) out += '\n';
    out += p.text;
  }
  return out;
}

}  // namespace gw::api
