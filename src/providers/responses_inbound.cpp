// Responses API inbound, the request side (the mapping is listed in responses_inbound.hpp).
// The body is turned into a Chat Completions request JSON and then read by the one chat schema
// (api::chat_request_from_json), so every bound and type rule of chat holds here too.
#include <cctype>
#include <string_view>
#include <utility>

#include "api/json_codec.hpp"
#include "providers/inbound_params.hpp"
#include "providers/responses_inbound.hpp"

namespace gw::providers::responses {
namespace {

using api::Json;

using inbound::at;
using inbound::invalid;
using inbound::member;
using inbound::missing;
using inbound::mistyped;

Error unsupported(const std::string& path, const std::string& why) {
  return Error::bad_request("'" + path + "' is not supported by gw: " + why, path,
                            "unsupported_parameter");
}

// Members read as they are, under their chat name (the chat schema checks their values).
constexpr std::pair<std::string_view, std::string_view> kSameOrRenamed[] = {
    {"temperature", "temperature"},
    {"top_p", "top_p"},
    {"parallel_tool_calls", "parallel_tool_calls"},
    {"metadata", "metadata"},
    {"user", "user"},
    {"service_tier", "service_tier"},
    {"prompt_cache_key", "prompt_cache_key"},
    {"safety_identifier", "safety_identifier"},
    {"max_output_tokens", "max_completion_tokens"},
};

// Members a client may send that change nothing here: `include` asks for extra output gw does
// not make (encrypted reasoning, logprobs), the rest are OpenAI-side scheduling knobs.
constexpr std::string_view kIgnored[] = {"include", "max_tool_calls", "top_logprobs", "prompt",
                                         "stream_options"};

// One Responses request, read in a fixed member order so the first error is stable.
class Reader {
 public:
  Result<ResponsesCall> read(const Json& j) {
    if (!j.is_object()) return fail(Error::bad_request("The request body must be a JSON object."));
    for (auto step : {&Reader::model, &Reader::known_members, &Reader::state, &Reader::input,
                      &Reader::instructions, &Reader::scalars, &Reader::tools, &Reader::tool_choice,
                      &Reader::text, &Reader::reasoning, &Reader::stream})
      if (auto r = (this->*step)(j); !r) return fail(r.error());
    return std::move(call_);
  }

 private:
  Result<void> model(const Json& j) {
    const Json* m = member(j, "model");
    if (!m) return fail(missing("model"));
    if (!m->is_string()) return fail(mistyped("model", "a string"));
    call_.chat["model"] = *m;
    call_.settings["model"] = *m;
    return {};
  }

  // Unknown members are refused by name, as OpenAI does: sending them to a chat upstream
  // would mean something else, or nothing.
  Result<void> known_members(const Json& j) {
    static constexpr std::string_view kOwn[] = {
        "model",        "input",      "instructions", "tools", "tool_choice",
        "text",         "reasoning",  "stream",       "store", "previous_response_id",
        "conversation", "background", "truncation"};
    for (const auto& [key, value] : j.items()) {
      bool known = false;
      for (auto k : kOwn) known = known || key == k;
      for (const auto& [k, chat_name] : kSameOrRenamed) known = known || key == k;
      for (auto k : kIgnored) known = known || key == k;
      if (!known)
        return fail(
            Error::bad_request("Unknown parameter: '" + key + "'.", key, "unknown_parameter"));
    }
    return {};
  }

  Result<void> state(const Json& j) {
    if (const Json* s = member(j, "store")) {
      if (!s->is_boolean()) return fail(mistyped("store", "a boolean"));
      call_.store = s->get<bool>();
    }
    if (const Json* p = member(j, "previous_response_id")) {
      if (!p->is_string()) return fail(mistyped("previous_response_id", "a string"));
      const auto& id = p->get_ref<const std::string&>();
      if (id.empty() || id.size() > 128) return fail(invalid("previous_response_id", "bad id."));
      for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
          return fail(invalid("previous_response_id", "bad id."));
      call_.previous_response_id = id;
    }
    if (member(j, "conversation"))
      return fail(unsupported("conversation", "conversations are kept by OpenAI only."));
    if (const Json* b = member(j, "background"); b && !(b->is_boolean() && !b->get<bool>()))
      return fail(unsupported("background", "gw answers in the foreground."));
    if (const Json* t = member(j, "truncation")) {
      if (!t->is_string()) return fail(mistyped("truncation", "a string"));
      if (*t == "auto")
        return fail(unsupported("truncation", "gw does not cut conversations; use 'disabled'."));
      if (*t != "disabled") return fail(invalid("truncation", "expected 'auto' or 'disabled'."));
    }
    return {};
  }

  Result<void> input(const Json& j) {
    const Json* in = member(j, "input");
    if (!in) return fail(missing("input"));
    call_.input = Json::array();
    if (in->is_string()) {
      call_.input.push_back({{"role", "user"}, {"content", *in}});
      return {};
    }
    if (!in->is_array()) return fail(mistyped("input", "a string or an array of items"));
    for (size_t i = 0; i < in->size(); ++i)
      if (auto r = item((*in)[i], at("input", i)); !r) return fail(r.error());
    return {};
  }

  Result<void> item(const Json& it, const std::string& path) {
    if (!it.is_object()) return fail(mistyped(path, "an object"));
    std::string type = api::str_or(it, "type", "message");
    if (type == "message") return message(it, path);
    if (type == "function_call") return function_call(it, path);
    if (type == "function_call_output") return function_call_output(it, path);
    if (type == "reasoning") return {};  // see responses_inbound.hpp
    if (type == "item_reference")
      return fail(unsupported(path, "item references need OpenAI's stored items; send the item."));
    return fail(unsupported(path + ".type", "input items of type '" + type + "'."));
  }

  Result<void> message(const Json& it, const std::string& path) {
    const Json* role = member(it, "role");
    if (!role) return fail(missing(path + ".role"));
    if (!role->is_string()) return fail(mistyped(path + ".role", "a string"));
    if (*role != "user" && *role != "system" && *role != "developer" && *role != "assistant")
      return fail(invalid(path + ".role", "expected user, system, developer or assistant."));
    const Json* content = member(it, "content");
    if (!content) return fail(missing(path + ".content"));
    Json msg = {{"role", *role}};
    if (content->is_string()) {
      msg["content"] = *content;
    } else if (content->is_array()) {
      Json parts = Json::array();
      for (size_t k = 0; k < content->size(); ++k) {
        auto p = part((*content)[k], at(path + ".content", k));
        if (!p) return fail(p.error());
        parts.push_back(std::move(*p));
      }
      // An assistant turn is plain text to every upstream.
      if (*role == "assistant") {
        std::string text;
        for (const auto& p : parts)
          if (p.value("type", "") == "text") text += p.value("text", "");
        msg["content"] = std::move(text);
      } else {
        msg["content"] = std::move(parts);
      }
    } else {
      return fail(mistyped(path + ".content", "a string or an array of content parts"));
    }
    call_.input.push_back(std::move(msg));
    return {};
  }

  Result<Json> part(const Json& p, const std::string& path) {
    if (!p.is_object()) return fail(mistyped(path, "an object"));
    std::string type = api::str_or(p, "type");
    if (type == "input_text" || type == "output_text") {
      const Json* t = member(p, "text");
      if (!t || !t->is_string()) return fail(mistyped(path + ".text", "a string"));
      return Json{{"type", "text"}, {"text", *t}};
    }
    if (type == "refusal") return Json{{"type", "text"}, {"text", api::str_or(p, "refusal")}};
    if (type == "input_image") {
      const Json* url = member(p, "image_url");
      if (!url) return fail(unsupported(path, "images by file_id; send image_url."));
      if (!url->is_string()) return fail(mistyped(path + ".image_url", "a string"));
      Json image = {{"url", *url}};
      if (const Json* d = member(p, "detail"); d && d->is_string())
        image["detail"] = *d == "original" ? "high" : d->get<std::string>();
      return Json{{"type", "image_url"}, {"image_url", std::move(image)}};
    }
    if (type == "input_file") {
      Json file = Json::object();
      for (const char* k : {"file_data", "file_id", "filename"})
        if (const Json* v = member(p, k); v && v->is_string()) file[k] = *v;
      return Json{{"type", "file"}, {"file", std::move(file)}};
    }
    return fail(unsupported(path + ".type", "content parts of type '" + type + "'."));
  }

  // Consecutive calls become one assistant message, as a chat model made them.
  Result<void> function_call(const Json& it, const std::string& path) {
    Json call = Json::object();
    for (const char* k : {"call_id", "name", "arguments"}) {
      const Json* v = member(it, k);
      if (!v) return fail(missing(path + "." + k));
      if (!v->is_string()) return fail(mistyped(path + "." + k, "a string"));
    }
    Json tc = {{"id", it["call_id"]},
               {"type", "function"},
               {"function", {{"name", it["name"]}, {"arguments", it["arguments"]}}}};
    if (!call_.input.empty()) {
      Json& last = call_.input.back();
      if (last.value("role", "") == "assistant") {
        if (!last.contains("tool_calls")) last["tool_calls"] = Json::array();
        last["tool_calls"].push_back(std::move(tc));
        return {};
      }
    }
    call_.input.push_back(
        {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", Json::array({tc})}});
    return {};
  }

  Result<void> function_call_output(const Json& it, const std::string& path) {
    const Json* id = member(it, "call_id");
    if (!id) return fail(missing(path + ".call_id"));
    if (!id->is_string()) return fail(mistyped(path + ".call_id", "a string"));
    const Json* out = member(it, "output");
    if (!out) return fail(missing(path + ".output"));
    std::string text;
    if (out->is_string()) {
      text = out->get<std::string>();
    } else if (out->is_array()) {  // input parts: their text
      for (size_t k = 0; k < out->size(); ++k) {
        auto p = part((*out)[k], at(path + ".output", k));
        if (!p) return fail(p.error());
        if (p->value("type", "") == "text") text += p->value("text", "");
      }
    } else {
      return fail(mistyped(path + ".output", "a string or an array of content parts"));
    }
    call_.input.push_back({{"role", "tool"}, {"tool_call_id", *id}, {"content", std::move(text)}});
    return {};
  }

  Result<void> instructions(const Json& j) {
    if (const Json* s = member(j, "instructions")) {
      if (!s->is_string()) return fail(mistyped("instructions", "a string"));
      call_.instructions = s->get<std::string>();
      call_.settings["instructions"] = *s;
    }
    return {};
  }

  Result<void> scalars(const Json& j) {
    for (const auto& [name, chat_name] : kSameOrRenamed)
      if (const Json* v = member(j, name)) {
        call_.chat[std::string(chat_name)] = *v;
        call_.settings[std::string(name)] = *v;
      }
    return {};
  }

  // Flat function tools → chat's nested ones; anything else needs OpenAI's own servers.
  Result<void> tools(const Json& j) {
    const Json* ts = member(j, "tools");
    if (!ts) return {};
    if (!ts->is_array()) return fail(mistyped("tools", "an array"));
    Json out = Json::array();
    for (size_t i = 0; i < ts->size(); ++i) {
      const Json& t = (*ts)[i];
      std::string path = at("tools", i);
      if (!t.is_object()) return fail(mistyped(path, "an object"));
      std::string type = api::str_or(t, "type");
      if (type != "function")
        return fail(unsupported(
            path + ".type",
            "tools of type '" + type + "' (only function tools reach every provider)."));
      const Json* name = member(t, "name");
      if (!name) return fail(missing(path + ".name"));
      if (!name->is_string()) return fail(mistyped(path + ".name", "a string"));
      Json fn = {{"name", *name}};
      for (const char* k : {"description", "parameters", "strict"})
        if (const Json* v = member(t, k)) fn[k] = *v;
      out.push_back({{"type", "function"}, {"function", std::move(fn)}});
    }
    call_.chat["tools"] = std::move(out);
    call_.settings["tools"] = *ts;
    return {};
  }

  Result<void> tool_choice(const Json& j) {
    const Json* tc = member(j, "tool_choice");
    if (!tc) return {};
    call_.settings["tool_choice"] = *tc;
    if (tc->is_string()) {
      call_.chat["tool_choice"] = *tc;
      return {};
    }
    if (!tc->is_object()) return fail(mistyped("tool_choice", "a string or an object"));
    std::string type = api::str_or(*tc, "type");
    if (type == "function") {
      const Json* name = member(*tc, "name");
      if (!name || !name->is_string()) return fail(missing("tool_choice.name"));
      call_.chat["tool_choice"] = {{"type", "function"}, {"function", {{"name", *name}}}};
      return {};
    }
    if (type == "allowed_tools") {  // the named tools only, in the given mode
      std::string mode = api::str_or(*tc, "mode", "auto");
      if (mode != "auto" && mode != "required")
        return fail(invalid("tool_choice.mode", "expected 'auto' or 'required'."));
      const Json* allowed = member(*tc, "tools");
      if (!allowed || !allowed->is_array()) return fail(missing("tool_choice.tools"));
      Json kept = Json::array();
      for (const auto& t : call_.chat.value("tools", Json::array()))
        for (const auto& a : *allowed)
          if (a.is_object() && a.value("name", "") == t["function"].value("name", ""))
            kept.push_back(t);
      call_.chat["tools"] = std::move(kept);
      call_.chat["tool_choice"] = mode;
      return {};
    }
    return fail(unsupported("tool_choice.type", "tool_choice of type '" + type + "'."));
  }

  Result<void> text(const Json& j) {
    const Json* t = member(j, "text");
    if (!t) return {};
    if (!t->is_object()) return fail(mistyped("text", "an object"));
    call_.settings["text"] = *t;
    if (const Json* v = member(*t, "verbosity")) call_.chat["verbosity"] = *v;
    const Json* f = member(*t, "format");
    if (!f) return {};
    if (!f->is_object()) return fail(mistyped("text.format", "an object"));
    std::string type = api::str_or(*f, "type");
    if (type == "text") return {};
    if (type == "json_object") {
      call_.chat["response_format"] = {{"type", "json_object"}};
      return {};
    }
    if (type != "json_schema")
      return fail(invalid("text.format.type", "expected text, json_object or json_schema."));
    const Json* schema = member(*f, "schema");
    if (!schema || !schema->is_object()) return fail(missing("text.format.schema"));
    Json js = {{"name", api::str_or(*f, "name", "response")}, {"schema", *schema}};
    for (const char* k : {"strict", "description"})
      if (const Json* v = member(*f, k)) js[k] = *v;
    call_.chat["response_format"] = {{"type", "json_schema"}, {"json_schema", std::move(js)}};
    return {};
  }

  Result<void> reasoning(const Json& j) {
    const Json* r = member(j, "reasoning");
    if (!r) return {};
    if (!r->is_object()) return fail(mistyped("reasoning", "an object"));
    call_.settings["reasoning"] = *r;
    if (const Json* e = member(*r, "effort")) call_.chat["reasoning_effort"] = *e;
    return {};
  }

  Result<void> stream(const Json& j) {
    if (const Json* s = member(j, "stream")) {
      if (!s->is_boolean()) return fail(mistyped("stream", "a boolean"));
      call_.stream = s->get<bool>();
    }
    call_.chat["stream"] = call_.stream;
    if (call_.stream) {
      Json so = {{"include_usage", true}};  // Responses always ends with usage
      if (const Json* o = member(j, "stream_options"); o && o->is_object())
        if (const Json* ob = member(*o, "include_obfuscation")) so["include_obfuscation"] = *ob;
      call_.chat["stream_options"] = std::move(so);
    }
    return {};
  }

  ResponsesCall call_{Json::object(), Json::array(), {}, {}, {}, false, Json::object()};
};

// A chat schema error, named as the client called the parameter.
Error renamed(Error e) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"max_completion_tokens", "max_output_tokens"},
      {"reasoning_effort", "reasoning.effort"},
      {"response_format", "text.format"},
      {"messages", "input"},
      {"verbosity", "text.verbosity"},
  };
  for (const auto& [chat, theirs] : kNames)
    if (e.param == chat || e.param.starts_with(std::string(chat) + "[") ||
        e.param.starts_with(std::string(chat) + ".")) {
      std::string was = e.param;
      e.param = std::string(theirs) + was.substr(chat.size());
      if (auto p = e.message.find(was); p != std::string::npos)
        e.message.replace(p, was.size(), e.param);
      // A message index no longer names an input item (instructions and history shift it).
      if (chat == "messages") e.param = "input";
      break;
    }
  if (e.param.starts_with("tools["))  // tools[0].function.x → tools[0].x (flat tools)
    if (auto p = e.param.find(".function"); p != std::string::npos) e.param.erase(p, 9);
  return e;
}

}  // namespace

Result<ResponsesCall> read_responses_request(std::string_view body) {
  Json j;
  try {
    j = api::parse_json_bounded(body);
  } catch (const std::exception&) {
    return fail(Error::bad_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
        "sent was not valid JSON.)",
        {}, "invalid_json"));
  }
  return Reader{}.read(j);
}

Result<api::ChatRequest> chat_request_for(const ResponsesCall& call, const Json& history) {
  Json req = call.chat;
  Json messages = Json::array();
  if (!call.instructions.empty())
    messages.push_back({{"role", "system"}, {"content", call.instructions}});
  if (history.is_array())
    for (const auto& m : history) messages.push_back(m);
  for (const auto& m : call.input) messages.push_back(m);
  if (messages.empty()) return fail(Error::bad_request("'input' must not be empty.", "input"));
  req["messages"] = std::move(messages);
  auto r = api::chat_request_from_json(req);
  if (!r) return fail(renamed(r.error()));
  return r;
}

Json assistant_message(const api::ChatResponse& r) {
  Json m = {{"role", "assistant"}, {"content", nullptr}};
  if (r.choices.empty()) return m;
  const api::Message& msg = r.choices.front().message;
  if (std::string text = msg.all_text(); !text.empty()) m["content"] = std::move(text);
  if (!msg.tool_calls.empty()) {
    Json calls = Json::array();
    for (const auto& c : msg.tool_calls)
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    m["tool_calls"] = std::move(calls);
  }
  return m;
}

}  // namespace gw::providers::responses
