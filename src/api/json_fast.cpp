#include "api/json_fast.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "api/chat_schema.hpp"
#include "api/json_codec.hpp"
#include "api/json_codec_detail.hpp"
#include "api/json_from_simdjson.hpp"

namespace gw::api {

namespace dom = simdjson::dom;

namespace {

// One parser and one padded copy of the input per thread: no allocation per request once warm.
bool parse_dom(std::string_view text, dom::element& doc) {
  if (text.size() > kFastParseMaxBytes) return false;
  thread_local dom::parser parser;
  thread_local std::string padded;
  padded.assign(text);
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  return !parser.parse(padded.data(), text.size(), false).get(doc);
}

// The members of one object in their order. A repeated name declines (nlohmann keeps the
// last, a lookup here would find the first), as do more members than any request has.
struct Members {
  std::pair<std::string_view, dom::element> at[32];
  size_t n = 0;

  bool read(dom::element e) {
    dom::object o;
    if (e.get_object().get(o)) return false;
    for (auto [key, value] : o) {
      if (n == std::size(at)) return false;
      for (size_t i = 0; i < n; ++i)
        if (at[i].first == key) return false;
      at[n++] = {key, value};
    }
    return true;
  }
  // The member when it is there and not null (null means absent in OpenAI's API).
  std::optional<dom::element> present(std::string_view key) const {
    for (size_t i = 0; i < n; ++i)
      if (at[i].first == key) {
        if (at[i].second.is_null()) return std::nullopt;
        return at[i].second;
      }
    return std::nullopt;
  }
};

bool text_of(dom::element e, std::string& out) {
  std::string_view s;
  if (e.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

// A number as nlohmann's get<double>() reads it. A negative zero declines: nlohmann reads
// "-0" as a whole 0, and the DOM's integer/double split is not relied on to tell it apart.
bool number_of(dom::element e, double& out) {
  switch (e.type()) {
    case dom::element_type::INT64:
      out = static_cast<double>(int64_t(e));
      return true;
    case dom::element_type::UINT64:
      out = static_cast<double>(uint64_t(e));
      return true;
    case dom::element_type::DOUBLE:
      out = double(e);
      return !(out == 0 && std::signbit(out));
    default:
      return false;
  }
}

// An assistant's tool call in OpenAI's shape; any other shape declines.
bool read_tool_call(dom::element e, ToolCall& tc) {
  Members m;
  if (!m.read(e)) return false;
  bool has_function = false;
  for (size_t i = 0; i < m.n; ++i) {
    auto [k, v] = m.at[i];
    if (v.is_null()) {
      if (k == "function") return false;  // required
    } else if (k == "id") {
      if (!text_of(v, tc.id)) return false;
    } else if (k == "type") {
      if (!text_of(v, tc.type)) return false;
    } else if (k == "function") {
      Members f;
      if (!f.read(v)) return false;
      has_function = true;
      for (size_t j = 0; j < f.n; ++j) {
        auto [fk, fv] = f.at[j];
        if (fv.is_null()) continue;
        if (fk == "name") {
          if (!text_of(fv, tc.name)) return false;
        } else if (fk == "arguments") {
          if (!text_of(fv, tc.arguments)) return false;
        } else {
          return false;
        }
      }
    } else {
      return false;
    }
  }
  return has_function;
}

// A message of text: content a string, null or text parts; name, tool_call_id, refusal and
// tool_calls in their types; other members kept in `extra` as the reference reader keeps them.
bool read_message(dom::element e, Message& msg) {
  Members m;
  if (!m.read(e)) return false;
  auto role = m.present("role");
  if (!role || !text_of(*role, msg.role)) return false;
  if (!detail::is_message_role(msg.role)) return false;
  for (size_t i = 0; i < m.n; ++i) {
    auto [k, v] = m.at[i];
    if (k == "role") continue;
    if (k == "content") {
      if (v.is_null()) {
        msg.kind = Message::ContentKind::null;
      } else if (v.is_string()) {
        msg.kind = Message::ContentKind::text;
        text_of(v, msg.text);
      } else {
        dom::array parts;
        if (v.get_array().get(parts)) return false;
        msg.kind = Message::ContentKind::parts;
        for (dom::element p : parts) {
          Members pm;
          if (!pm.read(p) || pm.n != 2) return false;
          auto type = pm.present("type");
          auto text = pm.present("text");
          ContentPart& part = msg.parts.emplace_back();
          if (!type || !text || !text_of(*type, part.type) || part.type != "text" ||
              !text_of(*text, part.text))
            return false;
        }
      }
    } else if (v.is_null()) {
      continue;
    } else if (k == "name") {
      if (!text_of(v, msg.name)) return false;
    } else if (k == "tool_call_id") {
      if (!text_of(v, msg.tool_call_id)) return false;
    } else if (k == "refusal") {
      if (!text_of(v, msg.refusal.emplace())) return false;
    } else if (k == "tool_calls") {
      dom::array calls;
      if (v.get_array().get(calls)) return false;
      for (dom::element c : calls)
        if (!read_tool_call(c, msg.tool_calls.emplace_back())) return false;
    } else if (!json_from_simdjson(v, msg.extra[std::string(k)])) {
      return false;
    }
  }
  return msg.role != "tool" || !msg.tool_call_id.empty();
}

// A function tool; any other shape, or any member the reference reader would refuse, declines.
bool read_tool(dom::element e, Tool& tool) {
  Members m;
  if (!m.read(e)) return false;
  if (auto t = m.present("type"); t && !text_of(*t, tool.type)) return false;
  auto fn = m.present("function");
  Members f;
  if (!fn || !f.read(*fn)) return false;
  for (size_t i = 0; i < m.n; ++i)
    if (m.at[i].first != "type" && m.at[i].first != "function") return false;
  auto name = f.present("name");
  if (!name || !text_of(*name, tool.name) || tool.name.empty()) return false;
  for (size_t i = 0; i < f.n; ++i) {
    auto [k, v] = f.at[i];
    if (k == "name" || v.is_null()) continue;
    if (k == "description") {
      if (!text_of(v, tool.description)) return false;
    } else if (k == "parameters") {
      if (!v.is_object() || !json_from_simdjson(v, tool.parameters)) return false;
    } else if (k == "strict") {
      bool b;
      if (v.get_bool().get(b)) return false;
      tool.strict = b;
    } else {
      return false;
    }
  }
  return true;
}

// The visitor of schema::describe_request: each parameter read as RequestReader reads it when
// it is valid; anything that reader would refuse (or this one does not take) declines.
struct FastReader {
  const Members& m;
  const ChatRequest& req;
  bool ok = true;

  std::optional<dom::element> present(std::string_view key) const {
    return ok ? m.present(key) : std::nullopt;
  }

  void operator()(std::string_view key, std::string& out, schema::Required) {
    auto v = present(key);
    if (!v || !text_of(*v, out) || out.empty()) ok = false;
  }
  void operator()(std::string_view key, std::string& out) {
    if (auto v = present(key); v && !text_of(*v, out)) ok = false;
  }
  void operator()(std::string_view key, std::optional<std::string>& out, schema::OneOf one_of) {
    auto v = present(key);
    if (!v) return;
    std::string s;
    if (!text_of(*v, s) ||
        std::find(one_of.values.begin(), one_of.values.end(), s) == one_of.values.end())
      return void(ok = false);
    out = std::move(s);
  }
  void operator()(std::string_view key, std::optional<double>& out, schema::Range range) {
    auto v = present(key);
    if (!v) return;
    double d;
    if (!number_of(*v, d) || d < range.lo || d > range.hi) return void(ok = false);
    out = d;
  }
  // Whole numbers written as such; 5.0 and the like decline to the reference reader.
  void operator()(std::string_view key, std::optional<int64_t>& out, schema::Range range) {
    auto v = present(key);
    if (!v) return;
    int64_t n;
    if (v->type() == dom::element_type::INT64) {
      n = int64_t(*v);
    } else if (v->type() == dom::element_type::UINT64 &&
               uint64_t(*v) <= uint64_t{std::numeric_limits<int64_t>::max()}) {
      n = static_cast<int64_t>(uint64_t(*v));
    } else {
      return void(ok = false);
    }
    const double d = static_cast<double>(n);
    if (d < range.lo || d > range.hi) return void(ok = false);
    out = n;
  }
  void operator()(std::string_view key, std::optional<bool>& out) {
    auto v = present(key);
    if (!v) return;
    bool b;
    if (v->get_bool().get(b)) return void(ok = false);
    out = b;
  }
  void operator()(std::string_view key, bool& out) {
    std::optional<bool> b;
    (*this)(key, b);
    if (b) out = *b;
  }
  void operator()(std::string_view key, Json& out, schema::Shape shape) {
    auto v = present(key);
    if (!v) return;
    bool shaped = false;
    switch (shape) {
      case schema::Shape::object:
        shaped = v->is_object();
        break;
      case schema::Shape::string_or_object:
        shaped = v->is_string() || v->is_object();
        break;
      case schema::Shape::object_with_type:
        shaped = v->is_object() && !(*v)["type"].error();
        break;
    }
    if (!shaped || !json_from_simdjson(*v, out)) ok = false;
  }
  void operator()(std::string_view key, std::vector<std::string>& out) {
    auto v = present(key);
    if (!v) return;
    if (v->is_string()) return void(text_of(*v, out.emplace_back()));
    dom::array a;
    if (v->get_array().get(a)) return void(ok = false);
    for (dom::element s : a)
      if (out.size() == 4 || !text_of(s, out.emplace_back())) return void(ok = false);
  }
  void operator()(std::string_view key, std::vector<Message>& out) {
    auto v = present(key);
    dom::array a;
    if (!v || v->get_array().get(a) || a.size() == 0) return void(ok = false);
    out.reserve(a.size());
    for (dom::element e : a)
      if (!read_message(e, out.emplace_back())) return void(ok = false);
  }
  void operator()(std::string_view key, std::vector<Tool>& out) {
    auto v = present(key);
    if (!v) return;
    dom::array a;
    if (v->get_array().get(a)) return void(ok = false);
    for (dom::element e : a)
      if (!read_tool(e, out.emplace_back())) return void(ok = false);
  }
  template <class Inner>
  void operator()(std::string_view key, schema::StreamOnly, Inner&& members) {
    auto v = present(key);
    if (!v) return;
    Members inner;
    if (!req.stream || !inner.read(*v)) return void(ok = false);
    FastReader r{inner, req};
    members(r);
    ok = r.ok;
  }
};

}  // namespace

std::optional<Json> parse_json_fast(std::string_view text) {
  dom::element doc;
  if (!parse_dom(text, doc)) return std::nullopt;
  Json out;
  if (!json_from_simdjson(doc, out)) return std::nullopt;
  return out;
}

std::optional<ChatRequest> read_chat_request_fast(std::string_view body) {
  dom::element doc;
  Members m;
  if (!parse_dom(body, doc) || !m.read(doc)) return std::nullopt;
  ChatRequest r;
  FastReader reader{m, r};
  schema::describe_request(reader, r);
  if (!reader.ok) return std::nullopt;
  for (size_t i = 0; i < m.n; ++i) {
    auto [k, v] = m.at[i];
    if (!is_typed_request_field(k) && !json_from_simdjson(v, r.extra[std::string(k)]))
      return std::nullopt;
  }
  return r;
}

}  // namespace gw::api
