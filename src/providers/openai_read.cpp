#include "providers/openai_read.hpp"

#include <simdjson.h>

#include <cstdint>
#include <iterator>
#include <limits>
#include <string>

#include "api/json_codec.hpp"
#include "api/json_from_simdjson.hpp"
#include "providers/adapter_util.hpp"

namespace gw::providers {
namespace {

namespace dom = simdjson::dom;
using api::Json;

// One parser and one padded copy of the input per thread: no allocation per event once warm.
dom::element parse(std::string_view text, bool& ok) {
  // Deeper texts decline to parse_upstream_json, which refuses them (fibers' small stacks).
  thread_local dom::parser parser = [] {
    dom::parser p;
    auto err = p.allocate(64 * 1024, api::kMaxJsonNesting);
    (void)err;  // on failure parse() allocates on the first event, with this depth bound
    return p;
  }();
  thread_local std::string padded;
  padded.assign(text);
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  dom::element doc;
  ok = !parser.parse(padded.data(), text.size(), false).get(doc);
  return doc;
}

// The readers below set `ok` false to decline; each takes only the exact JSON type nlohmann's
// reader would take without any leniency.
struct Reader {
  bool ok = true;

  void text(dom::element e, std::string& out) {
    std::string_view s;
    if (e.get_string().get(s))
      ok = false;
    else
      out.assign(s);
  }
  void opt_text(dom::element e, std::optional<std::string>& out) {
    if (e.is_null()) return;
    std::string_view s;
    if (e.get_string().get(s))
      ok = false;
    else
      out.emplace(s);
  }
  template <class Int>
  void whole(dom::element e, Int& out) {
    int64_t v;
    if (e.get_int64().get(v) || v < std::numeric_limits<Int>::min() ||
        v > std::numeric_limits<Int>::max())
      ok = false;
    else
      out = static_cast<Int>(v);
  }
  // A token count as read_token_count takes it: a plain whole number from 0 to kMaxTokenCount.
  void count(dom::element e, int64_t& out) {
    if (e.is_null()) return;
    whole(e, out);
    if (out < 0 || out > kMaxTokenCount) ok = false;
  }
  void json(dom::element e, Json& out) {
    if (e.is_null()) return void(out = nullptr);
    if (api::json_from_simdjson(e, out)) return;             // not printed and lexed again
    out = Json::parse(simdjson::minify(e), nullptr, false);  // what the DOM cannot tell ("-0")
    if (out.is_discarded()) ok = false;
  }
  // Calls f(key, value) for each member of an object; a repeated key declines (nlohmann keeps
  // the last, which a walk in order would not match for arrays).
  template <class F>
  void members(dom::element e, F&& f) {
    dom::object o;
    if (e.get_object().get(o)) return void(ok = false);
    std::string_view seen[24];  // chat objects have a handful of members; more declines
    size_t n = 0;
    for (auto [key, value] : o) {
      for (size_t i = 0; i < n; ++i)
        if (seen[i] == key) return void(ok = false);
      if (n == std::size(seen)) return void(ok = false);
      seen[n++] = key;
      f(key, value);
      if (!ok) return;
    }
  }
  template <class F>
  void elements(dom::element e, F&& f) {
    dom::array a;
    if (e.get_array().get(a)) return void(ok = false);
    for (dom::element v : a) {
      f(v);
      if (!ok) return;
    }
  }

  void usage(dom::element e, std::optional<api::Usage>& out) {
    api::Usage u;
    members(e, [&](std::string_view k, dom::element v) {
      if (k == "prompt_tokens")
        count(v, u.prompt_tokens);
      else if (k == "completion_tokens")
        count(v, u.completion_tokens);
      else if (k == "total_tokens")
        count(v, u.total_tokens);
      else if (v.is_null())
        return;
      else if (k == "prompt_tokens_details")
        members(v, [&](std::string_view dk, dom::element dv) {
          if (dk == "cached_tokens") count(dv, u.cached_tokens);
        });
      else if (k == "completion_tokens_details")
        members(v, [&](std::string_view dk, dom::element dv) {
          if (dk == "reasoning_tokens") count(dv, u.reasoning_tokens);
        });
    });
    if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
    out = u;
  }

  void tool_call_delta(dom::element e, api::ToolCallDelta& td) {
    members(e, [&](std::string_view k, dom::element v) {
      if (k == "index")
        whole(v, td.index);
      else if (k == "id")
        text(v, td.id);
      else if (k == "type")
        text(v, td.type);
      else if (k == "function")
        members(v, [&](std::string_view fk, dom::element fv) {
          if (fk == "name")
            text(fv, td.name);
          else if (fk == "arguments")
            opt_text(fv, td.arguments);
        });
    });
  }

  void chunk_choice(dom::element e, api::ChunkChoice& cc) {
    members(e, [&](std::string_view k, dom::element v) {
      if (k == "index")
        whole(v, cc.index);
      else if (k == "finish_reason") {
        if (!v.is_null()) text(v, cc.finish_reason);
      } else if (k == "logprobs")
        json(v, cc.logprobs);
      else if (k == "delta")
        members(v, [&](std::string_view dk, dom::element dv) {
          if (dk == "role")
            opt_text(dv, cc.role);
          else if (dk == "content")
            opt_text(dv, cc.content);
          else if (dk == "refusal")
            opt_text(dv, cc.refusal);
          else if (dk == "tool_calls" && !dv.is_null())
            elements(dv, [&](dom::element t) { tool_call_delta(t, cc.tool_calls.emplace_back()); });
        });
    });
  }

  // The assistant message of an answer in its usual shape (other members go to `extra`, as
  // message_from_json keeps them); content parts and other roles decline to that reader.
  void message(dom::element e, api::Message& m) {
    m.role = "assistant";
    members(e, [&](std::string_view k, dom::element v) {
      if (k == "role")
        text(v, m.role);
      else if (k == "content") {
        if (v.is_null()) return void(m.kind = api::Message::ContentKind::null);
        m.kind = api::Message::ContentKind::text;
        text(v, m.text);
      } else if (k == "refusal")
        opt_text(v, m.refusal);
      else if (k == "tool_calls" && !v.is_null())
        elements(v, [&](dom::element t) {
          api::ToolCall& tc = m.tool_calls.emplace_back();
          members(t, [&](std::string_view tk, dom::element tv) {
            if (tk == "id")
              text(tv, tc.id);
            else if (tk == "type")
              text(tv, tc.type);
            else if (tk == "function")
              members(tv, [&](std::string_view fk, dom::element fv) {
                if (fk == "name")
                  text(fv, tc.name);
                else if (fk == "arguments")
                  text(fv, tc.arguments);
                else
                  ok = false;
              });
            else
              ok = false;
          });
          if (tc.name.empty()) ok = false;  // the nlohmann reader words what is missing
        });
      else if (k == "name")
        text(v, m.name);
      else if (k == "tool_call_id")
        text(v, m.tool_call_id);
      else if (!v.is_null())
        json(v, m.extra[std::string(k)]);  // annotations, audio, ...
    });
    if (m.role != "assistant") ok = false;
  }

  // Members every answer and chunk share; true when `k` was one of them.
  template <class T>
  bool common(std::string_view k, dom::element v, T& out) {
    if (k == "id")
      text(v, out.id);
    else if (k == "created")
      whole(v, out.created);
    else if (k == "model")
      text(v, out.model);
    else if (k == "system_fingerprint") {
      if (!v.is_null()) text(v, out.system_fingerprint);
    } else if (k == "usage") {
      if (!v.is_null()) usage(v, out.usage);
    } else if (k == "error")
      ok = false;  // error events take the nlohmann path
    else
      return false;
    return true;
  }
};

}  // namespace

bool read_openai_chunk(std::string_view text, api::ChatChunk& c) {
  bool parsed = false;
  dom::element doc = parse(text, parsed);
  if (!parsed) return false;
  // Every field is assigned; strings and vectors keep the memory an earlier chunk gave them.
  c.id.clear();
  c.created = 0;
  c.model.clear();
  c.usage.reset();
  c.system_fingerprint.clear();
  c.raw.clear();
  size_t used = 0;
  Reader r;
  r.members(doc, [&](std::string_view k, dom::element v) {
    if (r.common(k, v, c)) return;
    if (k == "choices")
      r.elements(v, [&](dom::element ch) {
        if (used == c.choices.size()) c.choices.emplace_back();
        api::ChunkChoice& cc = c.choices[used++];
        cc.index = 0;
        cc.role.reset();
        cc.content.reset();
        cc.refusal.reset();
        cc.reasoning.reset();
        cc.tool_calls.clear();
        cc.finish_reason.clear();
        cc.logprobs = nullptr;
        r.chunk_choice(ch, cc);
      });
  });
  c.choices.resize(used);
  return r.ok;
}

std::optional<api::ChatChunk> read_openai_chunk(std::string_view text) {
  api::ChatChunk c;
  if (!read_openai_chunk(text, c)) return std::nullopt;
  return c;
}

std::optional<api::ChatResponse> read_openai_response(std::string_view text) {
  bool parsed = false;
  dom::element doc = parse(text, parsed);
  if (!parsed) return std::nullopt;
  Reader r;
  api::ChatResponse resp;
  bool has_choices = false;
  r.members(doc, [&](std::string_view k, dom::element v) {
    if (r.common(k, v, resp)) return;
    if (k == "service_tier") {
      if (!v.is_null()) r.text(v, resp.service_tier);
    } else if (k == "choices") {
      has_choices = true;
      r.elements(v, [&](dom::element e) {
        api::Choice& ch = resp.choices.emplace_back();
        ch.message.role = "assistant";
        r.members(e, [&](std::string_view ck, dom::element cv) {
          if (ck == "index")
            r.whole(cv, ch.index);
          else if (ck == "finish_reason") {
            if (!cv.is_null()) r.text(cv, ch.finish_reason);
          } else if (ck == "logprobs")
            r.json(cv, ch.logprobs);
          else if (ck == "message")
            r.message(cv, ch.message);
        });
      });
    }
  });
  if (!r.ok || !has_choices) return std::nullopt;
  return resp;
}

}  // namespace gw::providers
