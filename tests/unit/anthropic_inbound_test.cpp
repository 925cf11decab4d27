// Anthropic Messages inbound (providers/anthropic_inbound.hpp): a Messages request body →
// the canonical request, the canonical answer → a Message, canonical chunks → Messages SSE,
// gw errors → Anthropic error bodies.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/anthropic_inbound.hpp"
#include "providers/anthropic_translate.hpp"

namespace {

using gw::api::Json;
namespace ant = gw::providers::anthropic;

// `body` read as a Messages request; it must be readable.
gw::api::ChatRequest read(std::string_view body) {
  auto r = ant::chat_request_from_messages(body);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

// The canonical JSON of a readable Messages request.
Json canonical(std::string_view body) {
  return gw::api::to_json(read(body));
}

// The 400 a Messages request body must get; `param` is the field it names.
gw::Error refused(std::string_view body, std::string_view param) {
  auto r = ant::chat_request_from_messages(body);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
  CHECK(r.error().type == "invalid_request_error");
  CHECK(r.error().param == param);
  if (!param.empty()) CHECK(r.error().message.find(std::string(param)) != std::string::npos);
  return r.error();
}

// A request body with `messages` (a JSON array text) and `extra` top-level members.
std::string body(std::string_view messages = R"([{"role":"user","content":"hi"}])",
                 std::string_view extra = {}) {
  return R"({"model":"claude-x","max_tokens":256,"messages":)" + std::string(messages) +
         (extra.empty() ? "" : "," + std::string(extra)) + "}";
}

struct Event {
  std::string name;
  Json data;
};

// Splits SSE text into its events; each must be "event: X\ndata: <JSON>" with data.type X.
// The ping right after message_start is checked once (below) and left out of the list.
std::vector<Event> events(std::string_view sse) {
  std::vector<Event> out;
  while (!sse.empty()) {
    auto end = sse.find("\n\n");
    REQUIRE(end != std::string_view::npos);
    std::string_view ev = sse.substr(0, end);
    sse.remove_prefix(end + 2);
    REQUIRE(ev.starts_with("event: "));
    auto nl = ev.find('\n');
    REQUIRE(nl != std::string_view::npos);
    Event e{std::string(ev.substr(7, nl - 7)), Json()};
    std::string_view data = ev.substr(nl + 1);
    REQUIRE(data.starts_with("data: "));
    e.data = Json::parse(data.substr(6), nullptr, false);
    REQUIRE_FALSE(e.data.is_discarded());
    CHECK(e.data["type"] == e.name);
    if (e.name == "ping") {
      CHECK((!out.empty() && out.back().name == "message_start"));
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> names(const std::vector<Event>& evs) {
  std::vector<std::string> out;
  for (const auto& e : evs) out.push_back(e.name);
  return out;
}

gw::api::ChatChunk role_chunk() {
  gw::api::ChatChunk c;
  c.id = "chatcmpl-1";
  c.model = "gpt-x";
  gw::api::ChunkChoice ch;
  ch.role = "assistant";
  ch.content = "";
  c.choices.push_back(ch);
  return c;
}

gw::api::ChatChunk text_chunk(std::string text) {
  gw::api::ChatChunk c;
  gw::api::ChunkChoice ch;
  ch.content = std::move(text);
  c.choices.push_back(ch);
  return c;
}

gw::api::ChatChunk tool_chunk(int index, std::string id, std::string name,
                              std::optional<std::string> args) {
  gw::api::ChatChunk c;
  gw::api::ChunkChoice ch;
  gw::api::ToolCallDelta d;
  d.index = index;
  d.id = std::move(id);
  d.name = std::move(name);
  if (!d.id.empty()) d.type = "function";
  d.arguments = std::move(args);
  ch.tool_calls.push_back(d);
  c.choices.push_back(ch);
  return c;
}

gw::api::ChatChunk finish_chunk(std::string reason) {
  gw::api::ChatChunk c;
  gw::api::ChunkChoice ch;
  ch.finish_reason = std::move(reason);
  c.choices.push_back(ch);
  return c;
}

gw::api::Usage usage(int64_t prompt, int64_t completion, int64_t cached = 0, int64_t written = 0) {
  gw::api::Usage u;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  u.total_tokens = prompt + completion;
  u.cached_tokens = cached;
  u.cache_write_tokens = written;
  return u;
}

gw::api::ChatChunk usage_chunk(gw::api::Usage u) {
  gw::api::ChatChunk c;
  c.usage = u;
  return c;
}

gw::api::ChatResponse answer(std::string text, std::string finish = "stop") {
  gw::api::ChatResponse r;
  r.id = "chatcmpl-abc";
  r.model = "upstream-model";
  gw::api::Choice ch;
  ch.message.role = "assistant";
  if (!text.empty()) {
    ch.message.kind = gw::api::Message::ContentKind::text;
    ch.message.text = std::move(text);
  }
  ch.finish_reason = std::move(finish);
  r.choices.push_back(std::move(ch));
  return r;
}

Json response_json(const gw::api::ChatResponse& r, std::string_view model = "claude-x") {
  Json j = Json::parse(ant::messages_response_from_chat(r, model), nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

}  // namespace

// ---- requests -------------------------------------------------------------------------------

TEST_CASE("anthropic inbound request: model, max_tokens and a string system") {
  CHECK(canonical(body(R"([{"role":"user","content":"hi"}])", R"("system":"Be brief.")")) ==
        Json::parse(R"({"model":"claude-x","max_tokens":256,"messages":[
          {"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]})"));
  // An empty system adds nothing.
  CHECK(read(body(R"([{"role":"user","content":"hi"}])", R"("system":"")")).messages.size() == 1);
}

TEST_CASE("anthropic inbound request: block system keeps its blocks and cache_control") {
  const std::string blocks = body(R"([{"role":"user","content":"hi"}])", R"("system":[
          {"type":"text","text":"You are gw."},
          {"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}])");
  // The marker stays on its block, and out of what an OpenAI-compatible upstream is sent.
  CHECK(canonical(blocks) == Json::parse(R"({"model":"claude-x","max_tokens":256,"messages":[
          {"role":"system","content":[{"type":"text","text":"You are gw."},
            {"type":"text","text":"Be brief."}]},
          {"role":"user","content":"hi"}]})"));
  auto req = read(blocks);
  CHECK(req.messages[0].parts[0].cache_control.is_null());
  CHECK(req.messages[0].parts[1].cache_control == Json::parse(R"({"type":"ephemeral"})"));
  refused(body(R"([{"role":"user","content":"hi"}])",
               R"("system":[{"type":"image","source":{"type":"url","url":"https://x/a.png"}}])"),
          "system[0].type");
  refused(body(R"([{"role":"user","content":"hi"}])", R"("system":{"text":"x"})"), "system");
}

TEST_CASE("anthropic inbound request: text and images, base64 and url") {
  auto req = read(body(R"([{"role":"user","content":[
    {"type":"text","text":"What is this?"},
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
    {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}])"));
  REQUIRE(req.messages.size() == 1);
  const auto& m = req.messages[0];
  CHECK(m.role == "user");
  REQUIRE(m.parts.size() == 3);
  CHECK(m.parts[0].type == "text");
  CHECK(m.parts[0].text == "What is this?");
  CHECK(m.parts[1].type == "image_url");
  CHECK(m.parts[1].image_url == "data:image/png;base64,iVBORw0KGgo=");
  CHECK(m.parts[2].type == "image_url");
  CHECK(m.parts[2].image_url == "https://example.com/cat.jpg");

  refused(body(R"([{"role":"user","content":[{"type":"image","source":{"type":"file",
    "file_id":"f1"}}]}])"),
          "messages[0].content[0].source.type");
  refused(body(R"([{"role":"user","content":[{"type":"image","source":{"type":"base64",
    "data":"AAAA"}}]}])"),
          "messages[0].content[0].source.media_type");
  // An unknown block type is kept whole, as the canonical schema keeps unknown parts.
  auto doc = read(body(R"([{"role":"user","content":[{"type":"document","source":{
    "type":"text","media_type":"text/plain","data":"notes"}}]}])"));
  CHECK(doc.messages[0].parts[0].type == "document");
  CHECK(doc.messages[0].parts[0].raw["source"]["data"] == "notes");
}

TEST_CASE("anthropic inbound request: tool_use and tool_result round trip") {
  const std::string messages = R"([
    {"role":"user","content":"weather in Paris and Rome?"},
    {"role":"assistant","content":[
      {"type":"thinking","thinking":"two lookups","signature":"sig"},
      {"type":"text","text":"Looking."},
      {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}},
      {"type":"tool_use","id":"toolu_2","name":"weather","input":{"city":"Rome"}}]},
    {"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"},
      {"type":"tool_result","tool_use_id":"toolu_2","is_error":true,
       "content":[{"type":"text","text":"timeout"}]},
      {"type":"text","text":"and tomorrow?"}]}])";
  const std::string tools = R"("tools":[{"name":"weather","description":"Weather now",
    "input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}])";
  auto req = read(body(messages, tools));
  CHECK(gw::api::to_json(req)["messages"] == Json::parse(R"([
    {"role":"user","content":"weather in Paris and Rome?"},
    {"role":"assistant","content":[{"type":"text","text":"Looking."}],"tool_calls":[
      {"id":"toolu_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}},
      {"id":"toolu_2","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
    {"role":"tool","tool_call_id":"toolu_1","content":"sunny"},
    {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"Error: timeout"}]},
    {"role":"user","content":[{"type":"text","text":"and tomorrow?"}]}])"));
  REQUIRE(req.tools.size() == 1);
  CHECK(req.tools[0].name == "weather");
  CHECK(req.tools[0].description == "Weather now");
  CHECK(req.tools[0].parameters["properties"]["city"]["type"] == "string");

  // Back out to an Anthropic upstream: the same turns (thinking aside, the error as a prefix).
  auto provider = gw::test::provider_config("anthropic");
  gw::providers::Target target{&provider, "claude-x"};
  auto out = ant::request_body(req, target, false);
  REQUIRE(out.has_value());
  CHECK((*out)["messages"] == Json::parse(R"([
    {"role":"user","content":[{"type":"text","text":"weather in Paris and Rome?"}]},
    {"role":"assistant","content":[{"type":"text","text":"Looking."},
      {"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Paris"}},
      {"type":"tool_use","id":"toolu_2","name":"weather","input":{"city":"Rome"}}]},
    {"role":"user","content":[
      {"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"},
      {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"Error: timeout"}]},
      {"type":"text","text":"and tomorrow?"}]}])"));
  CHECK((*out)["tools"][0]["input_schema"]["properties"]["city"]["type"] == "string");
}

TEST_CASE("anthropic inbound request: tool_result content forms and is_error") {
  auto req = read(body(R"([{"role":"user","content":[
    {"type":"tool_result","tool_use_id":"a"},
    {"type":"tool_result","tool_use_id":"b","is_error":true},
    {"type":"tool_result","tool_use_id":"c","is_error":true,"content":"boom"},
    {"type":"tool_result","tool_use_id":"d","is_error":false,"content":"fine",
     "cache_control":{"type":"ephemeral"}}]}])"));
  // Only tool messages: no empty user message after them.
  CHECK(gw::api::to_json(req)["messages"] == Json::parse(R"([
    {"role":"tool","tool_call_id":"a","content":""},
    {"role":"tool","tool_call_id":"b","content":"Error"},
    {"role":"tool","tool_call_id":"c","content":"Error: boom"},
    {"role":"tool","tool_call_id":"d","content":"fine","cache_control":{"type":"ephemeral"}}])"));
  refused(body(R"([{"role":"user","content":[{"type":"tool_result","tool_use_id":"a",
    "is_error":"yes"}]}])"),
          "messages[0].content[0].is_error");
  refused(body(R"([{"role":"user","content":[{"type":"tool_result","content":"x"}]}])"),
          "messages[0].content[0].tool_use_id");
  refused(body(R"([{"role":"assistant","content":[{"type":"tool_result","tool_use_id":"a"}]}])"),
          "messages[0].content[0].type");
  refused(body(R"([{"role":"user","content":[{"type":"tool_use","id":"a","name":"f",
    "input":{}}]}])"),
          "messages[0].content[0].type");
  refused(body(R"([{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f",
    "input":"{}"}]}])"),
          "messages[0].content[0].input");
}

TEST_CASE("anthropic inbound request: thinking blocks are dropped, the thinking config kept") {
  auto req = read(body(R"([{"role":"user","content":"hi"},
    {"role":"assistant","content":[{"type":"redacted_thinking","data":"xyz"}]},
    {"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"},
      {"type":"text","text":"Hello"}]}])",
                       R"("thinking":{"type":"enabled","budget_tokens":2048})"));
  // The thinking-only assistant message is gone; the other keeps its text.
  REQUIRE(req.messages.size() == 2);
  CHECK(req.messages[1].role == "assistant");
  REQUIRE(req.messages[1].parts.size() == 1);
  CHECK(req.messages[1].parts[0].text == "Hello");
  CHECK(req.anthropic_extra["thinking"] ==
        Json::parse(R"({"type":"enabled","budget_tokens":2048})"));
  refused(body(R"([{"role":"user","content":"hi"}])", R"("thinking":{"type":"enabled"})"),
          "thinking.budget_tokens");
  refused(body(R"([{"role":"user","content":"hi"}])", R"("thinking":true)"), "thinking");
  refused(body(R"([{"role":"user","content":[{"type":"thinking","thinking":"x"}]}])"),
          "messages[0].content[0].type");
}

TEST_CASE("anthropic inbound request: tool_choice variants") {
  const std::string tools = R"("tools":[{"name":"f","input_schema":{"type":"object"}}])";
  auto choice = [&](std::string_view tc) {
    return read(body(R"([{"role":"user","content":"hi"}])",
                     tools + R"(,"tool_choice":)" + std::string(tc)));
  };
  CHECK(choice(R"({"type":"auto"})").tool_choice == "auto");
  CHECK(choice(R"({"type":"any"})").tool_choice == "required");
  CHECK(choice(R"({"type":"none"})").tool_choice == "none");
  auto forced = choice(R"({"type":"tool","name":"f"})");
  CHECK(forced.tool_choice == Json::parse(R"({"type":"function","function":{"name":"f"}})"));
  CHECK_FALSE(forced.parallel_tool_calls.has_value());
  auto serial = choice(R"({"type":"any","disable_parallel_tool_use":true})");
  CHECK(serial.tool_choice == "required");
  REQUIRE(serial.parallel_tool_calls.has_value());
  CHECK_FALSE(*serial.parallel_tool_calls);

  const std::string hi = R"([{"role":"user","content":"hi"}])";
  refused(body(hi, tools + R"(,"tool_choice":{"type":"tool"})"), "tool_choice.name");
  refused(body(hi, tools + R"(,"tool_choice":{"type":"sometimes"})"), "tool_choice.type");
  refused(body(hi, tools + R"(,"tool_choice":"auto")"), "tool_choice");
  refused(body(hi, tools + R"(,"tool_choice":{"type":"auto","disable_parallel_tool_use":1})"),
          "tool_choice.disable_parallel_tool_use");
}

TEST_CASE("anthropic inbound request: tools, and server tools refused") {
  const std::string hi = R"([{"role":"user","content":"hi"}])";
  auto req = read(body(hi, R"("tools":[{"type":"custom","name":"a","input_schema":{
    "type":"object"},"cache_control":{"type":"ephemeral"}},{"name":"b","input_schema":{}}])"));
  REQUIRE(req.tools.size() == 2);
  CHECK(req.tools[0].name == "a");
  CHECK(req.tools[0].parameters == Json{{"type", "object"}});
  CHECK(req.tools[1].description.empty());
  refused(body(hi, R"("tools":[{"type":"web_search_20250305","name":"web_search"}])"),
          "tools[0].type");
  refused(body(hi, R"("tools":[{"name":"a"}])"), "tools[0].input_schema");
  refused(body(hi, R"("tools":[{"input_schema":{}}])"), "tools[0].name");
  refused(body(hi, R"("tools":[{"name":"a","input_schema":{},"description":7}])"),
          "tools[0].description");
  refused(body(hi, R"("tools":{"name":"a"})"), "tools");
}

TEST_CASE("anthropic inbound request: stop_sequences, sampling, top_k, metadata, stream") {
  auto req = read(body(R"([{"role":"user","content":"hi"}])",
                       R"("stop_sequences":["END","\n\nHuman:"],"temperature":0.5,"top_p":0.9,
      "top_k":40,"metadata":{"user_id":"u-123"},"stream":true)"));
  CHECK(req.stop == std::vector<std::string>{"END", "\n\nHuman:"});
  CHECK(req.temperature == 0.5);
  CHECK(req.top_p == 0.9);
  CHECK(req.anthropic_extra["top_k"] == 40);
  CHECK(req.user == "u-123");
  CHECK(req.metadata.is_null());  // Anthropic's metadata is only the user id
  CHECK(req.stream);
  CHECK(req.include_usage);  // an Anthropic stream always reports usage
  CHECK(req.max_tokens == 256);
  // null is absent, as SDKs send it
  auto nulls = read(body(R"([{"role":"user","content":"hi"}])",
                         R"("temperature":null,"top_k":null,"metadata":{"user_id":null})"));
  CHECK_FALSE(nulls.temperature.has_value());
  CHECK_FALSE(nulls.anthropic_extra.contains("top_k"));
  CHECK(nulls.user.empty());
}

TEST_CASE("anthropic inbound request: unknown fields go to extra, OpenAI-only names refused") {
  auto req = read(body(R"([{"role":"user","content":"hi"}])",
                       R"("service_tier":"auto","container":"c1","context_management":{"x":1})"));
  CHECK(req.anthropic_extra["service_tier"] == "auto");
  CHECK(req.anthropic_extra["container"] == "c1");
  CHECK(req.anthropic_extra["context_management"] == Json{{"x", 1}});
  // A canonical name in extra would override the translation (stop, n, user, ...).
  refused(body(R"([{"role":"user","content":"hi"}])", R"("n":2)"), "n");
  refused(body(R"([{"role":"user","content":"hi"}])", R"("stop":["x"])"), "stop");
  refused(body(R"([{"role":"user","content":"hi"}])", R"("response_format":{"type":"text"})"),
          "response_format");
}

TEST_CASE("anthropic inbound request: missing max_tokens is a 400 naming it") {
  auto e =
      refused(R"({"model":"claude-x","messages":[{"role":"user","content":"hi"}]})", "max_tokens");
  CHECK(e.code == "missing_required_parameter");
  refused(R"({"model":"claude-x","max_tokens":"256","messages":[{"role":"user","content":"hi"}]})",
          "max_tokens");
  refused(R"({"model":"claude-x","max_tokens":0,"messages":[{"role":"user","content":"hi"}]})",
          "max_tokens");
  refused(R"({"model":"claude-x","max_tokens":1.5,"messages":[{"role":"user","content":"hi"}]})",
          "max_tokens");
}

TEST_CASE("anthropic inbound request: bad types and values are 400s naming the field") {
  refused(R"({"max_tokens":5,"messages":[{"role":"user","content":"hi"}]})", "model");
  refused(R"({"model":7,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]})", "model");
  refused(R"({"model":"m","max_tokens":5})", "messages");
  refused(R"({"model":"m","max_tokens":5,"messages":[]})", "messages");
  refused(R"({"model":"m","max_tokens":5,"messages":{"role":"user"}})", "messages");
  refused(body(R"(["hi"])"), "messages[0]");
  // Claude Code sends system turns inside messages: kept as a system message in place.
  CHECK(read(body(R"([{"role":"user","content":"hi"},{"role":"system","content":"Be terse."}])"))
            .messages[1]
            .role == "system");
  refused(body(R"([{"role":"system","content":[{"type":"tool_result","tool_use_id":"a"}]}])"),
          "messages[0].content[0].type");
  refused(body(R"([{"role":"tool","content":"hi"}])"), "messages[0].role");
  refused(body(R"([{"content":"hi"}])"), "messages[0].role");
  refused(body(R"([{"role":"user"}])"), "messages[0].content");
  refused(body(R"([{"role":"user","content":5}])"), "messages[0].content");
  refused(body(R"([{"role":"user","content":["hi"]}])"), "messages[0].content[0]");
  refused(body(R"([{"role":"user","content":[{"text":"hi"}]}])"), "messages[0].content[0].type");
  refused(body(R"([{"role":"user","content":[{"type":"text","text":5}]}])"),
          "messages[0].content[0].text");
  const std::string hi = R"([{"role":"user","content":"hi"}])";
  refused(body(hi, R"("temperature":"hot")"), "temperature");
  refused(body(hi, R"("temperature":1.5)"), "temperature");
  refused(body(hi, R"("top_p":-0.1)"), "top_p");
  refused(body(hi, R"("top_k":2.5)"), "top_k");
  refused(body(hi, R"("top_k":-1)"), "top_k");
  refused(body(hi, R"("stream":"yes")"), "stream");
  refused(body(hi, R"("stop_sequences":"END")"), "stop_sequences");
  refused(body(hi, R"("stop_sequences":["a",1])"), "stop_sequences[1]");
  refused(body(hi, R"("metadata":"u1")"), "metadata");
  refused(body(hi, R"("metadata":{"user_id":42})"), "metadata.user_id");
  // Not a JSON object at all.
  refused("[1,2]", "");
  refused("not json", "");
  refused("", "");
}

TEST_CASE("anthropic inbound request: absurdly deep nesting is a 400, not a crash") {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  auto e = refused(body(R"([{"role":"user","content":"hi"}])", R"("metadata":)" + deep), "");
  CHECK(e.message.find("deeper") != std::string::npos);
  std::string input = "{\"a\":" + std::string(200, '[') + std::string(200, ']') + "}";
  refused(body(R"([{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f",
    "input":)" +
               input + "}]}]"),
          "");
  // Unbalanced: only opening brackets.
  refused(std::string(5000, '{'), "");
}

TEST_CASE("anthropic inbound count_tokens: an estimate, max_tokens not needed") {
  auto small = ant::count_tokens_estimate(
      R"({"model":"claude-x","messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(small.has_value());
  Json j = Json::parse(*small);
  REQUIRE(j["input_tokens"].is_number_integer());
  auto big =
      ant::count_tokens_estimate(R"({"model":"claude-x","system":")" + std::string(4000, 'x') +
                                 R"(","messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(big.has_value());
  CHECK(Json::parse(*big)["input_tokens"].get<int64_t>() >=
        j["input_tokens"].get<int64_t>() + 1000);
  auto bad = ant::count_tokens_estimate(R"({"model":"claude-x","messages":[]})");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().param == "messages");
}

// ---- responses ------------------------------------------------------------------------------

TEST_CASE("anthropic inbound response: text") {
  auto r = answer("Hello!");
  r.usage = usage(12, 5);
  CHECK(response_json(r) == Json::parse(R"({"id":"chatcmpl-abc","type":"message",
    "role":"assistant","model":"claude-x","content":[{"type":"text","text":"Hello!"}],
    "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":5,
    "cache_creation_input_tokens":0,"cache_read_input_tokens":0}})"));
  // No id, no model asked, no usage: a made-up msg_ id, the answer's model, zero counts.
  r.id.clear();
  r.usage.reset();
  Json j = response_json(r, "");
  CHECK(j["id"].get<std::string>().starts_with("msg_"));
  CHECK(j["id"].get<std::string>().size() == 4 + 24);
  CHECK(j["model"] == "upstream-model");
  CHECK(j["usage"]["input_tokens"] == 0);
  CHECK(j["usage"]["output_tokens"] == 0);
}

TEST_CASE("anthropic inbound response: tool_use blocks with input objects") {
  auto r = answer("Let me check.", "tool_calls");
  auto& m = r.choices[0].message;
  m.tool_calls.push_back({"call_1", "function", "weather", R"({"city":"Paris","days":[1,2]})"});
  m.tool_calls.push_back({"", "function", "now", ""});                // no id, no arguments
  m.tool_calls.push_back({"call_3", "function", "cut", R"({"q":)"});  // cut-off arguments
  Json j = response_json(r);
  REQUIRE(j["content"].size() == 4);
  CHECK(j["content"][0] == Json::parse(R"({"type":"text","text":"Let me check."})"));
  CHECK(j["content"][1] == Json::parse(R"({"type":"tool_use","id":"call_1","name":"weather",
    "input":{"city":"Paris","days":[1,2]}})"));
  CHECK(j["content"][2]["id"].get<std::string>().starts_with("toolu_"));
  CHECK(j["content"][2]["input"] == Json::object());
  CHECK(j["content"][3]["input"] == Json::object());
  CHECK(j["stop_reason"] == "tool_use");
  // A tool-call answer some upstreams finish with "stop" is still a tool_use turn.
  r.choices[0].finish_reason = "stop";
  CHECK(response_json(r)["stop_reason"] == "tool_use");
}

TEST_CASE("anthropic inbound response: reasoning becomes a thinking block first") {
  auto r = answer("42");
  r.choices[0].message.extra["reasoning_content"] = "6 times 7";
  Json j = response_json(r);
  CHECK(j["content"] == Json::parse(R"([{"type":"thinking","thinking":"6 times 7","signature":""},
    {"type":"text","text":"42"}])"));
  auto o = answer("42");
  o.choices[0].message.extra["reasoning"] = "think";
  CHECK(response_json(o)["content"][0]["thinking"] == "think");
  // A refusal with no content is the text.
  auto refusal = answer("", "content_filter");
  refusal.choices[0].message.refusal = "I can't help with that.";
  Json rj = response_json(refusal);
  CHECK(rj["content"] == Json::parse(R"([{"type":"text","text":"I can't help with that."}])"));
  CHECK(rj["stop_reason"] == "refusal");
  // No choices at all: an empty message.
  gw::api::ChatResponse empty;
  Json ej = response_json(empty);
  CHECK(ej["content"] == Json::array());
  CHECK(ej["stop_reason"] == "end_turn");
}

TEST_CASE("anthropic inbound response: usage maps cache reads and writes out of input") {
  auto r = answer("ok");
  r.usage = usage(1500, 40, /*cached=*/1024, /*written=*/300);
  CHECK(response_json(r)["usage"] == Json::parse(R"({"input_tokens":176,"output_tokens":40,
    "cache_creation_input_tokens":300,"cache_read_input_tokens":1024})"));
  // Counts that do not add up never go negative.
  r.usage = usage(10, 1, 50, 0);
  CHECK(response_json(r)["usage"]["input_tokens"] == 0);
  // The inverse of the Anthropic outbound reading (RawUsage::to_openai).
  ant::RawUsage raw;
  raw.update(Json::parse(R"({"input_tokens":7,"output_tokens":3,"cache_read_input_tokens":11,
    "cache_creation_input_tokens":13})"));
  CHECK(ant::messages_usage(raw.to_openai()) ==
        Json::parse(R"({"input_tokens":7,"output_tokens":3,"cache_read_input_tokens":11,
    "cache_creation_input_tokens":13})"));
}

TEST_CASE("anthropic inbound response: each stop_reason") {
  struct Case {
    const char* finish;
    const char* stop_reason;
  };
  for (auto [finish, stop_reason] :
       {Case{"stop", "end_turn"}, Case{"", "end_turn"}, Case{"length", "max_tokens"},
        Case{"tool_calls", "tool_use"}, Case{"function_call", "tool_use"},
        Case{"content_filter", "refusal"}, Case{"stop_sequence", "stop_sequence"},
        Case{"end_turn", "end_turn"}, Case{"pause_turn", "pause_turn"},
        Case{"something_new", "end_turn"}}) {
    CAPTURE(finish);
    CHECK(response_json(answer("x", finish))["stop_reason"] == stop_reason);
    CHECK(response_json(answer("x", finish))["stop_sequence"].is_null());
  }
  // The helper the stream uses too.
  CHECK(ant::stop_reason_for("stop", true) == "tool_use");
  CHECK(ant::stop_reason_for("length", true) == "max_tokens");
}

// ---- streams --------------------------------------------------------------------------------

TEST_CASE("anthropic inbound stream: a text stream, the exact event order") {
  ant::MessagesStreamWriter w("claude-x");
  std::string sse = w.on_chunk(role_chunk());
  sse += w.on_chunk(text_chunk("Hel"));
  sse += w.on_chunk(text_chunk(""));  // an empty delta sends nothing
  sse += w.on_chunk(text_chunk("lo"));
  sse += w.on_chunk(finish_chunk("stop"));
  sse += w.on_chunk(usage_chunk(usage(20, 2, 8)));
  sse += w.finish(std::nullopt, "");
  CHECK(sse.find("event: ping\ndata: {\"type\":\"ping\"}\n\n") != std::string::npos);
  auto evs = events(sse);
  CHECK(names(evs) == std::vector<std::string>{"message_start", "content_block_start",
                                               "content_block_delta", "content_block_delta",
                                               "content_block_stop", "message_delta",
                                               "message_stop"});
  CHECK(evs[0].data["message"] == Json::parse(R"({"id":"chatcmpl-1","type":"message",
    "role":"assistant","model":"claude-x","content":[],"stop_reason":null,"stop_sequence":null,
    "usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,
    "cache_read_input_tokens":0}})"));
  CHECK(evs[1].data == Json::parse(R"({"type":"content_block_start","index":0,
    "content_block":{"type":"text","text":""}})"));
  CHECK(evs[2].data == Json::parse(R"({"type":"content_block_delta","index":0,
    "delta":{"type":"text_delta","text":"Hel"}})"));
  CHECK(evs[3].data["delta"]["text"] == "lo");
  CHECK(evs[4].data == Json::parse(R"({"type":"content_block_stop","index":0})"));
  CHECK(evs[5].data == Json::parse(R"({"type":"message_delta",
    "delta":{"stop_reason":"end_turn","stop_sequence":null},
    "usage":{"input_tokens":12,"output_tokens":2,"cache_creation_input_tokens":0,
    "cache_read_input_tokens":8}})"));
  CHECK(evs[6].data == Json::parse(R"({"type":"message_stop"})"));
  // Over: nothing more, whatever comes.
  CHECK(w.on_chunk(text_chunk("late")).empty());
  CHECK(w.finish(std::nullopt, "stop").empty());
  CHECK(w.error(gw::Error::internal("x")).empty());
}

TEST_CASE("anthropic inbound stream: a tool-call stream sends input_json_delta pieces") {
  ant::MessagesStreamWriter w("claude-x");
  std::string sse = w.on_chunk(role_chunk());
  sse += w.on_chunk(tool_chunk(0, "call_9", "weather", ""));
  sse += w.on_chunk(tool_chunk(0, "", "", R"({"ci)"));
  sse += w.on_chunk(tool_chunk(0, "", "", R"(ty":"Paris"})"));
  sse += w.on_chunk(finish_chunk("tool_calls"));
  sse += w.finish(usage(30, 9), "tool_calls");
  auto evs = events(sse);
  CHECK(names(evs) == std::vector<std::string>{"message_start", "content_block_start",
                                               "content_block_delta", "content_block_delta",
                                               "content_block_stop", "message_delta",
                                               "message_stop"});
  CHECK(evs[1].data == Json::parse(R"({"type":"content_block_start","index":0,
    "content_block":{"type":"tool_use","id":"call_9","name":"weather","input":{}}})"));
  CHECK(evs[2].data == Json::parse(R"({"type":"content_block_delta","index":0,
    "delta":{"type":"input_json_delta","partial_json":"{\"ci"}})"));
  std::string args;
  for (size_t i = 2; i <= 3; ++i) args += evs[i].data["delta"]["partial_json"].get<std::string>();
  CHECK(Json::parse(args) == Json{{"city", "Paris"}});
  CHECK(evs[5].data["delta"]["stop_reason"] == "tool_use");
  CHECK(evs[5].data["usage"]["output_tokens"] == 9);
  CHECK(evs[5].data["usage"]["input_tokens"] == 30);
}

TEST_CASE("anthropic inbound stream: text then tool calls are blocks 0, 1, 2") {
  ant::MessagesStreamWriter w("claude-x");
  std::string sse = w.on_chunk(role_chunk());
  sse += w.on_chunk(text_chunk("Checking."));
  sse += w.on_chunk(tool_chunk(0, "call_a", "f", "{}"));
  // A server that repeats the id on every fragment: still the same call.
  sse += w.on_chunk(tool_chunk(1, "call_b", "g", "{\"x\":"));
  sse += w.on_chunk(tool_chunk(1, "call_b", "g", "1}"));
  sse += w.finish(std::nullopt, "tool_calls");
  auto evs = events(sse);
  CHECK(names(evs) ==
        std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                 "content_block_stop", "content_block_start", "content_block_delta",
                                 "content_block_stop", "content_block_start", "content_block_delta",
                                 "content_block_delta", "content_block_stop", "message_delta",
                                 "message_stop"});
  CHECK(evs[1].data["index"] == 0);
  CHECK(evs[1].data["content_block"]["type"] == "text");
  CHECK(evs[3].data["index"] == 0);
  CHECK(evs[4].data["index"] == 1);
  CHECK(evs[4].data["content_block"]["id"] == "call_a");
  CHECK(evs[5].data["index"] == 1);
  CHECK(evs[6].data["index"] == 1);
  CHECK(evs[7].data["index"] == 2);
  CHECK(evs[7].data["content_block"]["name"] == "g");
  CHECK(evs[9].data["index"] == 2);
  CHECK(evs[9].data["delta"]["partial_json"] == "1}");
  CHECK(evs[10].data["index"] == 2);
  // No usage known: output_tokens 0 alone.
  CHECK(evs[11].data["usage"] == Json{{"output_tokens", 0}});
}

TEST_CASE("anthropic inbound stream: usage-only final chunk, role-only and empty chunks") {
  ant::MessagesStreamWriter w("claude-x");
  gw::api::ChatChunk empty;  // no choices, no usage
  std::string sse = w.on_chunk(role_chunk());
  sse += w.on_chunk(empty);
  gw::api::ChatChunk nothing;  // a choice with an empty delta
  nothing.choices.emplace_back();
  sse += w.on_chunk(nothing);
  sse += w.on_chunk(text_chunk("ok"));
  sse += w.on_chunk(finish_chunk("length"));
  std::string tail = w.on_chunk(usage_chunk(usage(100, 50, 0, 60)));
  CHECK(tail.empty());  // usage alone sends nothing until the end
  sse += tail + w.finish(std::nullopt, "");
  auto evs = events(sse);
  CHECK(names(evs) == std::vector<std::string>{"message_start", "content_block_start",
                                               "content_block_delta", "content_block_stop",
                                               "message_delta", "message_stop"});
  CHECK(evs[4].data["delta"]["stop_reason"] == "max_tokens");
  CHECK(evs[4].data["usage"] == Json::parse(R"({"input_tokens":40,"output_tokens":50,
    "cache_creation_input_tokens":60,"cache_read_input_tokens":0})"));

  // A stream with no chunk at all still makes a whole message.
  ant::MessagesStreamWriter bare("claude-x");
  auto bevs = events(bare.finish(usage(5, 0), ""));
  CHECK(names(bevs) == std::vector<std::string>{"message_start", "message_delta", "message_stop"});
  CHECK(bevs[0].data["message"]["id"].get<std::string>().starts_with("msg_"));
  CHECK(bevs[1].data["delta"]["stop_reason"] == "end_turn");

  // Usage on the first chunk shows in message_start.
  ant::MessagesStreamWriter early("");
  auto first = role_chunk();
  first.usage = usage(9, 0);
  auto eevs = events(early.on_chunk(first));
  CHECK(eevs[0].data["message"]["usage"]["input_tokens"] == 9);
  CHECK(eevs[0].data["message"]["model"] == "gpt-x");  // no model asked: the chunk's
}

TEST_CASE("anthropic inbound stream: reasoning in a raw chunk is a thinking block") {
  ant::MessagesStreamWriter w("claude-x");
  auto think = role_chunk();
  think.raw = R"({"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":"",
    "reasoning_content":"Let me think"}}]})";
  std::string sse = w.on_chunk(think);
  sse += w.on_chunk(text_chunk("Answer"));
  sse += w.finish(std::nullopt, "stop");
  auto evs = events(sse);
  CHECK(names(evs) ==
        std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                 "content_block_stop", "content_block_start", "content_block_delta",
                                 "content_block_stop", "message_delta", "message_stop"});
  CHECK(evs[1].data["content_block"] ==
        Json::parse(R"({"type":"thinking","thinking":"","signature":""})"));
  CHECK(evs[2].data["delta"] ==
        Json::parse(R"({"type":"thinking_delta","thinking":"Let me think"})"));
  CHECK(evs[4].data["index"] == 1);
  CHECK(evs[4].data["content_block"]["type"] == "text");

  // reasoning spelled the OpenRouter way, spaced; null reasoning and reasoning_tokens are none.
  ant::MessagesStreamWriter o("claude-x");
  auto spaced = text_chunk("");
  spaced.raw = R"({"choices":[{"index":0,"delta":{"reasoning" : "hmm"}}]})";
  auto oevs = events(o.on_chunk(spaced));
  REQUIRE(oevs.size() == 3);
  CHECK(oevs[2].data["delta"]["thinking"] == "hmm");
  auto null_reasoning = text_chunk("hi");
  null_reasoning.raw = R"({"choices":[{"index":0,"delta":{"content":"hi",
    "reasoning_content":null}}],"usage":{"completion_tokens_details":{"reasoning_tokens":3}}})";
  auto nevs = events(o.on_chunk(null_reasoning));
  REQUIRE(nevs.size() == 3);  // stop thinking, start text, text delta
  CHECK(nevs[1].data["content_block"]["type"] == "text");
}

TEST_CASE("anthropic inbound stream: an error event mid-stream ends it") {
  ant::MessagesStreamWriter w("claude-x");
  std::string sse = w.on_chunk(text_chunk("par"));
  sse += w.error(gw::Error::upstream(503, "upstream overloaded", "overloaded"));
  auto evs = events(sse);
  CHECK(names(evs) == std::vector<std::string>{"message_start", "content_block_start",
                                               "content_block_delta", "error"});
  CHECK(evs[3].data == Json::parse(R"({"type":"error","error":{"type":"overloaded_error",
    "message":"upstream overloaded"}})"));
  CHECK(w.finish(std::nullopt, "stop").empty());
}

// ---- errors ---------------------------------------------------------------------------------

TEST_CASE("anthropic inbound errors: the type and status for each status") {
  struct Case {
    int status;
    const char* type;
    int sent;
  };
  for (auto [status, type, sent] :
       {Case{400, "invalid_request_error", 400}, Case{401, "authentication_error", 401},
        Case{402, "billing_error", 402}, Case{403, "permission_error", 403},
        Case{404, "not_found_error", 404}, Case{405, "invalid_request_error", 405},
        Case{413, "request_too_large", 413}, Case{429, "rate_limit_error", 429},
        Case{500, "api_error", 500}, Case{502, "api_error", 502},
        Case{503, "overloaded_error", 529}, Case{529, "overloaded_error", 529},
        Case{504, "timeout_error", 504}, Case{200, "api_error", 500}}) {
    CAPTURE(status);
    gw::Error e = gw::Error::make(status, "server_error", {}, "went wrong");
    Json j = Json::parse(ant::messages_error_body(e));
    CHECK(j == Json{{"type", "error"}, {"error", {{"type", type}, {"message", "went wrong"}}}});
    CHECK(ant::messages_error_status(e) == sent);
  }
  // gw's own refusals keep their status and message.
  auto limited = gw::Error::refused(429, "rate_limit_error", "rate_limit_exceeded", "slow down");
  CHECK(Json::parse(ant::messages_error_body(limited))["error"]["type"] == "rate_limit_error");
  auto bad = ant::chat_request_from_messages("{}");
  REQUIRE_FALSE(bad.has_value());
  Json bj = Json::parse(ant::messages_error_body(bad.error()));
  CHECK(bj["error"]["type"] == "invalid_request_error");
  CHECK(bj["error"]["message"].get<std::string>().find("model") != std::string::npos);
}
