// OpenAI Chat Completions request → Gemini GenerateContentRequest (docs/PROTOCOLS.md §4.4, §5).
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "api/chat_schema.hpp"
#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/gemini_translate.hpp"

namespace gw::providers::gemini {
namespace {

std::string msg_param(size_t i) {
  return "messages[" + std::to_string(i) + "]";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The MIME type of an image URL by its extension (query and fragment ignored).
std::string mime_from_url(std::string_view url) {
  url = url.substr(0, std::min(url.find('?'), url.find('#')));
  auto slash = url.rfind('/');
  auto dot = url.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "image/jpeg";
  std::string ext = lower(url.substr(dot + 1));
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"png", "image/png"},   {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},   {"webp", "image/webp"},     {"heic", "image/heic"},
      {"heif", "image/heif"}, {"pdf", "application/pdf"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "image/jpeg" : it->second;
}

// "data:image/png;base64,AAAA" → inlineData; false when it is not a base64 data URL.
bool inline_data_from_data_url(std::string_view url, Json& part) {
  if (!url.starts_with("data:")) return false;
  auto comma = url.find(',');
  if (comma == std::string_view::npos) return false;
  std::string_view meta = url.substr(5, comma - 5);
  if (!meta.ends_with(";base64")) return false;
  std::string mime(meta.substr(0, meta.find(';')));
  if (mime.empty()) mime = "image/jpeg";
  part = {{"inlineData", {{"mimeType", mime}, {"data", std::string(url.substr(comma + 1))}}}};
  return true;
}

Result<Json> image_part(const std::string& url, const std::string& param) {
  Json part;
  if (url.starts_with("data:")) {
    if (inline_data_from_data_url(url, part)) return part;
    return fail(Error::bad_request(
        "Invalid image data URL at '" + param + "': expected data:<mime>;base64,<data>.", param,
        "invalid_value"));
  }
  if (url.starts_with("https://") || url.starts_with("http://") || url.starts_with("gs://"))
    return Json{{"fileData", {{"mimeType", mime_from_url(url)}, {"fileUri", url}}}};
  return fail(Error::bad_request("Invalid image URL at '" + param + "'.", param, "invalid_value"));
}

Error unsupported(const std::string& what, const std::string& param) {
  return Error::bad_request(
      "gemini does not support " + what + " (set drop_params = true on the provider to drop it).",
      param, "unsupported_parameter");
}

// A user message's parts. Empty text is dropped: Gemini parts need a payload
// (docs/PROTOCOLS.md §5.3).
Result<Json> user_parts(const api::Message& m, size_t i, bool drop_params) {
  Json parts = Json::array();
  if (m.kind == api::Message::ContentKind::text) {
    if (!m.text.empty()) parts.push_back({{"text", m.text}});
    return parts;
  }
  for (size_t k = 0; k < m.parts.size(); ++k) {
    const auto& p = m.parts[k];
    std::string param = msg_param(i) + ".content[" + std::to_string(k) + "]";
    if (p.type == "text") {
      if (!p.text.empty()) parts.push_back({{"text", p.text}});
    } else if (p.type == "image_url") {
      auto part = image_part(p.image_url, param + ".image_url");
      if (!part) return fail(part.error());
      parts.push_back(std::move(*part));
    } else if (const Json* a = obj_of(p.raw, "input_audio"); p.type == "input_audio" && a) {
      parts.push_back({{"inlineData",
                        {{"mimeType", "audio/" + api::str_or(*a, "format", "wav")},
                         {"data", api::str_or(*a, "data")}}}});
    } else if (const Json* f = obj_of(p.raw, "file"); p.type == "file" && f) {
      Json part;
      if (!inline_data_from_data_url(api::str_or(*f, "file_data"), part))
        return fail(unsupported("file parts without inline 'file_data'", param + ".file"));
      parts.push_back(std::move(part));
    } else if (!drop_params) {
      return fail(unsupported("content parts of type '" + p.type + "'", param + ".type"));
    }
  }
  return parts;
}

struct Contents {
  Json list = Json::array();
  // Consecutive turns of one role merge into one Content (docs/PROTOCOLS.md §5.2); a turn
  // without parts is dropped (Gemini rejects empty Contents).
  void add(const char* role, Json parts) {
    if (parts.empty()) return;
    if (!list.empty() && list.back()["role"] == role) {
      for (auto& p : parts) list.back()["parts"].push_back(std::move(p));
      return;
    }
    list.push_back({{"role", role}, {"parts", std::move(parts)}});
  }
};

Result<void> add_messages(const api::ChatRequest& req, bool drop_params, Json& body) {
  Contents contents;
  Json system_parts = Json::array();
  std::map<std::string, std::string> call_names;  // tool-call id (full and bare) → name
  for (size_t i = 0; i < req.messages.size(); ++i) {
    const auto& m = req.messages[i];
    if (m.role == "system" || m.role == "developer") {
      if (m.kind == api::Message::ContentKind::text && !m.text.empty())
        system_parts.push_back({{"text", m.text}});
      for (const auto& p : m.parts)
        if (p.type == "text" && !p.text.empty()) system_parts.push_back({{"text", p.text}});
    } else if (m.role == "user") {
      auto parts = user_parts(m, i, drop_params);
      if (!parts) return fail(parts.error());
      contents.add("user", std::move(*parts));
    } else if (m.role == "assistant") {
      Json parts = Json::array();
      std::string text = m.all_text();
      if (!text.empty()) parts.push_back({{"text", text}});
      for (size_t k = 0; k < m.tool_calls.size(); ++k) {
        const auto& tc = m.tool_calls[k];
        auto args =
            tool_arguments_object(tc.arguments, msg_param(i) + ".tool_calls[" + std::to_string(k) +
                                                    "].function.arguments");
        if (!args) return fail(args.error());
        SplitId sid = split_tool_call_id(tc.id);
        Json call = {{"name", tc.name}, {"args", std::move(*args)}};
        if (!sid.id.empty()) call["id"] = sid.id;
        Json part = {{"functionCall", std::move(call)}};
        if (!sid.signature.empty()) part["thoughtSignature"] = sid.signature;
        parts.push_back(std::move(part));
        call_names[tc.id] = tc.name;
        if (!sid.id.empty()) call_names.emplace(sid.id, tc.name);
      }
      contents.add("model", std::move(parts));
    } else if (m.role == "tool" || m.role == "function") {
      std::string name = m.name;
      SplitId sid = split_tool_call_id(m.tool_call_id);
      if (m.role == "tool") {
        auto it = call_names.find(m.tool_call_id);
        if (it == call_names.end()) it = call_names.find(sid.id);
        if (it == call_names.end())
          return fail(Error::bad_request("No earlier assistant tool call has id '" +
                                             m.tool_call_id + "' (gemini needs " +
                                             "the function name of every tool result).",
                                         msg_param(i) + ".tool_call_id", "invalid_value"));
        name = it->second;
      } else if (name.empty()) {
        return fail(Error::bad_request("Missing 'name' in function message.",
                                       msg_param(i) + ".name", "missing_required_parameter"));
      }
      Json resp = {{"name", name}, {"response", {{"output", m.all_text()}}}};
      if (!sid.id.empty()) resp["id"] = sid.id;
      contents.add("user", Json::array({{{"functionResponse", std::move(resp)}}}));
    }
  }
  if (!system_parts.empty()) body["systemInstruction"] = {{"parts", std::move(system_parts)}};
  body["contents"] = std::move(contents.list);
  return {};
}

// ---- tools ------------------------------------------------------------------------------

struct SchemaCleaner {
  // Inlining refs can nest and multiply a small schema without end (each def referring to the
  // next twice doubles it): past these bounds a ref becomes the loosest schema instead.
  static constexpr int kMaxDepth = 64;            // objects deep in the output
  static constexpr size_t kMaxObjects = 100'000;  // objects in the output

  const Json* defs = nullptr;          // root $defs
  const Json* definitions = nullptr;   // root definitions (draft-07 spelling)
  std::vector<std::string> expanding;  // refs being inlined, to stop on recursion
  int depth = 0;
  size_t objects = 0;

  const Json* resolve(const std::string& ref) const {
    auto lookup = [&](const Json* table, std::string_view prefix) -> const Json* {
      if (!table || !ref.starts_with(prefix)) return nullptr;
      auto it = table->find(ref.substr(prefix.size()));
      return it == table->end() ? nullptr : &*it;
    };
    if (auto* s = lookup(defs, "#/$defs/")) return s;
    return lookup(definitions, "#/definitions/");
  }

  Json clean_list(const Json& list) {
    Json out = Json::array();
    for (const auto& s : list) out.push_back(clean(s));
    return out;
  }

  Json clean(const Json& node) {
    if (!node.is_object()) return node;
    ++objects;
    ++depth;
    Json out = clean_object(node);
    --depth;
    return out;
  }

  Json clean_object(const Json& node) {
    if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
      std::string r = *ref;
      Json out;
      const Json* target = resolve(r);
      if (!target || std::ranges::find(expanding, r) != expanding.end() || depth > kMaxDepth ||
          objects > kMaxObjects) {
        // Unresolvable, recursive or past the bounds: the loosest schema Gemini takes.
        out = {{"type", "object"}};
      } else {
        expanding.push_back(r);
        out = clean(*target);
        expanding.pop_back();
      }
      for (auto it = node.begin(); it != node.end(); ++it)  // siblings (description) win
        if (it.key() != "$ref" && !is_dropped(it.key())) out[it.key()] = clean_member(it);
      return out;
    }
    Json out = Json::object();
    for (auto it = node.begin(); it != node.end(); ++it)
      if (!is_dropped(it.key())) out[it.key()] = clean_member(it);
    fold_nullable(out);
    return out;
  }

  static bool is_dropped(const std::string& k) {
    return k == "$schema" || k == "additionalProperties" || k == "strict" || k == "$defs" ||
           k == "definitions";
  }

  Json clean_member(Json::const_iterator it) {
    const std::string& k = it.key();
    const Json& v = it.value();
    if ((k == "properties" || k == "patternProperties") && v.is_object()) {
      Json props = Json::object();  // keys here are property names, never keywords
      for (auto p = v.begin(); p != v.end(); ++p) props[p.key()] = clean(p.value());
      return props;
    }
    if ((k == "items" || k == "not") && v.is_object()) return clean(v);
    if ((k == "items" || k == "prefixItems" || k == "anyOf" || k == "oneOf" || k == "allOf") &&
        v.is_array())
      return clean_list(v);
    return v;
  }

  // anyOf [X, {"type":"null"}] → X + nullable:true; type ["string","null"] likewise.
  static void fold_nullable(Json& s) {
    if (auto t = s.find("type"); t != s.end() && t->is_array()) {
      Json types = Json::array();
      bool null_seen = false;
      for (const auto& ty : *t) {
        if (ty == "null")
          null_seen = true;
        else
          types.push_back(ty);
      }
      if (null_seen) s["nullable"] = true;
      if (types.size() == 1)
        s["type"] = types[0];
      else
        s["type"] = std::move(types);
    }
    auto any = s.find("anyOf");
    if (any == s.end() || !any->is_array()) return;
    Json rest = Json::array();
    bool null_seen = false;
    for (const auto& alt : *any) {
      if (alt.is_object() && alt.size() == 1 && alt.value("type", Json()) == "null")
        null_seen = true;
      else
        rest.push_back(alt);
    }
    if (!null_seen) return;
    s.erase("anyOf");
    s["nullable"] = true;
    if (rest.size() != 1 || !rest[0].is_object()) {
      if (!rest.empty()) s["anyOf"] = std::move(rest);
      return;
    }
    Json merged = rest[0];
    for (auto it = s.begin(); it != s.end(); ++it) merged[it.key()] = it.value();
    s = std::move(merged);
  }
};

// Only the keywords Gemini's Schema (an OpenAPI 3.0 subset) knows, at every level.
bool in_openapi_subset(const Json& schema, int depth = 0) {
  static constexpr std::string_view kKeywords[] = {
      "type",      "format",    "title",      "description", "nullable",      "enum",
      "maxItems",  "minItems",  "properties", "required",    "minProperties", "maxProperties",
      "minLength", "maxLength", "pattern",    "example",     "anyOf",         "propertyOrdering",
      "default",   "items",     "minimum",    "maximum"};
  if (!schema.is_object()) return true;
  if (depth > 64) return false;
  for (auto it = schema.begin(); it != schema.end(); ++it) {
    if (std::ranges::find(kKeywords, it.key()) == std::end(kKeywords)) return false;
    const Json& v = it.value();
    if (it.key() == "properties" && v.is_object()) {
      for (const auto& p : v)
        if (!in_openapi_subset(p, depth + 1)) return false;
    } else if (it.key() == "items" && !in_openapi_subset(v, depth + 1)) {
      return false;
    } else if (it.key() == "anyOf" && v.is_array()) {
      for (const auto& alt : v)
        if (!in_openapi_subset(alt, depth + 1)) return false;
    }
  }
  return true;
}

bool has_properties(const Json& schema) {
  auto p = schema.find("properties");
  return p != schema.end() && p->is_object() && !p->empty();
}

Result<void> add_tools(const api::ChatRequest& req, Json& body) {
  if (req.tools.empty()) return {};
  std::set<std::string> only;  // allowed_tools in auto mode: declare just those
  Json config;
  const Json& tc = req.tool_choice;
  if (tc.is_string()) {
    static const std::map<std::string, std::string, std::less<>> kModes = {
        {"auto", "AUTO"}, {"none", "NONE"}, {"required", "ANY"}};
    auto it = kModes.find(tc.get<std::string>());
    if (it == kModes.end())
      return fail(
          Error::bad_request("Invalid value for 'tool_choice': '" + tc.get<std::string>() + "'.",
                             "tool_choice", "invalid_value"));
    config = {{"mode", it->second}};
  } else if (tc.is_object() && api::str_or(tc, "type") == "function") {
    std::string name;
    if (const Json* f = obj_of(tc, "function")) name = api::str_or(*f, "name");
    if (name.empty())
      return fail(Error::bad_request("Missing required parameter: 'tool_choice.function.name'.",
                                     "tool_choice.function.name", "missing_required_parameter"));
    config = {{"mode", "ANY"}, {"allowedFunctionNames", {name}}};
  } else if (tc.is_object() && api::str_or(tc, "type") == "allowed_tools") {
    Json names = Json::array();
    const Json* at = obj_of(tc, "allowed_tools");
    const Json* list = at ? arr_of(*at, "tools") : nullptr;
    if (list)
      for (const auto& t : *list)
        if (const Json* f = obj_of(t, "function")) names.push_back(api::str_or(*f, "name"));
    if (at && api::str_or(*at, "mode") == "required") {
      config = {{"mode", "ANY"}, {"allowedFunctionNames", names}};
    } else {
      config = {{"mode", "AUTO"}};
      for (const auto& n : names) only.insert(n.get<std::string>());
    }
  } else if (!tc.is_null()) {
    return fail(
        Error::bad_request("Invalid value for 'tool_choice'.", "tool_choice", "invalid_value"));
  }
  Json decls = Json::array();
  for (size_t i = 0; i < req.tools.size(); ++i) {
    const auto& t = req.tools[i];
    if (t.type != "function")
      return fail(
          unsupported("tools of type '" + t.type + "'", "tools[" + std::to_string(i) + "].type"));
    if (!only.empty() && !only.contains(t.name)) continue;
    Json d = {{"name", t.name}};
    if (!t.description.empty()) d["description"] = t.description;
    // No parameters, or an object without properties (Gemini rejects an empty OBJECT), both
    // mean "no arguments".
    // `parameters` takes an OpenAPI subset; a schema that needs more of JSON Schema
    // (exclusiveMinimum, const, oneOf, ...: Claude Code's tools do) goes as it is in
    // parametersJsonSchema, which Gemini reads as JSON Schema.
    if (t.parameters.is_object() && has_properties(t.parameters)) {
      Json cleaned = clean_schema(t.parameters);
      if (in_openapi_subset(cleaned))
        d["parameters"] = std::move(cleaned);
      else
        d["parametersJsonSchema"] = t.parameters;
    }
    decls.push_back(std::move(d));
  }
  body["tools"] = Json::array({{{"functionDeclarations", std::move(decls)}}});
  if (!config.is_null()) body["toolConfig"] = {{"functionCallingConfig", std::move(config)}};
  return {};
}

Result<void> add_generation_config(const api::ChatRequest& req, std::string_view model,
                                   Json& body) {
  Json g = Json::object();
  if (req.reasoning_effort) g["thinkingConfig"] = thinking_config(*req.reasoning_effort, model);
  if (req.temperature) g["temperature"] = *req.temperature;
  if (req.top_p) g["topP"] = *req.top_p;
  if (auto k = req.extra.find("top_k"); k != req.extra.end() && k->is_number()) g["topK"] = *k;
  if (auto k = req.anthropic_extra.find("top_k"); k != req.anthropic_extra.end() && k->is_number())
    g["topK"] = *k;
  if (auto limit = req.output_limit()) g["maxOutputTokens"] = *limit;
  if (req.stop.size() > 5)
    return fail(Error::bad_request("Invalid 'stop': gemini accepts at most 5 sequences.", "stop",
                                   "array_above_max_length"));
  if (!req.stop.empty()) g["stopSequences"] = req.stop;
  if (req.n) g["candidateCount"] = *req.n;
  if (req.seed) g["seed"] = *req.seed;
  if (req.presence_penalty) g["presencePenalty"] = *req.presence_penalty;
  if (req.frequency_penalty) g["frequencyPenalty"] = *req.frequency_penalty;
  if (req.logprobs) {
    g["responseLogprobs"] = *req.logprobs;
    if (*req.logprobs && req.top_logprobs) g["logprobs"] = *req.top_logprobs;
  }
  if (const Json& rf = req.response_format; rf.is_object()) {
    std::string type = api::str_or(rf, "type");
    if (type == "json_object") {
      g["responseMimeType"] = "application/json";
    } else if (type == "json_schema") {
      g["responseMimeType"] = "application/json";
      if (auto js = rf.find("json_schema"); js != rf.end() && js->is_object())
        if (auto s = js->find("schema"); s != js->end() && s->is_object())
          g["responseJsonSchema"] = *s;
    } else if (type != "text") {
      return fail(Error::bad_request("Invalid value for 'response_format.type': '" + type + "'.",
                                     "response_format.type", "invalid_value"));
    }
  }
  if (!g.empty()) body["generationConfig"] = std::move(g);
  return {};
}

// Parameters that would silently change the answer: 400 unless drop_params
// (docs/PROTOCOLS.md §5.8). Everything else Gemini cannot express is dropped silently.
Result<void> check_unsupported(const api::ChatRequest& req) {
  const Json& x = req.extra;
  if (auto it = x.find("logit_bias"); it != x.end() && !it->is_null())
    return fail(unsupported("'logit_bias'", "logit_bias"));
  if (auto it = x.find("modalities"); it != x.end() && it->is_array())
    for (const auto& m : *it)
      if (m == "audio") return fail(unsupported("audio output ('modalities')", "modalities"));
  if (auto it = x.find("prediction"); it != x.end() && !it->is_null())
    return fail(unsupported("'prediction'", "prediction"));
  return {};
}

}  // namespace

SplitId split_tool_call_id(std::string_view id) {
  auto pos = id.find(kThoughtSep);
  if (pos == std::string_view::npos) return {std::string(id), {}};
  return {std::string(id.substr(0, pos)), std::string(id.substr(pos + kThoughtSep.size()))};
}

std::string join_tool_call_id(std::string_view id, std::string_view signature) {
  std::string out(id);
  if (!signature.empty()) out.append(kThoughtSep).append(signature);
  return out;
}

std::optional<std::string> model_resource(std::string_view model) {
  std::string_view collection = "models/";
  if (model.starts_with("models/")) {
    model.remove_prefix(7);
  } else if (model.starts_with("tunedModels/")) {
    collection = "tunedModels/";
    model.remove_prefix(12);
  }
  // '+' and '=' mean nothing in a path segment; the tests' fake upstream reads directives
  // from them ("gemini-x+fail=400"). ':' would start the method, '/' a segment.
  auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '+' || c == '=';
  };
  if (model.empty() || model == "." || model.find("..") != std::string_view::npos ||
      !std::ranges::all_of(model, plain))
    return std::nullopt;
  // Encoded anyway: the id is a client's string, and the check above may be loosened one day.
  return std::string(collection) + percent_encode_segment(model);
}

Json clean_schema(const Json& schema) {
  SchemaCleaner c;
  if (schema.is_object()) {
    if (auto d = schema.find("$defs"); d != schema.end() && d->is_object()) c.defs = &*d;
    if (auto d = schema.find("definitions"); d != schema.end() && d->is_object())
      c.definitions = &*d;
  }
  return c.clean(schema);
}

Json thinking_config(std::string_view effort, std::string_view model) {
  if (model.starts_with("models/")) model.remove_prefix(7);
  // Gemini 3 takes a level, not a budget; its Pro model cannot stop thinking, so "none" is
  // the lowest level there too.
  if (model.starts_with("gemini-3")) {
    bool high = effort == "medium" || effort == "high" || effort == "xhigh";
    return {{"thinkingLevel", high ? "high" : "low"}, {"includeThoughts", true}};
  }
  int64_t budget = api::schema::reasoning_budget(effort);
  if (budget == 0) {
    // 2.5 Pro cannot turn thinking off: its smallest budget (128) instead of a 400.
    if (model.find("-pro") != std::string_view::npos)
      return {{"thinkingBudget", 128}, {"includeThoughts", true}};
    return {{"thinkingBudget", 0}};
  }
  // includeThoughts: the thought summaries come back as reasoning_content.
  return {{"thinkingBudget", budget}, {"includeThoughts", true}};
}

Result<Json> build_body(const api::ChatRequest& req, const config::ProviderConfig& provider,
                        std::string_view model) {
  // Without the upstream id, the request's own, after any "provider/" prefix.
  if (model.empty()) model = std::string_view(req.model).substr(req.model.rfind('/') + 1);
  if (!provider.drop_params)
    if (auto r = check_unsupported(req); !r) return fail(r.error());
  Json body = Json::object();
  if (auto r = add_messages(req, provider.drop_params, body); !r) return fail(r.error());
  if (auto r = add_tools(req, body); !r) return fail(r.error());
  if (auto r = add_generation_config(req, model, body); !r) return fail(r.error());
  return body;
}

}  // namespace gw::providers::gemini
