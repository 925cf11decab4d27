// JSON both ways for what upstreams answer: usage, whole responses and stream chunks.
#include "api/chat_schema.hpp"
#include "api/json_codec.hpp"
#include "api/json_codec_detail.hpp"

namespace gw::api {
namespace {

using detail::message_from_json;
using detail::null_or;

// Upstreams are not trusted to type their fields: a non-string reads as empty.
std::string str_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Usage usage_from_openai(const Json& j) {
  Usage u;
  if (!j.is_object()) return u;
  struct Reader {
    const Json& j;
    void count(std::string_view details, std::string_view key, int64_t& out) {
      const Json* o = &j;
      if (!details.empty()) {
        auto d = j.find(details);
        if (d == j.end() || !d->is_object()) return;
        o = &*d;
      }
      out = int_or<int64_t>(*o, key, 0);
    }
  } reader{j};
  schema::describe_usage(reader, u);
  if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return u;
}

Json to_json(const Usage& u) {
  struct Writer {
    Json j = Json::object();
    void count(std::string_view details, std::string_view key, int64_t v) {
      (details.empty() ? j : j[details])[key] = v;
    }
  } writer;
  schema::describe_usage(writer, u);
  return std::move(writer.j);
}

Result<ChatResponse> chat_response_from_json(const Json& j) {
  if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array())
    return fail(Error::upstream(502, "upstream response is not a chat completion",
                                "bad_upstream_response"));
  ChatResponse r;
  r.id = str_field(j, "id");
  r.created = int_or<int64_t>(j, "created", r.created);
  r.model = str_field(j, "model");
  if (auto s = j.find("system_fingerprint"); s != j.end() && s->is_string())
    r.system_fingerprint = *s;
  if (auto s = j.find("service_tier"); s != j.end() && s->is_string()) r.service_tier = *s;
  for (const auto& c : j["choices"]) {
    if (!c.is_object()) continue;
    Choice ch;
    ch.message.role = "assistant";  // a choice without a message is still the assistant's
    ch.index = int_or<int>(c, "index", ch.index);
    if (auto m = c.find("message"); m != c.end() && m->is_object()) {
      Json mm = *m;
      if (!mm.contains("role")) mm["role"] = "assistant";
      auto msg = message_from_json(mm, "choices.message");
      if (!msg)
        return fail(Error::upstream(502, "upstream message: " + msg.error().message,
                                    "bad_upstream_response"));
      ch.message = std::move(*msg);
    }
    if (auto f = c.find("finish_reason"); f != c.end() && f->is_string()) ch.finish_reason = *f;
    if (auto l = c.find("logprobs"); l != c.end()) ch.logprobs = *l;
    r.choices.push_back(std::move(ch));
  }
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) r.usage = usage_from_openai(*u);
  return r;
}

Json to_json(const ChatResponse& r) {
  Json choices = Json::array();
  for (const auto& c : r.choices) {
    Json msg = to_json(c.message);
    if (!msg.contains("refusal")) msg["refusal"] = nullptr;
    choices.push_back({{"index", c.index},
                       {"message", std::move(msg)},
                       {"logprobs", c.logprobs},
                       {"finish_reason", null_or(c.finish_reason)}});
  }
  Json j = {{"id", r.id},
            {"object", "chat.completion"},
            {"created", r.created},
            {"model", r.model},
            {"choices", std::move(choices)}};
  if (!r.system_fingerprint.empty()) j["system_fingerprint"] = r.system_fingerprint;
  if (!r.service_tier.empty()) j["service_tier"] = r.service_tier;
  if (r.usage) j["usage"] = to_json(*r.usage);
  return j;
}

Result<ChatChunk> chat_chunk_from_json(const Json& j) {
  if (!j.is_object())
    return fail(Error::upstream(502, "upstream chunk is not an object", "bad_upstream_response"));
  ChatChunk c;
  c.id = str_field(j, "id");
  c.created = int_or<int64_t>(j, "created", c.created);
  c.model = str_field(j, "model");
  if (auto s = j.find("system_fingerprint"); s != j.end() && s->is_string())
    c.system_fingerprint = *s;
  if (auto chs = j.find("choices"); chs != j.end() && chs->is_array()) {
    for (const auto& ch : *chs) {
      if (!ch.is_object()) continue;
      ChunkChoice cc;
      cc.index = int_or<int>(ch, "index", cc.index);
      if (auto f = ch.find("finish_reason"); f != ch.end() && f->is_string()) cc.finish_reason = *f;
      if (auto l = ch.find("logprobs"); l != ch.end()) cc.logprobs = *l;
      if (auto d = ch.find("delta"); d != ch.end() && d->is_object()) {
        if (auto r = d->find("role"); r != d->end() && r->is_string()) cc.role = *r;
        if (auto t = d->find("content"); t != d->end() && t->is_string()) cc.content = *t;
        if (auto t = d->find("refusal"); t != d->end() && t->is_string()) cc.refusal = *t;
        if (auto tcs = d->find("tool_calls"); tcs != d->end() && tcs->is_array()) {
          for (const auto& tc : *tcs) {
            if (!tc.is_object()) continue;
            ToolCallDelta td;
            td.index = int_or<int>(tc, "index", td.index);
            if (auto id = tc.find("id"); id != tc.end() && id->is_string()) td.id = *id;
            if (auto ty = tc.find("type"); ty != tc.end() && ty->is_string()) td.type = *ty;
            if (auto fn = tc.find("function"); fn != tc.end() && fn->is_object()) {
              if (auto n = fn->find("name"); n != fn->end() && n->is_string()) td.name = *n;
              if (auto a = fn->find("arguments"); a != fn->end() && a->is_string())
                td.arguments = a->get<std::string>();
            }
            cc.tool_calls.push_back(std::move(td));
          }
        }
      }
      c.choices.push_back(std::move(cc));
    }
  }
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) c.usage = usage_from_openai(*u);
  return c;
}

Json to_json(const ChatChunk& c) {
  Json choices = Json::array();
  for (const auto& ch : c.choices) {
    Json delta = Json::object();
    if (ch.role) delta["role"] = *ch.role;
    if (ch.content)
      delta["content"] = *ch.content;
    else if (ch.role && !ch.tool_calls.empty())
      delta["content"] = nullptr;
    if (ch.refusal) delta["refusal"] = *ch.refusal;
    if (ch.reasoning) delta["reasoning_content"] = *ch.reasoning;
    if (!ch.tool_calls.empty()) {
      Json tcs = Json::array();
      for (const auto& td : ch.tool_calls) {
        Json t = {{"index", td.index}};
        if (!td.id.empty()) t["id"] = td.id;
        if (!td.type.empty()) t["type"] = td.type;
        Json fn = Json::object();
        if (!td.name.empty()) fn["name"] = td.name;
        if (td.arguments) fn["arguments"] = *td.arguments;
        t["function"] = std::move(fn);
        tcs.push_back(std::move(t));
      }
      delta["tool_calls"] = std::move(tcs);
    }
    choices.push_back({{"index", ch.index},
                       {"delta", std::move(delta)},
                       {"logprobs", ch.logprobs},
                       {"finish_reason", null_or(ch.finish_reason)}});
  }
  Json j = {{"id", c.id},
            {"object", "chat.completion.chunk"},
            {"created", c.created},
            {"model", c.model},
            {"choices", std::move(choices)}};
  if (!c.system_fingerprint.empty()) j["system_fingerprint"] = c.system_fingerprint;
  j["usage"] = c.usage ? to_json(*c.usage) : Json(nullptr);
  return j;
}

std::string serialize(const ChatChunk& c) {
  return dump(to_json(c));
}

std::string serialize(const ChatResponse& r) {
  return dump(to_json(r));
}

}  // namespace gw::api
