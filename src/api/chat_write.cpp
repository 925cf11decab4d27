// Direct serializers for the canonical types: the same bytes as dump(to_json(x)), without
// building a Json. nlohmann keeps object keys in a std::map, so every object here is written
// with its keys in sorted order; json_codec_test checks the equality on many values.
#include <algorithm>
#include <array>

#include "api/json_codec.hpp"
#include "api/json_write.hpp"

namespace gw::api {
namespace {

using json::put_int;
using json::put_json;
using json::put_string;

struct Obj {
  std::string& out;
  bool first = true;
  explicit Obj(std::string& o) : out(o) { out += '{'; }
  std::string& key(std::string_view k) {
    if (!first) out += ',';
    first = false;
    put_string(out, k);
    out += ':';
    return out;
  }
  void close() { out += '}'; }
};

template <size_t N>
constexpr bool sorted(const std::array<std::string_view, N>& keys) {
  return std::is_sorted(keys.begin(), keys.end());
}

// An object's typed members (keys sorted, absent ones skipped) merged with the members of
// `extra` in std::map order. An extra key replaces the typed member of that name, as
// to_json's `j[k] = v` after the typed ones does; `keep_extra` drops extra keys a caller
// overrides in its turn.
template <size_t N, class Present, class Write, class Keep>
void put_merged(std::string& out, const std::array<std::string_view, N>& keys, Present present,
                Write write, const Json& extra, Keep keep_extra) {
  static const Json::object_t kNone;
  const auto& obj = extra.is_object() ? extra.get_ref<const Json::object_t&>() : kNone;
  Obj o(out);
  auto ex = obj.begin();
  size_t i = 0;
  while (true) {
    while (i < N && !present(i)) ++i;
    while (ex != obj.end() && !keep_extra(ex->first)) ++ex;
    if (i == N && ex == obj.end()) break;
    if (ex != obj.end() && (i == N || std::string_view(ex->first) <= keys[i])) {
      if (i < N && ex->first == keys[i]) ++i;
      put_json(o.key(ex->first), ex->second);
      ++ex;
    } else {
      write(o.key(keys[i]), i);
      ++i;
    }
  }
  o.close();
}

void put_string_or_null(std::string& out, const std::string& s) {
  if (s.empty())
    out += "null";
  else
    put_string(out, s);
}

void put_usage(std::string& out, const Usage& u) {
  out += "{\"completion_tokens\":";
  put_int(out, u.completion_tokens);
  out += ",\"completion_tokens_details\":{\"reasoning_tokens\":";
  put_int(out, u.reasoning_tokens);
  out += "},\"prompt_tokens\":";
  put_int(out, u.prompt_tokens);
  out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
  put_int(out, u.cached_tokens);
  out += "},\"total_tokens\":";
  put_int(out, u.total_tokens);
  out += '}';
}

void put_part(std::string& out, const ContentPart& p) {
  if (p.type == "text") {
    out += "{\"text\":";
    put_string(out, p.text);
    out += ",\"type\":\"text\"}";
  } else if (p.type == "image_url") {
    out += "{\"image_url\":{";
    if (!p.detail.empty()) {
      out += "\"detail\":";
      put_string(out, p.detail);
      out += ',';
    }
    out += "\"url\":";
    put_string(out, p.image_url);
    out += "},\"type\":\"image_url\"}";
  } else {
    put_json(out, p.raw);
  }
}

void put_tool_call(std::string& out, const ToolCall& c) {
  out += "{\"function\":{\"arguments\":";
  put_string(out, c.arguments);
  out += ",\"name\":";
  put_string(out, c.name);
  out += "},\"id\":";
  put_string(out, c.id);
  out += ",\"type\":";
  put_string(out, c.type);
  out += '}';
}

// to_json(Message); `null_refusal` adds "refusal":null when neither field nor extra has one,
// as to_json(ChatResponse) does for its messages.
void put_message(std::string& out, const Message& m, bool null_refusal) {
  static constexpr std::array<std::string_view, 6> kKeys = {
      "content", "name", "refusal", "role", "tool_call_id", "tool_calls"};
  static_assert(sorted(kKeys));
  auto present = [&](size_t i) {
    switch (i) {
      case 1:
        return !m.name.empty();
      case 2:
        return m.refusal.has_value() || null_refusal;
      case 4:
        return !m.tool_call_id.empty();
      case 5:
        return !m.tool_calls.empty();
      default:
        return true;
    }
  };
  auto write = [&](std::string& o, size_t i) {
    switch (i) {
      case 0:
        if (m.kind == Message::ContentKind::text) {
          put_string(o, m.text);
        } else if (m.kind == Message::ContentKind::parts) {
          o += '[';
          for (size_t k = 0; k < m.parts.size(); ++k) {
            if (k) o += ',';
            put_part(o, m.parts[k]);
          }
          o += ']';
        } else {
          o += "null";
        }
        break;
      case 1:
        put_string(o, m.name);
        break;
      case 2:
        if (m.refusal)
          put_string(o, *m.refusal);
        else
          o += "null";
        break;
      case 3:
        put_string(o, m.role);
        break;
      case 4:
        put_string(o, m.tool_call_id);
        break;
      case 5:
        o += '[';
        for (size_t k = 0; k < m.tool_calls.size(); ++k) {
          if (k) o += ',';
          put_tool_call(o, m.tool_calls[k]);
        }
        o += ']';
        break;
    }
  };
  put_merged(out, kKeys, present, write, m.extra, [](const std::string&) { return true; });
}

void put_tool(std::string& out, const Tool& t) {
  out += "{\"function\":{";
  if (!t.description.empty()) {
    out += "\"description\":";
    put_string(out, t.description);
    out += ',';
  }
  out += "\"name\":";
  put_string(out, t.name);
  if (!t.parameters.is_null()) {
    out += ",\"parameters\":";
    put_json(out, t.parameters);
  }
  if (t.strict) out += *t.strict ? ",\"strict\":true" : ",\"strict\":false";
  out += "},\"type\":";
  put_string(out, t.type);
  out += '}';
}

void put_tool_delta(std::string& out, const ToolCallDelta& td) {
  out += "{\"function\":{";
  if (td.arguments) {
    out += "\"arguments\":";
    put_string(out, *td.arguments);
  }
  if (!td.name.empty()) {
    if (td.arguments) out += ',';
    out += "\"name\":";
    put_string(out, td.name);
  }
  out += '}';
  if (!td.id.empty()) {
    out += ",\"id\":";
    put_string(out, td.id);
  }
  out += ",\"index\":";
  put_int(out, td.index);
  if (!td.type.empty()) {
    out += ",\"type\":";
    put_string(out, td.type);
  }
  out += '}';
}

void put_chunk_choice(std::string& out, const ChunkChoice& ch) {
  out += "{\"delta\":";
  Obj d(out);
  if (ch.content)
    put_string(d.key("content"), *ch.content);
  else if (ch.role && !ch.tool_calls.empty())
    d.key("content") += "null";
  if (ch.refusal) put_string(d.key("refusal"), *ch.refusal);
  if (ch.role) put_string(d.key("role"), *ch.role);
  if (!ch.tool_calls.empty()) {
    std::string& o = d.key("tool_calls");
    o += '[';
    for (size_t k = 0; k < ch.tool_calls.size(); ++k) {
      if (k) o += ',';
      put_tool_delta(o, ch.tool_calls[k]);
    }
    o += ']';
  }
  d.close();
  out += ",\"finish_reason\":";
  put_string_or_null(out, ch.finish_reason);
  out += ",\"index\":";
  put_int(out, ch.index);
  out += ",\"logprobs\":";
  put_json(out, ch.logprobs);
  out += '}';
}

// The request members of to_json(ChatRequest), in key order.
constexpr std::array<std::string_view, 21> kRequestKeys = {"frequency_penalty",
                                                           "logprobs",
                                                           "max_completion_tokens",
                                                           "max_tokens",
                                                           "messages",
                                                           "metadata",
                                                           "model",
                                                           "n",
                                                           "parallel_tool_calls",
                                                           "presence_penalty",
                                                           "response_format",
                                                           "seed",
                                                           "stop",
                                                           "stream",
                                                           "stream_options",
                                                           "temperature",
                                                           "tool_choice",
                                                           "tools",
                                                           "top_logprobs",
                                                           "top_p",
                                                           "user"};
static_assert(sorted(kRequestKeys));

enum class StreamFields { as_request, on_with_usage, omitted };

std::string put_request(const ChatRequest& r, std::string_view model, StreamFields sf) {
  std::string out;
  size_t guess = 256;
  for (const auto& m : r.messages) guess += m.text.size() + 48;
  out.reserve(guess);
  const bool stream = sf == StreamFields::as_request ? r.stream : sf == StreamFields::on_with_usage;
  const bool stream_options = sf == StreamFields::as_request ? r.stream && r.include_usage : stream;
  auto present = [&](size_t i) {
    switch (i) {
      case 0:
        return r.frequency_penalty.has_value();
      case 1:
        return r.logprobs.has_value();
      case 2:
        return r.max_completion_tokens.has_value();
      case 3:
        return r.max_tokens.has_value();
      case 5:
        return !r.metadata.is_null();
      case 7:
        return r.n.has_value();
      case 8:
        return r.parallel_tool_calls.has_value();
      case 9:
        return r.presence_penalty.has_value();
      case 10:
        return !r.response_format.is_null();
      case 11:
        return r.seed.has_value();
      case 12:
        return !r.stop.empty();
      case 13:
        return stream;
      case 14:
        return stream_options;
      case 15:
        return r.temperature.has_value();
      case 16:
        return !r.tool_choice.is_null();
      case 17:
        return !r.tools.empty();
      case 18:
        return r.top_logprobs.has_value();
      case 19:
        return r.top_p.has_value();
      case 20:
        return !r.user.empty();
      default:  // messages, model
        return true;
    }
  };
  auto write = [&](std::string& o, size_t i) {
    switch (i) {
      case 0:
        return json::put_double(o, *r.frequency_penalty);
      case 1:
        o += *r.logprobs ? "true" : "false";
        return;
      case 2:
        return put_int(o, *r.max_completion_tokens);
      case 3:
        return put_int(o, *r.max_tokens);
      case 4:
        o += '[';
        for (size_t k = 0; k < r.messages.size(); ++k) {
          if (k) o += ',';
          put_message(o, r.messages[k], false);
        }
        o += ']';
        return;
      case 5:
        return put_json(o, r.metadata);
      case 6:
        return put_string(o, model);
      case 7:
        return put_int(o, *r.n);
      case 8:
        o += *r.parallel_tool_calls ? "true" : "false";
        return;
      case 9:
        return json::put_double(o, *r.presence_penalty);
      case 10:
        return put_json(o, r.response_format);
      case 11:
        return put_int(o, *r.seed);
      case 12:
        if (r.stop.size() == 1) return put_string(o, r.stop.front());
        o += '[';
        for (size_t k = 0; k < r.stop.size(); ++k) {
          if (k) o += ',';
          put_string(o, r.stop[k]);
        }
        o += ']';
        return;
      case 13:
        o += "true";
        return;
      case 14:
        o += "{\"include_usage\":true}";
        return;
      case 15:
        return json::put_double(o, *r.temperature);
      case 16:
        return put_json(o, r.tool_choice);
      case 17:
        o += '[';
        for (size_t k = 0; k < r.tools.size(); ++k) {
          if (k) o += ',';
          put_tool(o, r.tools[k]);
        }
        o += ']';
        return;
      case 18:
        return put_int(o, *r.top_logprobs);
      case 19:
        return json::put_double(o, *r.top_p);
      case 20:
        return put_string(o, r.user);
    }
  };
  // For an upstream, gw's model and stream fields win over same-named extra members.
  auto keep = [&](const std::string& k) {
    return sf == StreamFields::as_request ||
           (k != "model" && k != "stream" && k != "stream_options");
  };
  put_merged(out, kRequestKeys, present, write, r.extra, keep);
  return out;
}

}  // namespace

std::string serialize(const ChatChunk& c) {
  std::string out;
  size_t guess = 160 + c.id.size() + c.model.size();
  for (const auto& ch : c.choices) guess += 80 + (ch.content ? ch.content->size() : 0);
  out.reserve(guess);
  out += "{\"choices\":[";
  for (size_t i = 0; i < c.choices.size(); ++i) {
    if (i) out += ',';
    put_chunk_choice(out, c.choices[i]);
  }
  out += "],\"created\":";
  put_int(out, c.created);
  out += ",\"id\":";
  put_string(out, c.id);
  out += ",\"model\":";
  put_string(out, c.model);
  out += ",\"object\":\"chat.completion.chunk\"";
  if (!c.system_fingerprint.empty()) {
    out += ",\"system_fingerprint\":";
    put_string(out, c.system_fingerprint);
  }
  out += ",\"usage\":";
  if (c.usage)
    put_usage(out, *c.usage);
  else
    out += "null";
  out += '}';
  return out;
}

std::string serialize(const ChatResponse& r) {
  std::string out;
  size_t guess = 256 + r.id.size() + r.model.size();
  for (const auto& c : r.choices) guess += 128 + c.message.text.size();
  out.reserve(guess);
  out += "{\"choices\":[";
  for (size_t i = 0; i < r.choices.size(); ++i) {
    const Choice& c = r.choices[i];
    if (i) out += ',';
    out += "{\"finish_reason\":";
    put_string_or_null(out, c.finish_reason);
    out += ",\"index\":";
    put_int(out, c.index);
    out += ",\"logprobs\":";
    put_json(out, c.logprobs);
    out += ",\"message\":";
    put_message(out, c.message, true);
    out += '}';
  }
  out += "],\"created\":";
  put_int(out, r.created);
  out += ",\"id\":";
  put_string(out, r.id);
  out += ",\"model\":";
  put_string(out, r.model);
  out += ",\"object\":\"chat.completion\"";
  if (!r.service_tier.empty()) {
    out += ",\"service_tier\":";
    put_string(out, r.service_tier);
  }
  if (!r.system_fingerprint.empty()) {
    out += ",\"system_fingerprint\":";
    put_string(out, r.system_fingerprint);
  }
  if (r.usage) {
    out += ",\"usage\":";
    put_usage(out, *r.usage);
  }
  out += '}';
  return out;
}

std::string serialize(const ChatRequest& r) {
  return put_request(r, r.model, StreamFields::as_request);
}

std::string serialize_upstream(const ChatRequest& r, std::string_view model, bool stream) {
  return put_request(r, model, stream ? StreamFields::on_with_usage : StreamFields::omitted);
}

}  // namespace gw::api
