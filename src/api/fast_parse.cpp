// Each reader below mirrors one function of json_codec.cpp for the inputs it accepts, and
// declines (returns false) wherever that function would fail, coerce a type, or take a rare
// branch. A key seen twice also declines: nlohmann keeps the last one, and matching that for
// typed fields is not worth the care.
#include "api/fast_parse.hpp"

#include <climits>

#include "api/json_scan.hpp"

namespace gw::api {
namespace {

using json::Scanner;
using json::Seq;

// The typed keys one object has shown, to decline on a duplicate.
struct Seen {
  uint32_t bits = 0;
  bool once(int bit) {
    uint32_t m = 1u << bit;
    if (bits & m) return false;
    bits |= m;
    return true;
  }
  bool has(int bit) const { return bits & (1u << bit); }
};

// Reads an object: `on(key)` consumes each member's value, false declines.
template <class F>
bool object(Scanner& s, F&& on) {
  if (!s.object_begin()) return false;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k))
    if (!on(k)) return false;
  return s.ok();
}

// Reads an array: `on()` consumes each element.
template <class F>
bool array(Scanner& s, F&& on) {
  if (!s.array_begin()) return false;
  Seq seq;
  while (s.element(seq))
    if (!on()) return false;
  return s.ok();
}

// A string, or null leaving `out` as it is (the nlohmann path reads only strings).
bool str_or_null(Scanner& s, std::string& out) {
  return s.null() || s.string(out);
}
bool opt_str(Scanner& s, std::optional<std::string>& out) {
  return s.null() || s.string(out.emplace());
}
bool int_or_null(Scanner& s, int64_t& out) {
  return s.null() || s.integer(out);
}
bool small_int(Scanner& s, int& out) {  // get<int>() of a value that fits
  int64_t v = 0;
  if (!int_or_null(s, v) || v < INT_MIN || v > INT_MAX) return false;
  out = static_cast<int>(v);
  return true;
}
bool opt_int(Scanner& s, std::optional<int64_t>& out) {
  return s.null() || s.integer(out.emplace());
}
bool opt_double(Scanner& s, std::optional<double>& out) {
  return s.null() || s.number(out.emplace());
}
bool opt_bool(Scanner& s, std::optional<bool>& out) {
  return s.null() || s.boolean(out.emplace());
}
// A value kept as Json unless null (the nlohmann path leaves those fields null too).
bool json_or_null(Scanner& s, Json& out) {
  return s.null() || s.capture(out);
}
// An object kept as Json; null leaves `out` null.
bool object_or_null(Scanner& s, Json& out) {
  return s.null() || (s.peek() == '{' && s.capture(out));
}

// usage_from_openai
bool usage(Scanner& s, Usage& u) {
  Seen seen;
  auto details = [&](const char* field, int64_t& out) {
    Seen inner;
    return s.null() || object(s, [&](std::string_view k) {
             return k == field ? inner.once(0) && int_or_null(s, out) : s.skip();
           });
  };
  bool ok = object(s, [&](std::string_view k) {
    if (k == "prompt_tokens") return seen.once(0) && int_or_null(s, u.prompt_tokens);
    if (k == "completion_tokens") return seen.once(1) && int_or_null(s, u.completion_tokens);
    if (k == "total_tokens") return seen.once(2) && int_or_null(s, u.total_tokens);
    if (k == "prompt_tokens_details")
      return seen.once(3) && details("cached_tokens", u.cached_tokens);
    if (k == "completion_tokens_details")
      return seen.once(4) && details("reasoning_tokens", u.reasoning_tokens);
    return s.skip();
  });
  if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return ok;
}

// part_from_json, on the part's own text: read once for the type, as a whole for a part of
// another type (kept raw), else once more for its fields.
bool part(std::string_view text, ContentPart& p) {
  Scanner s(text);
  Seen seen;
  std::string_view type;
  bool escaped = false;
  if (!object(s, [&](std::string_view k) {
        return k == "type" ? seen.once(0) && s.string_raw(type, escaped) : s.skip();
      }))
    return false;
  if (!seen.has(0) || escaped) return false;
  p.type.assign(type);
  if (p.type != "text" && p.type != "image_url") {
    p.raw = Json::parse(text, nullptr, false);
    return !p.raw.is_discarded();
  }
  Scanner f(text);
  Seen fields;
  auto image_url = [&] {
    if (f.peek() == '"') return f.string(p.image_url);  // lenient: the bare URL
    Seen inner;
    return object(f,
                  [&](std::string_view k) {
                    if (k == "url") return inner.once(0) && f.string(p.image_url);
                    if (k == "detail") return inner.once(1) && str_or_null(f, p.detail);
                    return f.skip();
                  }) &&
           inner.has(0);
  };
  return object(f,
                [&](std::string_view k) {
                  if (p.type == "text" && k == "text") return fields.once(0) && f.string(p.text);
                  if (p.type == "image_url" && k == "image_url")
                    return fields.once(0) && image_url();
                  return f.skip();
                }) &&
         fields.has(0);
}

// tool_call_from_json
bool tool_call(Scanner& s, ToolCall& tc) {
  Seen seen;
  auto function = [&] {
    Seen inner;
    return object(s, [&](std::string_view k) {
      if (k == "name") return inner.once(0) && str_or_null(s, tc.name);
      if (k == "arguments") return inner.once(1) && str_or_null(s, tc.arguments);
      return s.skip();
    });
  };
  return object(s,
                [&](std::string_view k) {
                  if (k == "id") return seen.once(0) && str_or_null(s, tc.id);
                  if (k == "type") return seen.once(1) && str_or_null(s, tc.type);
                  if (k == "function") return seen.once(2) && function();
                  return s.skip();
                }) &&
         seen.has(2);
}

// A message's content: null, a string or an array of parts.
bool content(Scanner& s, Message& m) {
  char c = s.peek();
  if (c == '"') {
    m.kind = Message::ContentKind::text;
    return s.string(m.text);
  }
  if (c != '[') return s.null();  // kind stays null
  m.kind = Message::ContentKind::parts;
  std::string_view text;
  return array(s, [&] { return s.span(text) && part(text, m.parts.emplace_back()); });
}

bool valid_role(const std::string& r) {
  return r == "system" || r == "developer" || r == "user" || r == "assistant" || r == "tool" ||
         r == "function";
}

// message_from_json; an answer's message without a role is the assistant's.
bool message(Scanner& s, Message& m, bool assistant_by_default) {
  Seen seen;
  bool ok = object(s, [&](std::string_view k) {
    if (k == "role") return seen.once(0) && s.string(m.role);
    if (k == "content") return seen.once(1) && content(s, m);
    if (k == "name") return seen.once(2) && str_or_null(s, m.name);
    if (k == "tool_call_id") return seen.once(3) && str_or_null(s, m.tool_call_id);
    if (k == "refusal") return seen.once(4) && opt_str(s, m.refusal);
    if (k == "tool_calls")
      return seen.once(5) &&
             (s.null() || array(s, [&] { return tool_call(s, m.tool_calls.emplace_back()); }));
    if (s.null()) return true;  // a null member is dropped
    // A duplicate unknown key: the last wins, as in nlohmann's object.
    return s.capture(m.extra[std::string(k)]);
  });
  if (!ok) return false;
  if (!seen.has(0) && assistant_by_default) m.role = "assistant";
  return valid_role(m.role) && !(m.role == "tool" && m.tool_call_id.empty());
}

bool tool(Scanner& s, Tool& t) {
  Seen seen;
  auto function = [&] {
    Seen inner;
    return object(s,
                  [&](std::string_view k) {
                    if (k == "name") return inner.once(0) && s.string(t.name);
                    if (k == "description") return inner.once(1) && str_or_null(s, t.description);
                    if (k == "parameters") return inner.once(2) && object_or_null(s, t.parameters);
                    if (k == "strict") return inner.once(3) && opt_bool(s, t.strict);
                    return s.skip();
                  }) &&
           !t.name.empty();
  };
  return object(s,
                [&](std::string_view k) {
                  if (k == "type") return seen.once(0) && str_or_null(s, t.type);
                  if (k == "function") return seen.once(1) && function();
                  return s.skip();
                }) &&
         seen.has(1);
}

bool in_range(const std::optional<double>& v, double lo, double hi) {
  return !v || (*v >= lo && *v <= hi);
}

// The top-level request members: json_codec's kTypedRequestFields.
enum Field : int {
  f_model,
  f_messages,
  f_temperature,
  f_top_p,
  f_presence,
  f_frequency,
  f_max_tokens,
  f_max_completion,
  f_n,
  f_seed,
  f_stop,
  f_stream,
  f_stream_options,
  f_tools,
  f_tool_choice,
  f_parallel,
  f_response_format,
  f_user,
  f_metadata,
  f_logprobs,
  f_top_logprobs,
  f_function_call,
};

// `stream_options` is set when the request has a (non-null) stream_options object.
bool request_member(Scanner& s, std::string_view k, ChatRequest& r, Seen& seen,
                    bool& stream_options) {
  auto typed = [&](Field f) { return seen.once(f); };
  if (k == "model") return typed(f_model) && s.string(r.model);
  if (k == "messages")
    return typed(f_messages) &&
           array(s, [&] { return message(s, r.messages.emplace_back(), false); });
  if (k == "temperature") return typed(f_temperature) && opt_double(s, r.temperature);
  if (k == "top_p") return typed(f_top_p) && opt_double(s, r.top_p);
  if (k == "presence_penalty") return typed(f_presence) && opt_double(s, r.presence_penalty);
  if (k == "frequency_penalty") return typed(f_frequency) && opt_double(s, r.frequency_penalty);
  if (k == "max_tokens") return typed(f_max_tokens) && opt_int(s, r.max_tokens);
  if (k == "max_completion_tokens")
    return typed(f_max_completion) && opt_int(s, r.max_completion_tokens);
  if (k == "n") return typed(f_n) && opt_int(s, r.n);
  if (k == "seed") return typed(f_seed) && opt_int(s, r.seed);
  if (k == "logprobs") return typed(f_logprobs) && opt_bool(s, r.logprobs);
  if (k == "top_logprobs") return typed(f_top_logprobs) && opt_int(s, r.top_logprobs);
  if (k == "parallel_tool_calls") return typed(f_parallel) && opt_bool(s, r.parallel_tool_calls);
  if (k == "stream") {
    std::optional<bool> b;
    if (!typed(f_stream) || !opt_bool(s, b)) return false;
    r.stream = b.value_or(false);
    return true;
  }
  if (k == "stream_options") {
    if (!typed(f_stream_options)) return false;
    if (s.null()) return true;
    stream_options = true;
    Seen inner;
    return object(s, [&](std::string_view ik) {
      if (ik != "include_usage") return s.skip();
      std::optional<bool> b;
      if (!inner.once(0) || !opt_bool(s, b)) return false;
      if (b) r.include_usage = *b;
      return true;
    });
  }
  if (k == "stop") {
    if (!typed(f_stop)) return false;
    if (s.null()) return true;
    if (s.peek() == '"') return s.string(r.stop.emplace_back());
    return array(s, [&] { return s.string(r.stop.emplace_back()); }) && r.stop.size() <= 4;
  }
  if (k == "tools")
    return typed(f_tools) &&
           (s.null() || array(s, [&] { return tool(s, r.tools.emplace_back()); }));
  if (k == "tool_choice") {
    char c = s.peek();
    return typed(f_tool_choice) && (c == '"' || c == '{' || c == 'n') &&
           json_or_null(s, r.tool_choice);
  }
  if (k == "response_format")
    return typed(f_response_format) && object_or_null(s, r.response_format) &&
           (r.response_format.is_null() || r.response_format.contains("type"));
  if (k == "user") return typed(f_user) && str_or_null(s, r.user);
  if (k == "metadata") return typed(f_metadata) && object_or_null(s, r.metadata);
  if (k == "function_call")  // typed, yet passed on in extra
    return typed(f_function_call) && s.capture(r.extra["function_call"]);
  return s.capture(r.extra[std::string(k)]);  // null included
}

// chat_chunk_from_json's tool-call deltas
bool tool_delta(Scanner& s, ToolCallDelta& td) {
  Seen seen;
  auto function = [&] {
    Seen inner;
    return s.null() || object(s, [&](std::string_view k) {
             if (k == "name") return inner.once(0) && str_or_null(s, td.name);
             if (k == "arguments") return inner.once(1) && opt_str(s, td.arguments);
             return s.skip();
           });
  };
  return object(s, [&](std::string_view k) {
    if (k == "index") return seen.once(0) && small_int(s, td.index);
    if (k == "id") return seen.once(1) && str_or_null(s, td.id);
    if (k == "type") return seen.once(2) && str_or_null(s, td.type);
    if (k == "function") return seen.once(3) && function();
    return s.skip();
  });
}

// chat_chunk_from_json's choices
bool chunk_choice(Scanner& s, ChunkChoice& cc, std::string_view* content_raw) {
  Seen seen;
  auto content = [&] {
    if (s.null()) return true;
    std::string_view raw;
    bool escaped = false;
    if (!s.string_raw(raw, escaped)) return false;
    if (escaped)
      json::decode_string(raw, cc.content.emplace());
    else
      cc.content.emplace(raw);
    if (content_raw) *content_raw = raw;
    return true;
  };
  auto delta = [&] {
    Seen inner;
    return s.null() || object(s, [&](std::string_view k) {
             if (k == "content") return inner.once(0) && content();
             if (k == "role") return inner.once(1) && opt_str(s, cc.role);
             if (k == "refusal") return inner.once(2) && opt_str(s, cc.refusal);
             if (k == "tool_calls")
               return inner.once(3) && (s.null() || array(s, [&] {
                                          return tool_delta(s, cc.tool_calls.emplace_back());
                                        }));
             return s.skip();
           });
  };
  return object(s, [&](std::string_view k) {
    if (k == "index") return seen.once(0) && small_int(s, cc.index);
    if (k == "finish_reason") return seen.once(1) && str_or_null(s, cc.finish_reason);
    if (k == "logprobs") return seen.once(2) && json_or_null(s, cc.logprobs);
    if (k == "delta") return seen.once(3) && delta();
    return s.skip();
  });
}

// chat_response_from_json's choices
bool response_choice(Scanner& s, Choice& ch) {
  Seen seen;
  return object(s, [&](std::string_view k) {
    if (k == "index") return seen.once(0) && small_int(s, ch.index);
    if (k == "message") return seen.once(1) && (s.null() || message(s, ch.message, true));
    if (k == "finish_reason") return seen.once(2) && str_or_null(s, ch.finish_reason);
    if (k == "logprobs") return seen.once(3) && json_or_null(s, ch.logprobs);
    return s.skip();
  });
}

}  // namespace

std::optional<ChatRequest> fast_chat_request(std::string_view text) {
  Scanner s(text);
  ChatRequest r;
  Seen seen;
  bool stream_options = false;
  if (!object(s,
              [&](std::string_view k) { return request_member(s, k, r, seen, stream_options); }) ||
      !s.finish())
    return std::nullopt;
  // The checks of chat_request_from_json; any failure is worded there.
  bool valid = !r.model.empty() && !r.messages.empty() && in_range(r.temperature, 0, 2) &&
               in_range(r.top_p, 0, 1) && in_range(r.presence_penalty, -2, 2) &&
               in_range(r.frequency_penalty, -2, 2) && (!r.max_tokens || *r.max_tokens >= 1) &&
               (!r.max_completion_tokens || *r.max_completion_tokens >= 1) && (!r.n || *r.n >= 1) &&
               (!r.top_logprobs || (*r.top_logprobs >= 0 && *r.top_logprobs <= 20)) &&
               (!stream_options || r.stream);
  if (!valid) return std::nullopt;
  return r;
}

std::optional<ChatResponse> fast_chat_response(std::string_view text) {
  Scanner s(text);
  ChatResponse r;
  Seen seen;
  bool ok = object(s, [&](std::string_view k) {
    if (k == "id") return seen.once(0) && str_or_null(s, r.id);
    if (k == "created") return seen.once(1) && int_or_null(s, r.created);
    if (k == "model") return seen.once(2) && str_or_null(s, r.model);
    if (k == "system_fingerprint") return seen.once(3) && str_or_null(s, r.system_fingerprint);
    if (k == "service_tier") return seen.once(4) && str_or_null(s, r.service_tier);
    if (k == "choices")
      return seen.once(5) && array(s, [&] { return response_choice(s, r.choices.emplace_back()); });
    if (k == "usage") return seen.once(6) && (s.null() || usage(s, r.usage.emplace()));
    return s.skip();
  });
  if (!ok || !s.finish() || !seen.has(5)) return std::nullopt;
  return r;
}

std::optional<ChatChunk> fast_chat_chunk(std::string_view text, std::string_view* content_raw) {
  Scanner s(text);
  ChatChunk c;
  Seen seen;
  std::string_view raw;  // the content of the last choice read, if a string
  bool ok = object(s, [&](std::string_view k) {
    if (k == "id") return seen.once(0) && str_or_null(s, c.id);
    if (k == "created") return seen.once(1) && int_or_null(s, c.created);
    if (k == "model") return seen.once(2) && str_or_null(s, c.model);
    if (k == "system_fingerprint") return seen.once(3) && str_or_null(s, c.system_fingerprint);
    if (k == "choices")
      return seen.once(4) && (s.null() || array(s, [&] {
                                raw = {};
                                return chunk_choice(s, c.choices.emplace_back(), &raw);
                              }));
    if (k == "usage") return seen.once(5) && (s.null() || usage(s, c.usage.emplace()));
    if (k == "error") return s.null();  // an error event is the nlohmann path's to word
    return s.skip();
  });
  if (!ok || !s.finish()) return std::nullopt;
  if (content_raw)
    *content_raw = c.choices.size() == 1 && c.choices[0].content ? raw : std::string_view();
  return c;
}

void ChunkTemplate::learn(std::string_view text, const ChatChunk& chunk,
                          std::string_view content_raw) {
  ready_ = false;
  if (content_raw.data() == nullptr || content_raw.data() < text.data() + 1 ||
      content_raw.data() + content_raw.size() >= text.data() + text.size())
    return;
  prefix_ = static_cast<size_t>(content_raw.data() - text.data());
  suffix_ = text.size() - prefix_ - content_raw.size();
  text_.assign(text);
  chunk_ = chunk;
  chunk_.raw.clear();
  ready_ = true;
}

bool ChunkTemplate::read_into(std::string_view text, ChatChunk& out) const {
  if (!ready_ || text.size() < prefix_ + suffix_) return false;
  std::string_view frame = text_;
  if (text.substr(0, prefix_) != frame.substr(0, prefix_) ||
      text.substr(text.size() - suffix_) != frame.substr(frame.size() - suffix_))
    return false;
  // The prefix ends with the content's opening quote and the suffix starts with its closing
  // one: the bytes between must be one string's text, ending exactly there.
  Scanner s(text.substr(prefix_ - 1));
  std::string_view raw;
  bool escaped = false;
  if (!s.string_raw(raw, escaped) || raw.size() != text.size() - prefix_ - suffix_) return false;
  out = chunk_;  // copy-assignment: out's strings and choices keep their memory
  auto& content = *out.choices[0].content;
  if (escaped)
    json::decode_string(raw, content);
  else
    content.assign(raw);
  return true;
}

}  // namespace gw::api
