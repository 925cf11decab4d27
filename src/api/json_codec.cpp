#include "api/json_codec.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "api/fast_parse.hpp"
#include "api/json_codec_detail.hpp"

namespace gw::api {
namespace {

// The request fields typed in ChatRequest; everything else goes to `extra`.
constexpr std::array<std::string_view, 22> kTypedRequestFields = {"model",
                                                                  "messages",
                                                                  "temperature",
                                                                  "top_p",
                                                                  "presence_penalty",
                                                                  "frequency_penalty",
                                                                  "max_tokens",
                                                                  "max_completion_tokens",
                                                                  "n",
                                                                  "seed",
                                                                  "stop",
                                                                  "stream",
                                                                  "stream_options",
                                                                  "tools",
                                                                  "tool_choice",
                                                                  "parallel_tool_calls",
                                                                  "response_format",
                                                                  "user",
                                                                  "metadata",
                                                                  "logprobs",
                                                                  "top_logprobs",
                                                                  "function_call"};

bool is_typed_field(std::string_view k) {
  for (auto f : kTypedRequestFields)
    if (f == k) return true;
  return false;
}

// A small reader that turns type mistakes into OpenAI-shaped 400s naming the param.
struct Reader {
  const Json& j;
  std::string path;

  Error type_error(std::string_view key, std::string_view want) const {
    std::string p = path.empty() ? std::string(key) : path + "." + std::string(key);
    return Error::bad_request("Invalid type for '" + p + "': expected " + std::string(want) + ".",
                              p, "invalid_type");
  }
  Error out_of_range(std::string_view key) const {
    std::string p = path.empty() ? std::string(key) : path + "." + std::string(key);
    return Error::bad_request("Invalid '" + p + "': integer out of range.", p,
                              "integer_out_of_range");
  }
  Result<std::optional<double>> number(std::string_view key) const {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::optional<double>{};
    if (!it->is_number()) return fail(type_error(key, "a number"));
    return std::optional<double>(it->get<double>());
  }
  Result<std::optional<int64_t>> integer(std::string_view key) const {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::optional<int64_t>{};
    // Past int64 a value must not wrap (2^64-1 became -1 on its way upstream): out of range.
    constexpr double kTwo63 = 9223372036854775808.0;
    if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX})
      return fail(out_of_range(key));
    if (it->is_number_integer()) return std::optional<int64_t>(it->get<int64_t>());
    if (it->is_number_float()) {
      double d = it->get<double>();
      if (!(d > -kTwo63 && d < kTwo63)) return fail(out_of_range(key));  // NaN and inf too
      if (d == std::trunc(d)) return std::optional<int64_t>(static_cast<int64_t>(d));
    }
    return fail(type_error(key, "an integer"));
  }
  Result<std::optional<bool>> boolean(std::string_view key) const {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::optional<bool>{};
    if (!it->is_boolean()) return fail(type_error(key, "a boolean"));
    return std::optional<bool>(it->get<bool>());
  }
  Result<std::optional<std::string>> string(std::string_view key) const {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) return fail(type_error(key, "a string"));
    return std::optional<std::string>(it->get<std::string>());
  }
};

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
  if (msg.role != "system" && msg.role != "developer" && msg.role != "user" &&
      msg.role != "assistant" && msg.role != "tool" && msg.role != "function")
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

}  // namespace detail

namespace {

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

}  // namespace

using detail::message_from_json;
using detail::null_or;

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
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

namespace {
constexpr int kMaxJsonDepth = kMaxJsonNesting;  // the fast reader declines deeper texts too
}  // namespace

// Strings are most of a chat body (the prompt), so they are skipped with memchr, not byte by
// byte. Deeper texts are refused before the DOM parser: copying and serialising a Json
// recurse per level, and requests run on fibers with bounded stacks.
int json_depth(std::string_view s, int limit) {
  int depth = 0, max = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    char c = *p++;
    if (c == '"') {
      for (;;) {  // to the closing quote: one not preceded by an odd run of backslashes
        auto* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
        if (!q) return max;
        const char* b = q;
        while (b > p && b[-1] == '\\') --b;
        p = q + 1;
        if ((q - b) % 2 == 0) break;
      }
    } else if (c == '{' || c == '[') {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max;
}

Json parse_json_bounded(std::string_view text, int max_depth) {
  if (json_depth(text, max_depth) > max_depth) return Json(Json::value_t::discarded);
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

Result<ChatRequest> parse_chat_request(std::string_view body) {
  // The whole document's depth first: the fast reader counts levels inside each value it
  // captures (tool parameters), not from the top, and one rule must hold for both paths.
  if (json_depth(body, kMaxJsonDepth) > kMaxJsonDepth)
    return fail(Error::bad_request("The request body nests JSON deeper than " +
                                   std::to_string(kMaxJsonDepth) + " levels."));
  // Valid requests in the usual shape take the DOM-free path; the rest come here for the
  // same value or the worded error.
  if (auto fast = fast_chat_request(body)) return std::move(*fast);
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return fail(Error::bad_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload.)"));
  return chat_request_from_json(j);
}

Result<ChatRequest> chat_request_from_json(const Json& j) {
  if (!j.is_object()) return fail(Error::bad_request("The request body must be a JSON object."));
  ChatRequest r;
  Reader rd{j, ""};
  GW_TRY(model, rd.string("model"));
  if (!model || model->empty())
    return fail(Error::bad_request("you must provide a model parameter", "model",
                                   "missing_required_parameter"));
  r.model = std::move(*model);

  auto msgs = j.find("messages");
  if (msgs == j.end() || msgs->is_null())
    return fail(Error::bad_request("Missing required parameter: 'messages'.", "messages",
                                   "missing_required_parameter"));
  if (!msgs->is_array()) return fail(rd.type_error("messages", "an array"));
  if (msgs->empty())
    return fail(
        Error::bad_request("Invalid 'messages': empty array. Expected an array with minimum "
                           "length 1, but got an empty array instead.",
                           "messages", "empty_array"));
  r.messages.reserve(msgs->size());
  for (size_t i = 0; i < msgs->size(); ++i) {
    GW_TRY(m, message_from_json((*msgs)[i], "messages[" + std::to_string(i) + "]"));
    r.messages.push_back(std::move(m));
  }

  GW_TRY(temperature, rd.number("temperature"));
  if (temperature && (*temperature < 0 || *temperature > 2))
    return fail(Error::bad_request("Invalid 'temperature': must be between 0 and 2.", "temperature",
                                   "decimal_out_of_range"));
  r.temperature = temperature;
  GW_TRY(top_p, rd.number("top_p"));
  if (top_p && (*top_p < 0 || *top_p > 1))
    return fail(Error::bad_request("Invalid 'top_p': must be between 0 and 1.", "top_p",
                                   "decimal_out_of_range"));
  r.top_p = top_p;
  for (const char* pen : {"presence_penalty", "frequency_penalty"}) {
    GW_TRY(v, rd.number(pen));
    if (v && (*v < -2 || *v > 2))
      return fail(
          Error::bad_request(std::string("Invalid '") + pen + "': must be between -2 and 2.", pen,
                             "decimal_out_of_range"));
  }
  GW_TRY(pp, rd.number("presence_penalty"));
  r.presence_penalty = pp;
  GW_TRY(fp, rd.number("frequency_penalty"));
  r.frequency_penalty = fp;
  GW_TRY(max_tokens, rd.integer("max_tokens"));
  GW_TRY(max_completion, rd.integer("max_completion_tokens"));
  for (auto [value, name] :
       {std::pair{max_tokens, "max_tokens"}, std::pair{max_completion, "max_completion_tokens"}})
    if (value && *value < 1)
      return fail(Error::bad_request(std::string("Invalid '") + name + "': must be at least 1.",
                                     name, "integer_below_min_value"));
  r.max_tokens = max_tokens;
  r.max_completion_tokens = max_completion;
  GW_TRY(n, rd.integer("n"));
  if (n && *n < 1) return fail(Error::bad_request("Invalid 'n': must be at least 1.", "n"));
  r.n = n;
  GW_TRY(seed, rd.integer("seed"));
  r.seed = seed;
  GW_TRY(logprobs, rd.boolean("logprobs"));
  r.logprobs = logprobs;
  GW_TRY(top_logprobs, rd.integer("top_logprobs"));
  if (top_logprobs && (*top_logprobs < 0 || *top_logprobs > 20))
    return fail(Error::bad_request("Invalid 'top_logprobs': must be between 0 and 20.",
                                   "top_logprobs", "integer_out_of_range"));
  r.top_logprobs = top_logprobs;
  GW_TRY(stream, rd.boolean("stream"));
  r.stream = stream.value_or(false);
  if (auto so = j.find("stream_options"); so != j.end() && !so->is_null()) {
    if (!so->is_object()) return fail(rd.type_error("stream_options", "an object"));
    if (!r.stream)
      return fail(Error::bad_request(
          "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
          "stream_options", "invalid_value"));
    if (auto e = mistyped(*so, "include_usage", &Json::is_boolean, "stream_options", "a boolean"))
      return fail(std::move(*e));
    if (auto iu = so->find("include_usage"); iu != so->end() && iu->is_boolean())
      r.include_usage = iu->get<bool>();
  }
  if (auto st = j.find("stop"); st != j.end() && !st->is_null()) {
    if (st->is_string()) {
      r.stop.push_back(st->get<std::string>());
    } else if (st->is_array()) {
      for (const auto& s : *st) {
        if (!s.is_string()) return fail(rd.type_error("stop", "a string or an array of strings"));
        r.stop.push_back(s.get<std::string>());
      }
      if (r.stop.size() > 4)
        return fail(Error::bad_request("Invalid 'stop': expected at most 4 sequences.", "stop",
                                       "array_above_max_length"));
    } else {
      return fail(rd.type_error("stop", "a string or an array of strings"));
    }
  }
  if (auto tools = j.find("tools"); tools != j.end() && !tools->is_null()) {
    if (!tools->is_array()) return fail(rd.type_error("tools", "an array"));
    for (size_t i = 0; i < tools->size(); ++i) {
      GW_TRY(t, tool_from_json((*tools)[i], "tools[" + std::to_string(i) + "]"));
      r.tools.push_back(std::move(t));
    }
  }
  if (auto tc = j.find("tool_choice"); tc != j.end() && !tc->is_null()) {
    if (!tc->is_string() && !tc->is_object())
      return fail(rd.type_error("tool_choice", "a string or an object"));
    r.tool_choice = *tc;
  }
  GW_TRY(ptc, rd.boolean("parallel_tool_calls"));
  r.parallel_tool_calls = ptc;
  if (auto rf = j.find("response_format"); rf != j.end() && !rf->is_null()) {
    if (!rf->is_object() || !rf->contains("type"))
      return fail(rd.type_error("response_format", "an object with a 'type'"));
    r.response_format = *rf;
  }
  GW_TRY(user, rd.string("user"));
  r.user = user.value_or("");
  if (auto md = j.find("metadata"); md != j.end() && !md->is_null()) {
    if (!md->is_object()) return fail(rd.type_error("metadata", "an object"));
    r.metadata = *md;
  }
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!is_typed_field(it.key())) r.extra[it.key()] = it.value();
  if (auto fc = j.find("function_call"); fc != j.end()) r.extra["function_call"] = *fc;
  return r;
}

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

Json to_json(const ChatRequest& r) {
  Json j = {{"model", r.model}};
  Json msgs = Json::array();
  for (const auto& m : r.messages) msgs.push_back(to_json(m));
  j["messages"] = std::move(msgs);
  if (r.temperature) j["temperature"] = *r.temperature;
  if (r.top_p) j["top_p"] = *r.top_p;
  if (r.presence_penalty) j["presence_penalty"] = *r.presence_penalty;
  if (r.frequency_penalty) j["frequency_penalty"] = *r.frequency_penalty;
  if (r.max_tokens) j["max_tokens"] = *r.max_tokens;
  if (r.max_completion_tokens) j["max_completion_tokens"] = *r.max_completion_tokens;
  if (r.n) j["n"] = *r.n;
  if (r.seed) j["seed"] = *r.seed;
  if (r.logprobs) j["logprobs"] = *r.logprobs;
  if (r.top_logprobs) j["top_logprobs"] = *r.top_logprobs;
  if (r.stop.size() == 1)
    j["stop"] = r.stop.front();
  else if (!r.stop.empty())
    j["stop"] = r.stop;
  if (r.stream) {
    j["stream"] = true;
    if (r.include_usage) j["stream_options"] = {{"include_usage", true}};
  }
  if (!r.tools.empty()) {
    Json tools = Json::array();
    for (const auto& t : r.tools) {
      Json fn = {{"name", t.name}};
      if (!t.description.empty()) fn["description"] = t.description;
      if (!t.parameters.is_null()) fn["parameters"] = t.parameters;
      if (t.strict) fn["strict"] = *t.strict;
      tools.push_back({{"type", t.type}, {"function", std::move(fn)}});
    }
    j["tools"] = std::move(tools);
  }
  if (!r.tool_choice.is_null()) j["tool_choice"] = r.tool_choice;
  if (r.parallel_tool_calls) j["parallel_tool_calls"] = *r.parallel_tool_calls;
  if (!r.response_format.is_null()) j["response_format"] = r.response_format;
  if (!r.user.empty()) j["user"] = r.user;
  if (!r.metadata.is_null()) j["metadata"] = r.metadata;
  for (auto it = r.extra.begin(); it != r.extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

Json error_to_json(const Error& e) {
  return {{"error",
           {{"message", e.message},
            {"type", e.type.empty() ? "server_error" : e.type},
            {"param", null_or(e.param)},
            {"code", null_or(e.code)}}}};
}

std::string error_body(const Error& e) {
  return dump(error_to_json(e));
}

}  // namespace gw::api
