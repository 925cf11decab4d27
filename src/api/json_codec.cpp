#include "api/json_codec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "api/chat_schema.hpp"
#include "api/json_codec_detail.hpp"
#include "api/json_fast.hpp"
#include "api/printable.hpp"

namespace gw::api {
using detail::message_from_json;
using detail::null_or;
using detail::tool_from_json;

std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {
constexpr int kMaxJsonDepth = kMaxJsonNesting;
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
  // Depth first: copying and serialising a Json recurse per level.
  if (json_depth(body, kMaxJsonDepth) > kMaxJsonDepth)
    return fail(Error::bad_request("The request body nests JSON deeper than " +
                                   std::to_string(kMaxJsonDepth) + " levels."));
  // Most requests are read straight into a ChatRequest; the rest (and every error) the
  // reference way below, which words each error.
  if (auto direct = read_chat_request_fast(body)) return std::move(*direct);
  std::optional<Json> fast = parse_json_fast(body);
  Json j = fast ? std::move(*fast) : Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return fail(Error::bad_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload.)"));
  return chat_request_from_json(j);
}

namespace {

// A bound as OpenAI words it: whole numbers without a fraction ("0 and 2", not "0.0").
std::string bound_text(double v) {
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return Json(v).dump();
}

// Reads the described parameters of one JSON object (the request, or an object nested in it
// such as stream_options) and validates them the way OpenAI does. The first error in the
// description's order wins; after it the walk does nothing.
struct RequestReader {
  const Json& j;
  std::string path;  // "" for the request itself, else the nested object's name
  const ChatRequest& req;
  std::optional<Error> err;

  std::string param(std::string_view key) const {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  Error type_error(std::string_view key, std::string_view want) const {
    std::string p = param(key);
    return Error::bad_request("Invalid type for '" + p + "': expected " + std::string(want) + ".",
                              p, "invalid_type");
  }
  // The member when it is there and not null (null means absent in OpenAI's API).
  const Json* present(std::string_view key) const {
    if (err) return nullptr;
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }

  void operator()(std::string_view key, std::string& out, schema::Required) {
    const Json* v = present(key);
    if (err) return;
    if (v && !v->is_string()) return void(err = type_error(key, "a string"));
    if (!v || v->get_ref<const std::string&>().empty())
      return void(err = Error::bad_request("you must provide a " + param(key) + " parameter",
                                           param(key), "missing_required_parameter"));
    out = v->get<std::string>();
  }
  void operator()(std::string_view key, std::string& out) {
    if (const Json* v = present(key)) {
      if (!v->is_string()) return void(err = type_error(key, "a string"));
      out = v->get<std::string>();
    }
  }
  void operator()(std::string_view key, std::optional<std::string>& out, schema::OneOf one_of) {
    const Json* v = present(key);
    if (!v) return;
    if (!v->is_string()) return void(err = type_error(key, "a string"));
    const auto& s = v->get_ref<const std::string&>();
    if (std::find(one_of.values.begin(), one_of.values.end(), s) == one_of.values.end()) {
      std::string list;
      for (size_t i = 0; i < one_of.values.size(); ++i)
        list += (i ? (i + 1 == one_of.values.size() ? ", and '" : ", '") : "'") +
                std::string(one_of.values[i]) + "'";
      // The value is the client's: bounded and printable before it is echoed.
      return void(err = Error::bad_request("Invalid value: '" + printable(s, 64) +
                                               "'. Supported values are: " + list + ".",
                                           param(key), "invalid_value"));
    }
    out = s;
  }
  void operator()(std::string_view key, std::optional<double>& out, schema::Range range) {
    const Json* v = present(key);
    if (!v) return;
    if (!v->is_number()) return void(err = type_error(key, "a number"));
    double d = v->get<double>();
    if (d < range.lo || d > range.hi)
      return void(err = Error::bad_request("Invalid '" + param(key) + "': must be between " +
                                               bound_text(range.lo) + " and " +
                                               bound_text(range.hi) + ".",
                                           param(key), "decimal_out_of_range"));
    out = d;
  }
  void operator()(std::string_view key, std::optional<int64_t>& out, schema::Range range) {
    const Json* v = present(key);
    if (!v) return;
    // Past int64 a value must not wrap (2^64-1 became -1 on its way upstream), and a float
    // as big as 2^63 stands for a number int64 cannot hold: out of range.
    bool too_big = v->is_number_unsigned()
                       ? v->get<uint64_t>() > uint64_t{INT64_MAX}
                       : v->is_number_float() && !(std::fabs(v->get<double>()) < 0x1p63);
    if (too_big)
      return void(err = Error::bad_request("Invalid '" + param(key) + "': integer out of range.",
                                           param(key), "integer_out_of_range"));
    auto n = as_int<int64_t>(*v);
    if (!n) return void(err = type_error(key, "an integer"));
    const double d = static_cast<double>(*n);
    if (d < range.lo && range.hi == std::numeric_limits<double>::infinity())
      return void(err = Error::bad_request("Invalid '" + param(key) + "': must be at least " +
                                               bound_text(range.lo) + ".",
                                           param(key), "integer_below_min_value"));
    if (d < range.lo || d > range.hi)
      return void(err = Error::bad_request("Invalid '" + param(key) + "': must be between " +
                                               bound_text(range.lo) + " and " +
                                               bound_text(range.hi) + ".",
                                           param(key), "integer_out_of_range"));
    out = n;
  }
  void operator()(std::string_view key, std::optional<bool>& out) {
    if (const Json* v = present(key)) {
      if (!v->is_boolean()) return void(err = type_error(key, "a boolean"));
      out = v->get<bool>();
    }
  }
  void operator()(std::string_view key, bool& out) {
    std::optional<bool> b;
    (*this)(key, b);
    if (b) out = *b;
  }
  void operator()(std::string_view key, Json& out, schema::Shape shape) {
    const Json* v = present(key);
    if (!v) return;
    switch (shape) {
      case schema::Shape::object:
        if (!v->is_object()) return void(err = type_error(key, "an object"));
        break;
      case schema::Shape::string_or_object:
        if (!v->is_string() && !v->is_object())
          return void(err = type_error(key, "a string or an object"));
        break;
      case schema::Shape::object_with_type:
        if (!v->is_object() || !v->contains("type"))
          return void(err = type_error(key, "an object with a 'type'"));
        break;
    }
    out = *v;
  }
  void operator()(std::string_view key, std::vector<std::string>& out) {
    const Json* v = present(key);
    if (!v) return;
    if (v->is_string()) return out.push_back(v->get<std::string>());
    if (!v->is_array()) return void(err = type_error(key, "a string or an array of strings"));
    for (const auto& s : *v) {
      if (!s.is_string()) return void(err = type_error(key, "a string or an array of strings"));
      out.push_back(s.get<std::string>());
    }
    if (out.size() > 4)
      err = Error::bad_request("Invalid '" + param(key) + "': expected at most 4 sequences.",
                               param(key), "array_above_max_length");
  }
  void operator()(std::string_view key, std::vector<Message>& out) {
    const Json* v = present(key);
    if (err) return;
    if (!v)
      return void(err = Error::bad_request("Missing required parameter: '" + param(key) + "'.",
                                           param(key), "missing_required_parameter"));
    if (!v->is_array()) return void(err = type_error(key, "an array"));
    if (v->empty())
      return void(err = Error::bad_request(
                      "Invalid '" + param(key) +
                          "': empty array. Expected an array with minimum length 1, but got an "
                          "empty array instead.",
                      param(key), "empty_array"));
    out.reserve(v->size());
    for (size_t i = 0; i < v->size(); ++i) {
      auto m = message_from_json((*v)[i], param(key) + "[" + std::to_string(i) + "]");
      if (!m) return void(err = std::move(m.error()));
      out.push_back(std::move(*m));
    }
  }
  void operator()(std::string_view key, std::vector<Tool>& out) {
    const Json* v = present(key);
    if (!v) return;
    if (!v->is_array()) return void(err = type_error(key, "an array"));
    for (size_t i = 0; i < v->size(); ++i) {
      auto t = tool_from_json((*v)[i], param(key) + "[" + std::to_string(i) + "]");
      if (!t) return void(err = std::move(t.error()));
      out.push_back(std::move(*t));
    }
  }
  template <class Members>
  void operator()(std::string_view key, schema::StreamOnly, Members&& members) {
    const Json* v = present(key);
    if (!v) return;
    if (!v->is_object()) return void(err = type_error(key, "an object"));
    if (!req.stream)
      return void(err = Error::bad_request("The '" + param(key) +
                                               "' parameter is only allowed when 'stream' is "
                                               "enabled.",
                                           param(key), "invalid_value"));
    RequestReader inner{*v, param(key), req, std::nullopt};
    members(inner);
    err = std::move(inner.err);
  }
};

// The JSON names describe_request() types: every other member of a request is `extra`.
struct NameList {
  std::vector<std::string_view> names;
  template <class... Args>
  void operator()(std::string_view key, Args&&...) {
    names.push_back(key);
  }
};

}  // namespace

bool is_typed_request_field(std::string_view key) {
  static const std::vector<std::string_view> typed = [] {
    NameList list;
    ChatRequest r;
    schema::describe_request(list, r);
    return std::move(list.names);
  }();
  return std::find(typed.begin(), typed.end(), key) != typed.end();
}

Result<ChatRequest> chat_request_from_json(const Json& j) {
  if (!j.is_object()) return fail(Error::bad_request("The request body must be a JSON object."));
  ChatRequest r;
  RequestReader reader{j, "", r, std::nullopt};
  schema::describe_request(reader, r);
  if (reader.err) return fail(std::move(*reader.err));
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!is_typed_request_field(it.key())) r.extra[it.key()] = it.value();
  return r;
}

namespace {

// Writes the described parameters that are set, as OpenAI spells them.
struct RequestWriter {
  Json& j;
  const ChatRequest& req;

  void operator()(std::string_view key, const std::string& v, schema::Required) { j[key] = v; }
  void operator()(std::string_view key, const std::string& v) {
    if (!v.empty()) j[key] = v;
  }
  template <class T>
  void put(std::string_view key, const std::optional<T>& v) {
    if (v) j[key] = *v;
  }
  void operator()(std::string_view key, const std::optional<double>& v, schema::Range) {
    put(key, v);
  }
  void operator()(std::string_view key, const std::optional<int64_t>& v, schema::Range) {
    put(key, v);
  }
  void operator()(std::string_view key, const std::optional<std::string>& v, schema::OneOf) {
    put(key, v);
  }
  void operator()(std::string_view key, const std::optional<bool>& v) { put(key, v); }
  void operator()(std::string_view key, bool v) {
    if (v) j[key] = true;
  }
  void operator()(std::string_view key, const Json& v, schema::Shape) {
    if (!v.is_null()) j[key] = v;
  }
  void operator()(std::string_view key, const std::vector<std::string>& v) {
    if (v.size() == 1)
      j[key] = v.front();
    else if (!v.empty())
      j[key] = v;
  }
  void operator()(std::string_view key, const std::vector<Message>& v) {
    Json msgs = Json::array();
    for (const auto& m : v) msgs.push_back(to_json(m));
    j[key] = std::move(msgs);
  }
  void operator()(std::string_view key, const std::vector<Tool>& v) {
    if (v.empty()) return;
    Json tools = Json::array();
    for (const auto& t : v) {
      Json fn = {{"name", t.name}};
      if (!t.description.empty()) fn["description"] = t.description;
      if (!t.parameters.is_null()) fn["parameters"] = t.parameters;
      if (t.strict) fn["strict"] = *t.strict;
      tools.push_back({{"type", t.type}, {"function", std::move(fn)}});
    }
    j[key] = std::move(tools);
  }
  template <class Members>
  void operator()(std::string_view key, schema::StreamOnly, Members&& members) {
    if (!req.stream) return;
    Json inner = Json::object();
    RequestWriter w{inner, req};
    members(w);
    if (!inner.empty()) j[key] = std::move(inner);
  }
};

}  // namespace

Json to_json(const ChatRequest& r) {
  Json j = Json::object();
  RequestWriter writer{j, r};
  schema::describe_request(writer, r);
  for (auto it = r.extra.begin(); it != r.extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

std::string serialize(const ChatRequest& r) {
  return dump(to_json(r));
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
