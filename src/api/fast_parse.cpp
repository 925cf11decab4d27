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

// Marks `bit` seen; false when it already was (a duplicate key).
bool once(uint32_t& seen, int bit) {
  uint32_t m = 1u << bit;
  if (seen & m) return false;
  seen |= m;
  return true;
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
  bool b = false;
  if (s.null()) return true;
  if (!s.boolean(b)) return false;
  out = b;
  return true;
}
// A value kept as Json unless null (the nlohmann path leaves those fields null too).
bool json_or_null(Scanner& s, Json& out) {
  return s.null() || s.capture(out);
}

// usage_from_openai
bool usage(Scanner& s, Usage& u) {
  if (!s.object_begin()) return false;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  auto details = [&](const char* field, int64_t& out) {
    if (s.null()) return true;
    if (!s.object_begin()) return false;
    uint32_t inner = 0;
    Seq dseq;
    std::string_view dk;
    while (s.member(dseq, dk)) {
      bool ok = dk == field ? once(inner, 0) && int_or_null(s, out) : s.skip();
      if (!ok) return false;
    }
    return s.ok();
  };
  while (s.member(seq, k)) {
    bool ok;
    if (k == "prompt_tokens")
      ok = once(seen, 0) && int_or_null(s, u.prompt_tokens);
    else if (k == "completion_tokens")
      ok = once(seen, 1) && int_or_null(s, u.completion_tokens);
    else if (k == "total_tokens")
      ok = once(seen, 2) && int_or_null(s, u.total_tokens);
    else if (k == "prompt_tokens_details")
      ok = once(seen, 3) && details("cached_tokens", u.cached_tokens);
    else if (k == "completion_tokens_details")
      ok = once(seen, 4) && details("reasoning_tokens", u.reasoning_tokens);
    else
      ok = s.skip();
    if (!ok) return false;
  }
  if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return s.ok();
}

// part_from_json, on the part's own text (read twice: a part of another type is kept whole).
bool part(std::string_view text, ContentPart& p) {
  Scanner s(text);
  if (!s.object_begin()) return false;
  uint32_t seen = 0;
  std::string_view type_raw, k;
  bool type_escaped = false;
  Seq seq;
  while (s.member(seq, k)) {  // first pass: the type
    bool ok = k == "type" ? once(seen, 0) && s.string_raw(type_raw, type_escaped) : s.skip();
    if (!ok) return false;
  }
  if (!s.ok() || !(seen & 1) || type_escaped) return false;
  p.type.assign(type_raw);
  if (p.type != "text" && p.type != "image_url") {
    p.raw = Json::parse(text, nullptr, false);
    return !p.raw.is_discarded();
  }
  Scanner s2(text);
  s2.object_begin();
  Seq seq2;
  seen = 0;
  while (s2.member(seq2, k)) {
    bool ok;
    if (p.type == "text" && k == "text") {
      ok = once(seen, 0) && s2.string(p.text);
    } else if (p.type == "image_url" && k == "image_url") {
      ok = once(seen, 0);
      if (ok && s2.peek() == '"') {
        ok = s2.string(p.image_url);  // lenient: the bare URL
      } else if (ok) {
        ok = s2.object_begin();
        uint32_t inner = 0;
        Seq iseq;
        std::string_view ik;
        while (ok && s2.member(iseq, ik)) {
          if (ik == "url")
            ok = once(inner, 0) && s2.string(p.image_url);
          else if (ik == "detail")
            ok = once(inner, 1) && str_or_null(s2, p.detail);
          else
            ok = s2.skip();
        }
        ok = ok && s2.ok() && (inner & 1);
      }
    } else {
      ok = s2.skip();
    }
    if (!ok) return false;
  }
  return s2.ok() && (seen & 1);
}

// tool_call_from_json
bool tool_call(Scanner& s, ToolCall& tc) {
  if (!s.object_begin()) return false;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k)) {
    bool ok;
    if (k == "id") {
      ok = once(seen, 0) && str_or_null(s, tc.id);
    } else if (k == "type") {
      ok = once(seen, 1) && str_or_null(s, tc.type);
    } else if (k == "function") {
      ok = once(seen, 2) && s.object_begin();
      uint32_t inner = 0;
      Seq fseq;
      std::string_view fk;
      while (ok && s.member(fseq, fk)) {
        if (fk == "name")
          ok = once(inner, 0) && str_or_null(s, tc.name);
        else if (fk == "arguments")
          ok = once(inner, 1) && str_or_null(s, tc.arguments);
        else
          ok = s.skip();
      }
      ok = ok && s.ok();
    } else {
      ok = s.skip();
    }
    if (!ok) return false;
  }
  return s.ok() && (seen & 4);
}

bool valid_role(const std::string& r) {
  return r == "system" || r == "developer" || r == "user" || r == "assistant" || r == "tool" ||
         r == "function";
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
  if (!s.array_begin()) return false;
  Seq seq;
  std::string_view text;
  while (s.element(seq))
    if (!s.span(text) || !part(text, m.parts.emplace_back())) return false;
  return s.ok();
}

// message_from_json; an answer's message without a role is the assistant's.
bool message(Scanner& s, Message& m, bool assistant_by_default) {
  if (!s.object_begin()) return false;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k)) {
    bool ok;
    if (k == "role") {
      ok = once(seen, 0) && s.string(m.role);
    } else if (k == "content") {
      ok = once(seen, 1) && content(s, m);
    } else if (k == "name") {
      ok = once(seen, 2) && str_or_null(s, m.name);
    } else if (k == "tool_call_id") {
      ok = once(seen, 3) && str_or_null(s, m.tool_call_id);
    } else if (k == "refusal") {
      ok = once(seen, 4) && (s.null() || s.string(m.refusal.emplace()));
    } else if (k == "tool_calls") {
      ok = once(seen, 5);
      if (ok && !s.null()) {
        ok = s.array_begin();
        Seq tseq;
        while (ok && s.element(tseq)) ok = tool_call(s, m.tool_calls.emplace_back());
        ok = ok && s.ok();
      }
    } else if (s.null()) {
      ok = true;  // a null member is dropped
    } else {
      // Duplicate unknown keys: the last wins, as in nlohmann's object.
      ok = s.capture(m.extra[std::string(k)]);
    }
    if (!ok) return false;
  }
  if (!s.ok()) return false;
  if (!(seen & 1) && assistant_by_default) m.role = "assistant";
  if (!valid_role(m.role)) return false;
  return !(m.role == "tool" && m.tool_call_id.empty());
}

bool tool(Scanner& s, Tool& t) {
  if (!s.object_begin()) return false;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k)) {
    bool ok;
    if (k == "type") {
      ok = once(seen, 0) && str_or_null(s, t.type);
    } else if (k == "function") {
      ok = once(seen, 1) && s.object_begin();
      uint32_t inner = 0;
      Seq fseq;
      std::string_view fk;
      while (ok && s.member(fseq, fk)) {
        if (fk == "name")
          ok = once(inner, 0) && s.string(t.name);
        else if (fk == "description")
          ok = once(inner, 1) && str_or_null(s, t.description);
        else if (fk == "parameters")
          ok = once(inner, 2) && (s.null() || (s.peek() == '{' && s.capture(t.parameters)));
        else if (fk == "strict")
          ok = once(inner, 3) && opt_bool(s, t.strict);
        else
          ok = s.skip();
      }
      ok = ok && s.ok() && !t.name.empty();
    } else {
      ok = s.skip();
    }
    if (!ok) return false;
  }
  return s.ok() && (seen & 2);
}

bool in_range(const std::optional<double>& v, double lo, double hi) {
  return !v || (*v >= lo && *v <= hi);
}

// The top-level request members, in json_codec's kTypedRequestFields terms.
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

bool request_member(Scanner& s, std::string_view k, ChatRequest& r, uint32_t& seen,
                    bool& stream_options) {
  auto typed = [&](Field f) { return once(seen, f); };
  if (k == "model") return typed(f_model) && s.string(r.model);
  if (k == "messages") {
    if (!typed(f_messages) || !s.array_begin()) return false;
    Seq seq;
    while (s.element(seq))
      if (!message(s, r.messages.emplace_back(), false)) return false;
    return s.ok();
  }
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
    if (!s.object_begin()) return false;
    stream_options = true;
    uint32_t inner = 0;
    Seq seq;
    std::string_view ik;
    while (s.member(seq, ik)) {
      bool ok = true;
      if (ik == "include_usage") {
        std::optional<bool> b;
        ok = once(inner, 0) && opt_bool(s, b);
        if (b) r.include_usage = *b;
      } else {
        ok = s.skip();
      }
      if (!ok) return false;
    }
    return s.ok();
  }
  if (k == "stop") {
    if (!typed(f_stop)) return false;
    if (s.null()) return true;
    if (s.peek() == '"') return s.string(r.stop.emplace_back());
    if (!s.array_begin()) return false;
    Seq seq;
    while (s.element(seq))
      if (!s.string(r.stop.emplace_back())) return false;
    return s.ok() && r.stop.size() <= 4;
  }
  if (k == "tools") {
    if (!typed(f_tools)) return false;
    if (s.null()) return true;
    if (!s.array_begin()) return false;
    Seq seq;
    while (s.element(seq))
      if (!tool(s, r.tools.emplace_back())) return false;
    return s.ok();
  }
  if (k == "tool_choice") {
    char c = s.peek();
    return typed(f_tool_choice) && (c == '"' || c == '{' || c == 'n') &&
           json_or_null(s, r.tool_choice);
  }
  if (k == "response_format") {
    return typed(f_response_format) &&
           (s.null() || (s.peek() == '{' && s.capture(r.response_format) &&
                         r.response_format.contains("type")));
  }
  if (k == "user") return typed(f_user) && str_or_null(s, r.user);
  if (k == "metadata")
    return typed(f_metadata) && (s.null() || (s.peek() == '{' && s.capture(r.metadata)));
  if (k == "function_call")  // typed, yet passed on in extra
    return typed(f_function_call) && s.capture(r.extra["function_call"]);
  return s.capture(r.extra[std::string(k)]);  // null included
}

// chat_chunk_from_json's choices
bool chunk_choice(Scanner& s, ChunkChoice& cc) {
  if (!s.object_begin()) return false;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k)) {
    bool ok;
    if (k == "index") {
      ok = once(seen, 0) && small_int(s, cc.index);
    } else if (k == "finish_reason") {
      ok = once(seen, 1) && str_or_null(s, cc.finish_reason);
    } else if (k == "logprobs") {
      ok = once(seen, 2) && json_or_null(s, cc.logprobs);
    } else if (k == "delta") {
      ok = once(seen, 3);
      if (ok && !s.null()) {
        ok = s.object_begin();
        uint32_t inner = 0;
        Seq dseq;
        std::string_view dk;
        while (ok && s.member(dseq, dk)) {
          if (dk == "content") {
            ok = once(inner, 0) && opt_str(s, cc.content);
          } else if (dk == "role") {
            ok = once(inner, 1) && opt_str(s, cc.role);
          } else if (dk == "refusal") {
            ok = once(inner, 2) && opt_str(s, cc.refusal);
          } else if (dk == "tool_calls") {
            ok = once(inner, 3);
            if (ok && !s.null()) {
              ok = s.array_begin();
              Seq tseq;
              while (ok && s.element(tseq)) {
                ToolCallDelta& td = cc.tool_calls.emplace_back();
                ok = s.object_begin();
                uint32_t tseen = 0;
                Seq mseq;
                std::string_view tk;
                while (ok && s.member(mseq, tk)) {
                  if (tk == "index") {
                    ok = once(tseen, 0) && small_int(s, td.index);
                  } else if (tk == "id") {
                    ok = once(tseen, 1) && str_or_null(s, td.id);
                  } else if (tk == "type") {
                    ok = once(tseen, 2) && str_or_null(s, td.type);
                  } else if (tk == "function") {
                    ok = once(tseen, 3);
                    if (ok && !s.null()) {
                      ok = s.object_begin();
                      uint32_t fseen = 0;
                      Seq fseq;
                      std::string_view fk;
                      while (ok && s.member(fseq, fk)) {
                        if (fk == "name")
                          ok = once(fseen, 0) && str_or_null(s, td.name);
                        else if (fk == "arguments")
                          ok = once(fseen, 1) && opt_str(s, td.arguments);
                        else
                          ok = s.skip();
                      }
                      ok = ok && s.ok();
                    }
                  } else {
                    ok = s.skip();
                  }
                }
                ok = ok && s.ok();
              }
              ok = ok && s.ok();
            }
          } else {
            ok = s.skip();
          }
        }
        ok = ok && s.ok();
      }
    } else {
      ok = s.skip();
    }
    if (!ok) return false;
  }
  return s.ok();
}

// chat_response_from_json's choices
bool response_choice(Scanner& s, Choice& ch) {
  if (!s.object_begin()) return false;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k)) {
    bool ok;
    if (k == "index")
      ok = once(seen, 0) && small_int(s, ch.index);
    else if (k == "message")
      ok = once(seen, 1) && (s.null() || message(s, ch.message, true));
    else if (k == "finish_reason")
      ok = once(seen, 2) && str_or_null(s, ch.finish_reason);
    else if (k == "logprobs")
      ok = once(seen, 3) && json_or_null(s, ch.logprobs);
    else
      ok = s.skip();
    if (!ok) return false;
  }
  return s.ok();
}

}  // namespace

std::optional<ChatRequest> fast_chat_request(std::string_view text) {
  Scanner s(text);
  ChatRequest r;
  if (!s.object_begin()) return std::nullopt;
  uint32_t seen = 0;
  bool stream_options = false;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k))
    if (!request_member(s, k, r, seen, stream_options)) return std::nullopt;
  if (!s.finish()) return std::nullopt;
  // The checks of chat_request_from_json; any failure is worded there.
  bool valid = !r.model.empty() && !r.messages.empty() && in_range(r.temperature, 0, 2) &&
               in_range(r.top_p, 0, 1) && in_range(r.presence_penalty, -2, 2) &&
               in_range(r.frequency_penalty, -2, 2) && (!r.max_tokens || *r.max_tokens >= 1) &&
               (!r.max_completion_tokens || *r.max_completion_tokens >= 1) &&
               (!r.n || *r.n >= 1) &&
               (!r.top_logprobs || (*r.top_logprobs >= 0 && *r.top_logprobs <= 20)) &&
               (!stream_options || r.stream);
  if (!valid) return std::nullopt;
  return r;
}

std::optional<ChatResponse> fast_chat_response(std::string_view text) {
  Scanner s(text);
  ChatResponse r;
  if (!s.object_begin()) return std::nullopt;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k)) {
    bool ok;
    if (k == "id") {
      ok = once(seen, 0) && str_or_null(s, r.id);
    } else if (k == "created") {
      ok = once(seen, 1) && int_or_null(s, r.created);
    } else if (k == "model") {
      ok = once(seen, 2) && str_or_null(s, r.model);
    } else if (k == "system_fingerprint") {
      ok = once(seen, 3) && str_or_null(s, r.system_fingerprint);
    } else if (k == "service_tier") {
      ok = once(seen, 4) && str_or_null(s, r.service_tier);
    } else if (k == "choices") {
      ok = once(seen, 5) && s.array_begin();
      Seq cseq;
      while (ok && s.element(cseq)) ok = response_choice(s, r.choices.emplace_back());
      ok = ok && s.ok();
    } else if (k == "usage") {
      ok = once(seen, 6) && (s.null() || usage(s, r.usage.emplace()));
    } else {
      ok = s.skip();
    }
    if (!ok) return std::nullopt;
  }
  if (!s.finish() || !(seen & (1u << 5))) return std::nullopt;
  return r;
}

std::optional<ChatChunk> fast_chat_chunk(std::string_view text) {
  Scanner s(text);
  ChatChunk c;
  if (!s.object_begin()) return std::nullopt;
  uint32_t seen = 0;
  Seq seq;
  std::string_view k;
  while (s.member(seq, k)) {
    bool ok;
    if (k == "id") {
      ok = once(seen, 0) && str_or_null(s, c.id);
    } else if (k == "created") {
      ok = once(seen, 1) && int_or_null(s, c.created);
    } else if (k == "model") {
      ok = once(seen, 2) && str_or_null(s, c.model);
    } else if (k == "system_fingerprint") {
      ok = once(seen, 3) && str_or_null(s, c.system_fingerprint);
    } else if (k == "choices") {
      ok = once(seen, 4);
      if (ok && !s.null()) {
        ok = s.array_begin();
        Seq cseq;
        while (ok && s.element(cseq)) ok = chunk_choice(s, c.choices.emplace_back());
        ok = ok && s.ok();
      }
    } else if (k == "usage") {
      ok = once(seen, 5) && (s.null() || usage(s, c.usage.emplace()));
    } else if (k == "error") {
      ok = s.null();  // an error event is the nlohmann path's to word
    } else {
      ok = s.skip();
    }
    if (!ok) return std::nullopt;
  }
  if (!s.finish()) return std::nullopt;
  return c;
}

}  // namespace gw::api
