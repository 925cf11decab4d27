// The guard stage on its own: what it masks in every text a provider sees (contents, parts,
// tool-call arguments, tool results), block mode, the policy layers (global, tenant, key), and
// the restore of an answer and of a stream, tool-call arguments included.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "gateway/guard.hpp"

namespace {

using gw::api::ChatChunk;
using gw::api::ChatRequest;
using gw::api::ChatResponse;
using gw::api::Editable;
using gw::api::Message;
using gw::gateway::Guard;
using gw::gateway::RequestContext;

gw::config::Config config_of(const std::string& toml) {
  auto c = gw::config::parse_config(toml, "t.toml");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return *c;
}

const char* kConfig = R"(
[guard]
pii = ["email", "phone", "secret"]
action = "mask"
actions = { secret = "block" }
[[guard.custom]]
name = "EMPLOYEE_ID"
pattern = "EMP-[0-9]{6}"
[tenants.strict.guard]
action = "block"
[tenants.lax.guard]
pii = ["phone"]
restore = false
)";

ChatChunk content_chunk(const std::string& text, const std::string& finish = "") {
  ChatChunk c;
  gw::api::ChunkChoice ch;
  ch.content = text;
  ch.finish_reason = finish;
  c.choices.push_back(ch);
  return c;
}

}  // namespace

TEST_CASE("guard: masks every text a provider sees, one placeholder per value") {
  auto cfg = config_of(kConfig);
  auto guard = Guard::open(cfg);
  REQUIRE(guard);
  ChatRequest req;
  req.model = "mock/echo";
  req.messages.push_back(Message::plain("system", "Staff EMP-123456 writes from a@x.com"));
  Message parts;
  parts.role = "user";
  parts.kind = Message::ContentKind::parts;
  gw::api::ContentPart p;
  p.type = "text";
  p.text = "again a@x.com, and b@y.org";
  parts.parts.push_back(p);
  req.messages.push_back(parts);
  Message call;
  call.role = "assistant";
  call.tool_calls.push_back({"call_1", "function", "send", R"({"to":"b@y.org"})"});
  req.messages.push_back(call);
  Message result = Message::plain("tool", "sent to +1 415 555 2671");
  result.tool_call_id = "call_1";
  req.messages.push_back(result);

  RequestContext ctx;
  REQUIRE((*guard)->on_request(req, ctx));
  CHECK(req.messages[0].text == "Staff <EMPLOYEE_ID_1> writes from <EMAIL_1>");
  CHECK(req.messages[1].parts[0].text == "again <EMAIL_1>, and <EMAIL_2>");
  CHECK(req.messages[2].tool_calls[0].arguments == R"({"to":"<EMAIL_2>"})");
  CHECK(req.messages[3].text == "sent to <PHONE_1>");
  CHECK(ctx.state.pii_counts == R"({"masked":{"EMAIL":4,"EMPLOYEE_ID":1,"PHONE":1}})");

  // The answer comes back with the values, tool-call arguments JSON-escaped.
  ChatResponse answer;
  gw::api::Choice c;
  c.message = Message::plain("assistant", "Wrote to <EMAIL_2> for <EMPLOYEE_ID_1>.");
  c.message.tool_calls.push_back({"call_2", "function", "send", R"({"cc":"<EMAIL_1>"})"});
  answer.choices.push_back(c);
  answer.raw = "{}";
  Editable<ChatResponse> e(answer);
  (*guard)->on_response(e, ctx);
  REQUIRE(e.edited());
  CHECK(e.get().choices[0].message.text == "Wrote to b@y.org for EMP-123456.");
  CHECK(e.get().choices[0].message.tool_calls[0].arguments == R"({"cc":"a@x.com"})");
  CHECK(e.get().raw.empty());
}

TEST_CASE("guard: block names types and counts, never values; policies layer") {
  auto cfg = config_of(kConfig);
  auto guard = Guard::open(cfg);
  REQUIRE(guard);
  auto ask = [&](const std::string& text, const std::string& tenant,
                 std::shared_ptr<const gw::config::Limits> key = {}) {
    ChatRequest req;
    req.model = "mock/echo";
    req.messages.push_back(Message::plain("user", text));
    RequestContext ctx;
    ctx.caller.tenant = tenant;
    ctx.caller.key_limits = std::move(key);
    auto r = (*guard)->on_request(req, ctx);
    return std::make_pair(r, req.messages[0].text);
  };
  const std::string secret = "AKIAIOSFODNN7EXAMPLE";
  auto [blocked, t1] = ask("key " + secret + " for a@x.com", "");
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().status == 400);
  CHECK(blocked.error().code == "pii_detected");
  CHECK(blocked.error().exit == gw::exit_code::kRejected);
  CHECK(blocked.error().message.find("SECRET (1)") != std::string::npos);
  CHECK(blocked.error().message.find(secret) == std::string::npos);
  // The tenant "strict" blocks everything; "lax" only looks for phones and restores nothing.
  CHECK_FALSE(ask("mail a@x.com", "strict").first);
  auto [lax, masked] = ask("mail a@x.com or +1 415 555 2671", "lax");
  REQUIRE(lax);
  CHECK(masked == "mail a@x.com or <PHONE_1>");
  // A key's policy comes last: off lets everything through.
  auto off = std::make_shared<gw::config::Limits>();
  off->guard = gw::config::parse_guard_override("off").value();
  auto [open, text] = ask("mail a@x.com", "strict", off);
  REQUIRE(open);
  CHECK(text == "mail a@x.com");
  auto mixed = std::make_shared<gw::config::Limits>();
  mixed->guard = gw::config::parse_guard_override("mask,email=block").value();
  CHECK_FALSE(ask("mail a@x.com", "", mixed).first);
  CHECK_FALSE(gw::config::parse_guard_override("mask,email=maybe"));
  CHECK(gw::config::guard_override_text(*mixed->guard) == "mask,email=block");
}

TEST_CASE("guard: a stream's placeholders are restored across chunks; held bytes end with it") {
  auto cfg = config_of(kConfig);
  auto guard = Guard::open(cfg);
  REQUIRE(guard);
  ChatRequest req;
  req.messages.push_back(Message::plain("user", "reach me at a@x.com"));
  RequestContext ctx;
  REQUIRE((*guard)->on_request(req, ctx));
  std::string got;
  bool untouched_passed = false;
  for (const char* piece : {"plain first ", "Sure, <EM", "AIL_1", "> it is <EMA", ""}) {
    ChatChunk c = content_chunk(piece, std::string(piece).empty() ? "stop" : "");
    c.raw = "raw";
    Editable<ChatChunk> e(c);
    (*guard)->on_chunk(e, ctx);
    if (!e.edited()) untouched_passed = true;  // a chunk without '<' keeps the upstream's bytes
    got += e.get().choices[0].content.value_or("");
  }
  CHECK(untouched_passed);
  CHECK(got == "plain first Sure, a@x.com it is <EMA");
}
