// serialize_upstream: the body an OpenAI-compatible upstream gets, written straight into a
// string from the request's description (api/chat_schema.hpp) by api::JsonWriter. It is on
// every request's path; building an nlohmann tree of the request (a copy of every prompt) and
// dumping it cost about a tenth of gw's CPU per request at one connection.
#include <string>

#include "api/chat_schema.hpp"
#include "api/json_codec.hpp"
#include "api/json_write.hpp"

namespace gw::api {

namespace {

// A message as to_json(Message) has it: a member of `extra` named like a typed one wins.
void write_message(JsonWriter& w, const Message& m) {
  auto typed = [&](std::string_view k) {
    if (m.extra.contains(k)) return false;
    w.key(k);
    return true;
  };
  w.begin_object();
  if (typed("role")) w.string(m.role);
  if (typed("content")) {
    if (m.kind == Message::ContentKind::null) {
      w.null();
    } else if (m.kind == Message::ContentKind::text) {
      w.string(m.text);
    } else {
      w.begin_array();
      for (const auto& p : m.parts) {
        if (p.type == "text") {
          w.begin_object();
          w.key("type");
          w.string("text");
          w.key("text");
          w.string(p.text);
          w.end_object();
        } else if (p.type == "image_url") {
          w.begin_object();
          w.key("type");
          w.string("image_url");
          w.key("image_url");
          w.begin_object();
          w.key("url");
          w.string(p.image_url);
          if (!p.detail.empty()) {
            w.key("detail");
            w.string(p.detail);
          }
          w.end_object();
          w.end_object();
        } else {
          w.json(p.raw);
        }
      }
      w.end_array();
    }
  }
  if (!m.name.empty() && typed("name")) w.string(m.name);
  if (!m.tool_calls.empty() && typed("tool_calls")) {
    w.begin_array();
    for (const auto& c : m.tool_calls) {
      w.begin_object();
      w.key("id");
      w.string(c.id);
      w.key("type");
      w.string(c.type);
      w.key("function");
      w.begin_object();
      w.key("name");
      w.string(c.name);
      w.key("arguments");
      w.string(c.arguments);
      w.end_object();
      w.end_object();
    }
    w.end_array();
  }
  if (!m.tool_call_id.empty() && typed("tool_call_id")) w.string(m.tool_call_id);
  if (m.refusal && typed("refusal")) w.string(*m.refusal);
  for (auto it = m.extra.begin(); it != m.extra.end(); ++it) {
    w.key(it.key());
    w.json(it.value());
  }
  w.end_object();
}

// stream_options as an upstream gets them: what the client set, and include_usage (the one
// plain bool member) always true, so that gw's ledger has the stream's exact usage.
struct StreamOptionsWriter {
  JsonWriter& w;
  void operator()(std::string_view k, bool) {
    w.key(k);
    w.boolean(true);
  }
  void operator()(std::string_view k, const std::optional<bool>& v) {
    if (!v) return;
    w.key(k);
    w.boolean(*v);
  }
};

// The request an OpenAI-compatible upstream gets, written straight from the description: the
// target's model, stream and stream_options as gw needs them, and otherwise what to_json
// writes (a member of `extra` named like a typed one wins over it).
struct UpstreamWriter {
  JsonWriter& w;
  const ChatRequest& req;
  std::string_view model;
  bool stream;

  // The key, unless `extra` has its own (gw's model and stream win over extra's).
  bool key(std::string_view k) {
    if (!owned_by_gw(k) && req.extra.contains(k)) return false;
    w.key(k);
    return true;
  }
  static bool owned_by_gw(std::string_view k) {
    return k == "model" || k == "stream" || k == "stream_options";
  }
  void operator()(std::string_view k, const std::string&, schema::Required) {
    if (key(k)) w.string(model);
  }
  void operator()(std::string_view k, const std::string& v) {
    if (!v.empty() && key(k)) w.string(v);
  }
  void operator()(std::string_view k, const std::optional<double>& v, schema::Range) {
    if (v && key(k)) w.number(*v);
  }
  void operator()(std::string_view k, const std::optional<int64_t>& v, schema::Range) {
    if (v && key(k)) w.number(*v);
  }
  void operator()(std::string_view k, const std::optional<std::string>& v, schema::OneOf) {
    if (v && key(k)) w.string(*v);
  }
  void operator()(std::string_view k, const std::optional<bool>& v) {
    if (v && key(k)) w.boolean(*v);
  }
  void operator()(std::string_view k, bool) {  // stream: as the upstream call is made
    if (stream && key(k)) w.boolean(true);
  }
  void operator()(std::string_view k, const Json& v, schema::Shape) {
    if (!v.is_null() && key(k)) w.json(v);
  }
  void operator()(std::string_view k, const std::vector<std::string>& v) {
    if (v.empty() || !key(k)) return;
    if (v.size() == 1) return w.string(v.front());
    w.begin_array();
    for (const auto& s : v) w.string(s);
    w.end_array();
  }
  void operator()(std::string_view k, const std::vector<Message>& v) {
    if (!key(k)) return;
    w.begin_array();
    for (const auto& m : v) write_message(w, m);
    w.end_array();
  }
  void operator()(std::string_view k, const std::vector<Tool>& v) {
    if (v.empty() || !key(k)) return;
    w.begin_array();
    for (const auto& t : v) {
      w.begin_object();
      w.key("type");
      w.string(t.type);
      w.key("function");
      w.begin_object();
      w.key("name");
      w.string(t.name);
      if (!t.description.empty()) {
        w.key("description");
        w.string(t.description);
      }
      if (!t.parameters.is_null()) {
        w.key("parameters");
        w.json(t.parameters);
      }
      if (t.strict) {
        w.key("strict");
        w.boolean(*t.strict);
      }
      w.end_object();
      w.end_object();
    }
    w.end_array();
  }
  template <class Members>
  void operator()(std::string_view k, schema::StreamOnly, Members&& members) {
    if (!stream || !key(k)) return;
    w.begin_object();
    StreamOptionsWriter o{w};
    members(o);
    w.end_object();
  }
};

}  // namespace

std::string serialize_upstream(const ChatRequest& r, std::string_view model, bool stream) {
  std::string out;
  out.reserve(256 + r.messages.size() * 64);
  JsonWriter w(out);
  w.begin_object();
  UpstreamWriter uw{w, r, model, stream};
  schema::describe_request(uw, r);
  for (auto it = r.extra.begin(); it != r.extra.end(); ++it) {
    if (UpstreamWriter::owned_by_gw(it.key())) continue;
    w.key(it.key());
    w.json(it.value());
  }
  w.end_object();
  return out;
}

}  // namespace gw::api
