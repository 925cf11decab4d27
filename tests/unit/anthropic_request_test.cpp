// Golden tests: OpenAI request → Anthropic Messages request (docs/PROTOCOLS.md §4.3, §5).
#include <doctest/doctest.h>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "net/http_types.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;

// Anthropic's endpoint with a test key, for claude-sonnet-4-5.
gw::test::AdapterFixture fixture() {
  auto f = gw::test::anthropic_fixture();
  f.cfg.base_url = "https://api.anthropic.com";
  f.cfg.api_key = "sk-ant-test";
  return f;
}

// Wraps `messages` (a JSON array text) and extra top-level fields into a request.
std::string req(const std::string& messages, const std::string& extra = "") {
  return gw::test::chat_body("anthropic/claude-sonnet-4-5", messages, extra);
}
const std::string kHi(gw::test::kHiMessages);
const Json kHiTurns = Json::parse(R"([{"role":"user","content":[{"type":"text","text":"hi"}]}])");

}  // namespace

TEST_CASE("anthropic request: path, headers, model, max_tokens default, stream flag") {
  auto f = fixture();
  f.cfg.headers = {{"anthropic-beta", "prompt-caching-2024-07-31"}};
  auto c = f.call(req(kHi));
  REQUIRE(c.has_value());
  CHECK(c->path == "/v1/messages");
  CHECK(gw::net::header_value(c->headers, "x-api-key") == "sk-ant-test");
  CHECK(gw::net::header_value(c->headers, "anthropic-version") == "2023-06-01");
  CHECK(gw::net::header_value(c->headers, "content-type") == "application/json");
  CHECK(gw::net::header_value(c->headers, "anthropic-beta") == "prompt-caching-2024-07-31");
  CHECK(Json::parse(c->body) ==
        Json{{"model", "claude-sonnet-4-5"}, {"max_tokens", 4096}, {"messages", kHiTurns}});
  Json streamed = f.body(req(kHi, R"("stream":true)"), true);
  CHECK(streamed["stream"] == true);
  CHECK_FALSE(f.body(req(kHi, R"("stream":true)"), false).contains("stream"));

  f.cfg.headers = {{"Anthropic-Version", "2024-01-01"}};  // configured headers win
  auto c2 = f.call(req(kHi));
  int versions = 0;
  for (const auto& [k, v] : c2->headers)
    if (k == "anthropic-version" || k == "Anthropic-Version") ++versions;
  CHECK(versions == 1);
  CHECK(gw::net::header_value(c2->headers, "anthropic-version") == "2024-01-01");
}

TEST_CASE("anthropic request: system and developer messages anywhere are collected") {
  auto f = fixture();
  Json b = f.body(req(R"([{"role":"system","content":"Be brief."},
    {"role":"user","content":"hi"},
    {"role":"developer","content":"Answer in French."},
    {"role":"user","content":"again"}])"));
  CHECK(b["system"] == "Be brief.\n\nAnswer in French.");
  // the two user messages around the developer message merge into one turn
  CHECK(b["messages"] == Json::parse(R"([{"role":"user","content":[
    {"type":"text","text":"hi"},{"type":"text","text":"again"}]}])"));

  Json parts = f.body(req(R"([{"role":"system","content":[{"type":"text","text":"A"},
    {"type":"text","text":"  "}]},{"role":"system","content":"B"},
    {"role":"user","content":"hi"}])"));
  CHECK(parts["system"] ==
        Json::parse(R"([{"type":"text","text":"A"},{"type":"text","text":"B"}])"));

  Json cached = f.body(req(R"([{"role":"system","content":"Long context",
    "cache_control":{"type":"ephemeral"}},{"role":"user","content":"hi"}])"));
  CHECK(cached["system"] ==
        Json::parse(
            R"([{"type":"text","text":"Long context","cache_control":{"type":"ephemeral"}}])"));
}

TEST_CASE("anthropic request: consecutive same-role turns merge, empty text is dropped") {
  auto f = fixture();
  Json b = f.body(req(R"([{"role":"user","content":"a"},{"role":"user","content":[
      {"type":"text","text":"b"},{"type":"text","text":""}]},
    {"role":"assistant","content":"x"},{"role":"assistant","content":"  "},
    {"role":"assistant","content":"y"},{"role":"user","content":"   "},
    {"role":"user","content":"c"},{"role":"assistant","content":"prefill  \n"}])"));
  CHECK(b["messages"] == Json::parse(R"([
    {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
    {"role":"assistant","content":[{"type":"text","text":"x"},{"type":"text","text":"y"}]},
    {"role":"user","content":[{"type":"text","text":"c"}]},
    {"role":"assistant","content":[{"type":"text","text":"prefill"}]}])"));
  CHECK_FALSE(b.contains("system"));

  auto e = f.error(req(R"([{"role":"system","content":"only system"}])"));
  CHECK(e.status == 400);
  CHECK(e.param == "messages");
}

TEST_CASE("anthropic request: tool round trip") {
  auto f = fixture();
  Json b = f.body(req(R"([{"role":"user","content":"weather?"},
    {"role":"assistant","content":"","tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
      {"id":"call_2","type":"function","function":{"name":"now","arguments":""}},
      {"id":"call_3","type":"function","function":{"name":"now","arguments":"{\"q\":"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"a cat"},
    {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"noon"}]},
    {"role":"tool","tool_call_id":"call_3","content":""},
    {"role":"user","content":"thanks"}])",
                      R"("tools":[{"type":"function","function":{"name":"lookup",
      "description":"Find things","parameters":{"type":"object","properties":{"q":{"type":"string"}},
      "required":["q"]}}},{"type":"function","function":{"name":"now"}}],"tool_choice":"auto")"));
  CHECK(b["messages"] == Json::parse(R"([
    {"role":"user","content":[{"type":"text","text":"weather?"}]},
    {"role":"assistant","content":[
      {"type":"tool_use","id":"call_1","name":"lookup","input":{"q":"cat"}},
      {"type":"tool_use","id":"call_2","name":"now","input":{}},
      {"type":"tool_use","id":"call_3","name":"now","input":{}}]},
    {"role":"user","content":[
      {"type":"tool_result","tool_use_id":"call_1","content":"a cat"},
      {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"noon"}]},
      {"type":"tool_result","tool_use_id":"call_3"},
      {"type":"text","text":"thanks"}]}])"));
  CHECK(b["tools"] == Json::parse(R"([
    {"name":"lookup","description":"Find things","input_schema":{"type":"object",
      "properties":{"q":{"type":"string"}},"required":["q"]}},
    {"name":"now","input_schema":{"type":"object","properties":{}}}])"));
  CHECK(b["tool_choice"] == Json{{"type", "auto"}});
}

TEST_CASE("anthropic request: images as base64 and url sources") {
  auto f = fixture();
  Json b = f.body(req(R"([{"role":"user","content":[{"type":"text","text":"compare"},
    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
    {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}])"));
  CHECK(b["messages"] == Json::parse(R"([{"role":"user","content":[
    {"type":"text","text":"compare"},
    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
    {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}])"));

  auto e = f.error(req(R"([{"role":"user","content":[
    {"type":"image_url","image_url":{"url":"data:image/png,notbase64"}}]}])"));
  CHECK(e.status == 400);
  CHECK(e.param == "messages[0].content[0].image_url");
}

TEST_CASE("anthropic request: max_tokens, temperature clamp, top_p, stop sequences") {
  auto f = fixture();
  CHECK(f.body(req(kHi, R"("max_tokens":100)"))["max_tokens"] == 100);
  CHECK(f.body(req(kHi, R"("max_tokens":100,"max_completion_tokens":50)"))["max_tokens"] == 50);

  Json hot = f.body(req(kHi, R"("temperature":1.7,"top_p":0.9)"));
  CHECK(hot["temperature"] == 1.0);
  CHECK(hot["top_p"] == 0.9);
  CHECK(f.body(req(kHi, R"("temperature":0.3)"))["temperature"] == 0.3);
  CHECK_FALSE(f.body(req(kHi))["temperature"].is_number());

  Json stops = f.body(req(kHi, R"("stop":["\n","END"," \t"])"));
  CHECK(stops["stop_sequences"] == Json::array({"END"}));
  CHECK(f.body(req(kHi, R"("stop":"STOP")"))["stop_sequences"] == Json::array({"STOP"}));
  CHECK_FALSE(f.body(req(kHi, R"("stop":["\n"])")).contains("stop_sequences"));
}

TEST_CASE("anthropic request: tool_choice variants and parallel_tool_calls") {
  auto f = fixture();
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"lookup"}}])";
  auto choice = [&](const std::string& extra) { return f.body(req(kHi, tools + "," + extra)); };
  CHECK(choice(R"("tool_choice":"auto")")["tool_choice"] == Json::parse(R"({"type":"auto"})"));
  CHECK(choice(R"("tool_choice":"none")")["tool_choice"] == Json::parse(R"({"type":"none"})"));
  CHECK(choice(R"("tool_choice":"required")")["tool_choice"] == Json::parse(R"({"type":"any"})"));
  CHECK(
      choice(R"("tool_choice":{"type":"function","function":{"name":"lookup"}})")["tool_choice"] ==
      Json::parse(R"({"type":"tool","name":"lookup"})"));
  CHECK(choice(R"("parallel_tool_calls":false)")["tool_choice"] ==
        Json::parse(R"({"type":"auto","disable_parallel_tool_use":true})"));
  CHECK(choice(R"("tool_choice":"required","parallel_tool_calls":false)")["tool_choice"] ==
        Json::parse(R"({"type":"any","disable_parallel_tool_use":true})"));
  CHECK(choice(R"("tool_choice":"none","parallel_tool_calls":false)")["tool_choice"] ==
        Json::parse(R"({"type":"none"})"));
  CHECK_FALSE(choice(R"("parallel_tool_calls":true)").contains("tool_choice"));
  // no tools: nothing to choose from
  CHECK_FALSE(f.body(req(kHi, R"("tool_choice":"auto","parallel_tool_calls":false)"))
                  .contains("tool_choice"));
  auto e = f.error(req(kHi, tools + R"(,"tool_choice":"sometimes")"));
  CHECK(e.param == "tool_choice");
}

TEST_CASE("anthropic request: parameters with no equivalent are 400s unless drop_params") {
  struct Row {
    const char* extra;
    const char* param;
  };
  const Row rows[] = {{R"("n":2)", "n"},
                      {R"("logprobs":true)", "logprobs"},
                      {R"("top_logprobs":3)", "top_logprobs"},
                      {R"("logit_bias":{"50256":-100})", "logit_bias"},
                      {R"("modalities":["text","audio"])", "modalities"},
                      {R"("prediction":{"type":"content","content":"x"})", "prediction"}};
  for (const auto& row : rows) {
    CAPTURE(row.extra);
    auto f = fixture();
    auto e = f.error(req(kHi, row.extra));
    CHECK(e.status == 400);
    CHECK(e.type == "invalid_request_error");
    CHECK(e.param == row.param);
    f.cfg.drop_params = true;
    Json b = f.body(req(kHi, row.extra));
    CHECK(b == Json{{"model", "claude-sonnet-4-5"}, {"max_tokens", 4096}, {"messages", kHiTurns}});
  }
  auto f = fixture();  // harmless values of the same params pass
  CHECK(f.call(req(kHi, R"("n":1,"logprobs":false,"modalities":["text"],"logit_bias":{})"))
            .has_value());
}

TEST_CASE("anthropic request: silently dropped parameters") {
  auto f = fixture();
  Json b = f.body(req(kHi, R"("seed":7,"metadata":{"task":"x"},"store":true,
    "service_tier":"auto","presence_penalty":0.5,"frequency_penalty":0.5,
    "response_format":{"type":"text"})"));
  CHECK(b == Json{{"model", "claude-sonnet-4-5"}, {"max_tokens", 4096}, {"messages", kHiTurns}});
}

TEST_CASE("anthropic request: Anthropic-native top_k and thinking pass through, others do not") {
  auto f = fixture();
  Json b = f.body(req(kHi, R"("top_k":5,"thinking":{"type":"enabled","budget_tokens":2048},
    "web_search_options":{},"function_call":"auto")"));
  CHECK(b["top_k"] == 5);
  CHECK(b["thinking"] == Json::parse(R"({"type":"enabled","budget_tokens":2048})"));
  CHECK_FALSE(b.contains("web_search_options"));
  CHECK_FALSE(b.contains("function_call"));
}

TEST_CASE("anthropic request: user becomes metadata.user_id unless it looks personal") {
  auto f = fixture();
  CHECK(f.body(req(kHi, R"("user":"user-123")"))["metadata"] ==
        Json::parse(R"({"user_id":"user-123"})"));
  CHECK_FALSE(f.body(req(kHi, R"("user":"alice@example.com")")).contains("metadata"));
  CHECK_FALSE(f.body(req(kHi, R"("user":"+1 (555) 123-4567")")).contains("metadata"));
}

TEST_CASE("anthropic request: response_format becomes a forced json_tool_call") {
  auto f = fixture();
  Json b = f.body(req(kHi, R"("response_format":{"type":"json_schema","json_schema":{
    "name":"answer","strict":true,"schema":{"type":"object","properties":{"n":{"type":"integer"}},
    "required":["n"]}}})"));
  CHECK(b["tools"] == Json::parse(R"([{"name":"json_tool_call","input_schema":{"type":"object",
    "properties":{"n":{"type":"integer"}},"required":["n"]}}])"));
  CHECK(b["tool_choice"] == Json::parse(R"({"type":"tool","name":"json_tool_call"})"));

  Json obj = f.body(req(kHi, R"("response_format":{"type":"json_object"})"));
  CHECK(obj["tools"] ==
        Json::parse(R"([{"name":"json_tool_call","input_schema":{"type":"object"}}])"));
  CHECK(obj["tool_choice"] == Json::parse(R"({"type":"tool","name":"json_tool_call"})"));

  // with client tools the json tool is added and forced
  Json both = f.body(req(kHi, R"("tools":[{"type":"function","function":{"name":"lookup"}}],
    "tool_choice":"auto","response_format":{"type":"json_object"})"));
  REQUIRE(both["tools"].size() == 2);
  CHECK(both["tools"][0]["name"] == "lookup");
  CHECK(both["tools"][1]["name"] == "json_tool_call");
  CHECK(both["tool_choice"] == Json::parse(R"({"type":"tool","name":"json_tool_call"})"));

  CHECK(f.error(req(kHi, R"("response_format":{"type":"yaml"})")).param == "response_format.type");
}

TEST_CASE("anthropic request: tool ids are sanitized consistently") {
  auto f = fixture();
  Json b = f.body(req(R"([{"role":"user","content":"go"},
    {"role":"assistant","tool_calls":[
      {"id":"call_a+b/c==","type":"function","function":{"name":"f","arguments":"{}"}},
      {"id":"call_a_b_c__","type":"function","function":{"name":"f","arguments":"{}"}},
      {"id":"fc.é:1","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"call_a+b/c==","content":"1"},
    {"role":"tool","tool_call_id":"call_a_b_c__","content":"2"},
    {"role":"tool","tool_call_id":"fc.é:1","content":"3"}])",
                      R"("tools":[{"type":"function","function":{"name":"f"}}])"));
  const Json& uses = b["messages"][1]["content"];
  const Json& results = b["messages"][2]["content"];
  CHECK(uses[0]["id"] == "call_a_b_c__");
  CHECK(uses[1]["id"] == "call_a_b_c___2");  // a distinct original keeps a distinct id
  CHECK(uses[2]["id"] == "fc____1");         // ".", the two bytes of é, ":"
  for (int i = 0; i < 3; ++i) CHECK(results[i]["tool_use_id"] == uses[i]["id"]);
}

TEST_CASE("anthropic request: tool history without tools becomes text") {
  auto f = fixture();
  Json b = f.body(req(R"([{"role":"user","content":"weather?"},
    {"role":"assistant","content":"Checking.","tool_calls":[
      {"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\": \"cat\"}"}}]},
    {"role":"tool","tool_call_id":"call_1","content":"sunny"},
    {"role":"user","content":"so?"}])"));
  CHECK_FALSE(b.contains("tools"));
  CHECK(b["messages"] == Json::parse(R"J([
    {"role":"user","content":[{"type":"text","text":"weather?"}]},
    {"role":"assistant","content":[{"type":"text","text":"Checking."},
      {"type":"text","text":"[tool call call_1] lookup({\"q\":\"cat\"})"}]},
    {"role":"user","content":[{"type":"text","text":"[tool result call_1] sunny"},
      {"type":"text","text":"so?"}]}])J"));
}

TEST_CASE("anthropic request: unknown content parts are rejected unless drop_params") {
  auto f = fixture();
  const std::string msgs = R"([{"role":"user","content":[{"type":"text","text":"hear"},
    {"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}}]}])";
  CHECK(f.error(req(msgs)).param == "messages[0].content[1].type");
  f.cfg.drop_params = true;
  CHECK(f.body(req(msgs))["messages"] ==
        Json::parse(R"([{"role":"user","content":[{"type":"text","text":"hear"}]}])"));
}

TEST_CASE("anthropic request: reasoning_effort becomes a thinking budget") {
  auto f = fixture();
  struct Case {
    const char* effort;
    int64_t budget;
  };
  for (auto [effort, budget] : {Case{"minimal", 1024}, Case{"low", 2048}, Case{"medium", 8192},
                                Case{"high", 16384}, Case{"xhigh", 24576}}) {
    CAPTURE(effort);
    Json b = f.body(req(kHi, std::string(R"("reasoning_effort":")") + effort +
                                 R"(","max_completion_tokens":40000)"));
    CHECK(b["thinking"] == Json{{"type", "enabled"}, {"budget_tokens", budget}});
    CHECK(b["max_tokens"] == 40000);  // the client's cap is above the budget: kept
    CHECK_FALSE(b.contains("reasoning_effort"));
  }
  // "none" is no thinking; absent too.
  CHECK_FALSE(f.body(req(kHi, R"("reasoning_effort":"none")")).contains("thinking"));
  CHECK_FALSE(f.body(req(kHi)).contains("thinking"));
}

TEST_CASE("anthropic request: thinking keeps budget below max_tokens and drops sampling") {
  auto f = fixture();
  // No cap: the default 4096 answer tokens go on top of the budget.
  Json d = f.body(req(kHi, R"("reasoning_effort":"medium")"));
  CHECK(d["thinking"]["budget_tokens"] == 8192);
  CHECK(d["max_tokens"] == 8192 + 4096);
  // A cap at or below the budget: raised to budget + cap; one above it stays.
  CHECK(f.body(req(kHi, R"("reasoning_effort":"low","max_tokens":100)"))["max_tokens"] == 2148);
  CHECK(f.body(req(kHi, R"("reasoning_effort":"low","max_tokens":2048)"))["max_tokens"] == 4096);
  CHECK(f.body(req(kHi, R"("reasoning_effort":"low","max_tokens":2049)"))["max_tokens"] == 2049);
  // Anthropic refuses temperature, top_k and a top_p below 0.95 with thinking.
  Json s = f.body(req(kHi, R"("reasoning_effort":"low","temperature":0.2,"top_k":5,"top_p":0.5)"));
  CHECK(s.contains("thinking"));
  CHECK_FALSE(s.contains("temperature"));
  CHECK_FALSE(s.contains("top_k"));
  CHECK_FALSE(s.contains("top_p"));
  CHECK(f.body(req(kHi, R"("reasoning_effort":"low","top_p":0.97)"))["top_p"] == 0.97);
  // Without thinking they stay.
  Json n = f.body(req(kHi, R"("reasoning_effort":"none","temperature":0.2,"top_k":5)"));
  CHECK(n["temperature"] == 0.2);
  CHECK(n["top_k"] == 5);
}

TEST_CASE("anthropic request: the client's own thinking wins over reasoning_effort") {
  auto f = fixture();
  auto r = gw::test::chat_request(req(kHi, R"("reasoning_effort":"high","max_tokens":500)"));
  r.anthropic_extra["thinking"] = Json::parse(R"({"type":"enabled","budget_tokens":1500})");
  Json b = gw::test::call_body(f.adapter->build_request(r, f.target(), false));
  CHECK(b["thinking"] == Json::parse(R"({"type":"enabled","budget_tokens":1500})"));
  CHECK(b["max_tokens"] == 500);  // the client's own choice, not adjusted
  // Through the OpenAI body's extra as well.
  Json e = f.body(req(kHi, R"("reasoning_effort":"high","thinking":{"type":"disabled"})"));
  CHECK(e["thinking"] == Json::parse(R"({"type":"disabled"})"));
}

TEST_CASE("anthropic request: no thinking where Anthropic would refuse it") {
  auto f = fixture();
  // A forced tool (json mode, required, a named tool) cannot go with thinking.
  Json json =
      f.body(req(kHi, R"("reasoning_effort":"high","response_format":{"type":"json_object"})"));
  CHECK_FALSE(json.contains("thinking"));
  CHECK(json["tool_choice"]["name"] == "json_tool_call");
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"lookup"}}],)";
  CHECK_FALSE(f.body(req(kHi, tools + R"("reasoning_effort":"high","tool_choice":"required")"))
                  .contains("thinking"));
  CHECK(f.body(req(kHi, tools + R"("reasoning_effort":"high","tool_choice":"auto")"))
            .contains("thinking"));
  // A tool loop in progress: the last assistant turn's tool_use would need its thinking block.
  Json loop = f.body(req(R"([{"role":"user","content":"weather?"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"lookup","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"sunny"}])",
                         tools + R"("reasoning_effort":"high")"));
  CHECK_FALSE(loop.contains("thinking"));
  // A finished loop followed by a new question and plain answer: thinking again.
  Json after = f.body(req(R"([{"role":"user","content":"weather?"},
    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"lookup","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c1","content":"sunny"},
    {"role":"assistant","content":"It is sunny."},
    {"role":"user","content":"thanks"}])",
                          tools + R"("reasoning_effort":"high")"));
  CHECK(after.contains("thinking"));
}
