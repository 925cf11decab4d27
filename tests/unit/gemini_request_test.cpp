// Gemini adapter: OpenAI request → GenerateContentRequest (docs/PROTOCOLS.md §4.4, §5).
#include <doctest/doctest.h>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/gemini_translate.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;
using gw::providers::Target;

// Gemini's endpoint with a test key, for gemini-2.5-flash.
gw::test::AdapterFixture fixture() {
  auto f = gw::test::gemini_fixture();
  f.cfg.base_url = "https://generativelanguage.googleapis.com";
  return f;
}

std::string header(const gw::net::Headers& h, std::string_view name) {
  return std::string(gw::net::header_value(h, name));
}

// The body of a one-user-message request with `extra` fields merged in.
std::string with(std::string_view extra_fields) {
  return gw::test::chat_body("g", gw::test::kHiMessages, extra_fields);
}

const Json kHiContents = Json::parse(R"([{"role":"user","parts":[{"text":"hi"}]}])");

}  // namespace

TEST_CASE("gemini request: path, stream path with alt=sse, headers") {
  auto f = fixture();
  f.cfg.headers = {{"x-extra", "1"}};
  auto c = f.call(with(""));
  REQUIRE(c);
  CHECK(c->path == "/v1beta/models/gemini-2.5-flash:generateContent");
  CHECK(header(c->headers, "x-goog-api-key") == "AIza-test");
  CHECK(header(c->headers, "content-type") == "application/json");
  CHECK(header(c->headers, "x-extra") == "1");
  CHECK(header(c->headers, "authorization").empty());

  auto s = f.call(with(R"("stream":true)"), true);
  REQUIRE(s);
  CHECK(s->path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  // The stream flag is a path matter: the body is the same GenerateContentRequest.
  CHECK(Json::parse(s->body) == Json::parse(c->body));

  auto m =
      gw::test::build_call(*f.adapter, with(""), Target{&f.cfg, "models/gemini-2.5-pro"}, true);
  REQUIRE(m);
  CHECK(m->path == "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");

  f.cfg.api_key.clear();
  auto nokey = f.call(with(""));
  REQUIRE(nokey);
  CHECK(header(nokey->headers, "x-goog-api-key").empty());
}

TEST_CASE("gemini request: system, image, tool call and tool result → contents (golden)") {
  auto f = fixture();
  Json got = f.body(R"({"model":"gemini-2.5-flash","stream":true,
   "stream_options":{"include_usage":true},
   "messages":[{"role":"system","content":"Be brief."},
    {"role":"user","content":[{"type":"text","text":"What is here?"},
      {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K..."}}]},
    {"role":"assistant","content":null,"tool_calls":[{"id":"call_7Qx","type":"function",
      "function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}]},
    {"role":"tool","tool_call_id":"call_7Qx","content":"a cat"}],
   "tools":[{"type":"function","function":{"name":"lookup","description":"Search","parameters":
     {"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}}]})");
  Json want = Json::parse(R"({
   "systemInstruction":{"parts":[{"text":"Be brief."}]},
   "contents":[
    {"role":"user","parts":[{"text":"What is here?"},
       {"inlineData":{"mimeType":"image/png","data":"iVBORw0K..."}}]},
    {"role":"model","parts":[{"functionCall":{"name":"lookup","args":{"q":"cat"},"id":"call_7Qx"}}]},
    {"role":"user","parts":[{"functionResponse":{"name":"lookup","response":{"output":"a cat"},
       "id":"call_7Qx"}}]}],
   "tools":[{"functionDeclarations":[{"name":"lookup","description":"Search",
     "parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}]}]})");
  CHECK(got == want);
}

TEST_CASE("gemini request: system/developer anywhere concatenate; same-role turns merge") {
  auto f = fixture();
  Json got = f.body(R"({"model":"g","messages":[
    {"role":"system","content":"A"},
    {"role":"user","content":"u1"},
    {"role":"developer","content":[{"type":"text","text":"B"},{"type":"text","text":""}]},
    {"role":"user","content":[{"type":"text","text":"u2"},{"type":"text","text":""}]},
    {"role":"user","content":""},
    {"role":"assistant","content":"a1"},
    {"role":"assistant","content":"","tool_calls":[
      {"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}},
      {"id":"c2","type":"function","function":{"name":"g","arguments":""}}]},
    {"role":"tool","tool_call_id":"c1","content":"r1"},
    {"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"r2"}]},
    {"role":"user","content":"next"}]})");
  Json want = Json::parse(R"({
   "systemInstruction":{"parts":[{"text":"A"},{"text":"B"}]},
   "contents":[
    {"role":"user","parts":[{"text":"u1"},{"text":"u2"}]},
    {"role":"model","parts":[{"text":"a1"},
      {"functionCall":{"name":"f","args":{},"id":"c1"}},
      {"functionCall":{"name":"g","args":{},"id":"c2"}}]},
    {"role":"user","parts":[
      {"functionResponse":{"name":"f","response":{"output":"r1"},"id":"c1"}},
      {"functionResponse":{"name":"g","response":{"output":"r2"},"id":"c2"}},
      {"text":"next"}]}]})");
  CHECK(got == want);
}

TEST_CASE("gemini request: tool result whose call is unknown → 400 naming the message") {
  auto f = fixture();
  auto e = f.error(R"({"model":"g","messages":[
    {"role":"user","content":"hi"},
    {"role":"assistant","tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c9","content":"x"}]})");
  CHECK(e.status == 400);
  CHECK(e.type == "invalid_request_error");
  CHECK(e.param == "messages[2].tool_call_id");

  // A call made only *after* the tool message does not count.
  auto later = f.error(R"({"model":"g","messages":[
    {"role":"user","content":"hi"},
    {"role":"tool","tool_call_id":"c1","content":"x"},
    {"role":"assistant","tool_calls":[{"id":"c1","type":"function",
      "function":{"name":"f","arguments":"{}"}}]}]})");
  CHECK(later.param == "messages[1].tool_call_id");
}

TEST_CASE("gemini request: bad or empty tool arguments become {}") {
  auto f = fixture();
  Json got = f.body(R"({"model":"g","messages":[{"role":"user","content":"hi"},
    {"role":"assistant","tool_calls":[
      {"id":"a","type":"function","function":{"name":"f","arguments":"{\"q\": \"cut"}},
      {"id":"b","type":"function","function":{"name":"f","arguments":"[1,2]"}}]}]})");
  const Json& parts = got["contents"][1]["parts"];
  REQUIRE(parts.size() == 2);
  CHECK(parts[0]["functionCall"]["args"] == Json::object());
  CHECK(parts[1]["functionCall"]["args"] == Json::object());
}

TEST_CASE("gemini request: thought signature travels in the tool-call id suffix") {
  auto f = fixture();
  Json got = f.body(R"({"model":"g","messages":[{"role":"user","content":"hi"},
    {"role":"assistant","tool_calls":[
      {"id":"ab12cd34__thought__EvwDCvkD+/=","type":"function",
       "function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}},
      {"id":"ef56","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"dog\"}"}}]},
    {"role":"tool","tool_call_id":"ab12cd34__thought__EvwDCvkD+/=","content":"a cat"},
    {"role":"tool","tool_call_id":"ef56","content":"a dog"}]})");
  Json want = Json::parse(R"([
    {"role":"user","parts":[{"text":"hi"}]},
    {"role":"model","parts":[
      {"functionCall":{"name":"lookup","args":{"q":"cat"},"id":"ab12cd34"},
       "thoughtSignature":"EvwDCvkD+/="},
      {"functionCall":{"name":"lookup","args":{"q":"dog"},"id":"ef56"}}]},
    {"role":"user","parts":[
      {"functionResponse":{"name":"lookup","response":{"output":"a cat"},"id":"ab12cd34"}},
      {"functionResponse":{"name":"lookup","response":{"output":"a dog"},"id":"ef56"}}]}])");
  CHECK(got["contents"] == want);

  // A Gemini 2.x call had no id: gw generated one; the signature still rides along.
  Json noid = f.body(R"({"model":"g","messages":[{"role":"user","content":"hi"},
    {"role":"assistant","tool_calls":[{"id":"__thought__SIG","type":"function",
       "function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"__thought__SIG","content":"ok"}]})");
  CHECK(noid["contents"][1]["parts"][0] ==
        Json::parse(R"({"functionCall":{"name":"f","args":{}},"thoughtSignature":"SIG"})"));
  CHECK(noid["contents"][2]["parts"][0] ==
        Json::parse(R"({"functionResponse":{"name":"f","response":{"output":"ok"}}})"));
}

TEST_CASE("gemini request: thought signature survives response → next request") {
  auto f = fixture();
  auto resp = f.adapter->parse_response(R"({"candidates":[{"content":{"role":"model","parts":[
      {"functionCall":{"name":"lookup","args":{"q":"cat"},"id":"ab12cd34"},"thoughtSignature":"EvwD=="},
      {"functionCall":{"name":"lookup","args":{"q":"dog"}}}]},
      "finishReason":"STOP","index":0}]})",
                                        f.target());
  REQUIRE(resp);
  gw::api::ChatRequest req;
  req.model = "g";
  req.messages.push_back(gw::api::Message::plain("user", "hi"));
  req.messages.push_back(resp->choices[0].message);
  for (const auto& tc : resp->choices[0].message.tool_calls) {
    gw::api::Message tool = gw::api::Message::plain("tool", "r");
    tool.tool_call_id = tc.id;
    req.messages.push_back(tool);
  }
  auto c = f.adapter->build_request(req, f.target(), false);
  REQUIRE(c);
  Json body = Json::parse(c->body);
  const Json& model_parts = body["contents"][1]["parts"];
  REQUIRE(model_parts.size() == 2);
  CHECK(model_parts[0] ==
        Json::parse(R"({"functionCall":{"name":"lookup","args":{"q":"cat"},"id":"ab12cd34"},
                        "thoughtSignature":"EvwD=="})"));
  CHECK_FALSE(model_parts[1].contains("thoughtSignature"));  // none invented
  const Json& results = body["contents"][2]["parts"];
  REQUIRE(results.size() == 2);
  CHECK(results[0]["functionResponse"]["id"] == "ab12cd34");
  CHECK(results[1]["functionResponse"]["name"] == "lookup");
}

TEST_CASE("gemini request: images as inlineData / fileData") {
  auto f = fixture();
  Json got = f.body(R"({"model":"g","messages":[{"role":"user","content":[
    {"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGR"}},
    {"type":"image_url","image_url":{"url":"https://x.test/a/cat.PNG?sig=1"}},
    {"type":"image_url","image_url":{"url":"https://x.test/image","detail":"low"}},
    {"type":"image_url","image_url":{"url":"https://x.test/v1.2/photo.gif#frag"}}]}]})");
  Json want = Json::parse(R"([{"role":"user","parts":[
    {"inlineData":{"mimeType":"image/webp","data":"UklGR"}},
    {"fileData":{"mimeType":"image/png","fileUri":"https://x.test/a/cat.PNG?sig=1"}},
    {"fileData":{"mimeType":"image/jpeg","fileUri":"https://x.test/image"}},
    {"fileData":{"mimeType":"image/gif","fileUri":"https://x.test/v1.2/photo.gif#frag"}}]}])");
  CHECK(got["contents"] == want);

  auto bad = f.error(R"({"model":"g","messages":[{"role":"user","content":[
    {"type":"text","text":"x"},{"type":"image_url","image_url":{"url":"data:image/png,raw"}}]}]})");
  CHECK(bad.status == 400);
  CHECK(bad.param == "messages[0].content[1].image_url");
}

TEST_CASE("gemini request: generationConfig fields") {
  auto f = fixture();
  Json got = f.body(with(R"("temperature":1.5,"top_p":0.9,"max_tokens":100,
    "max_completion_tokens":200,"stop":["END","STOP","x","y"],"n":2,"seed":7,
    "presence_penalty":0.5,"frequency_penalty":-0.5,"logprobs":true,"top_logprobs":3)"));
  Json want = Json::parse(R"({"temperature":1.5,"topP":0.9,"maxOutputTokens":200,
    "stopSequences":["END","STOP","x","y"],"candidateCount":2,"seed":7,
    "presencePenalty":0.5,"frequencyPenalty":-0.5,"responseLogprobs":true,"logprobs":3})");
  CHECK(got["generationConfig"] == want);
  CHECK(got["contents"] == kHiContents);

  CHECK(f.body(with(R"("max_tokens":64)"))["generationConfig"] ==
        Json::parse(R"({"maxOutputTokens":64})"));
  CHECK(f.body(with(R"("stop":"END")"))["generationConfig"] ==
        Json::parse(R"({"stopSequences":["END"]})"));
  // Nothing asked → no generationConfig at all (maxOutputTokens omitted, model default).
  CHECK_FALSE(f.body(with("")).contains("generationConfig"));
}

TEST_CASE("gemini request: stop sequences are capped at 5") {
  auto f = fixture();
  gw::api::ChatRequest req;
  req.model = "g";
  req.messages.push_back(gw::api::Message::plain("user", "hi"));
  req.stop = {"1", "2", "3", "4", "5"};
  auto ok = f.adapter->build_request(req, f.target(), false);
  REQUIRE(ok);
  CHECK(Json::parse(ok->body)["generationConfig"]["stopSequences"].size() == 5);
  req.stop.push_back("6");
  auto e = f.adapter->build_request(req, f.target(), false);
  REQUIRE_FALSE(e);
  CHECK(e.error().status == 400);
  CHECK(e.error().param == "stop");
}

TEST_CASE("gemini request: tool schema cleaning") {
  auto f = fixture();
  Json got = f.body(with(R"("tools":[{"type":"function","function":{"name":"book",
    "description":"Book it","strict":true,"parameters":{
      "$schema":"http://json-schema.org/draft-07/schema#","type":"object",
      "additionalProperties":false,
      "$defs":{"Addr":{"type":"object","additionalProperties":false,
                       "properties":{"city":{"type":"string"}},"required":["city"]},
               "Node":{"type":"object","properties":{"next":{"$ref":"#/$defs/Node"}}}},
      "properties":{
        "to":{"$ref":"#/$defs/Addr","description":"where"},
        "note":{"anyOf":[{"type":"string"},{"type":"null"}],"description":"opt"},
        "when":{"type":["string","null"]},
        "either":{"anyOf":[{"type":"string"},{"type":"integer"},{"type":"null"}]},
        "strict":{"type":"boolean"},
        "additionalProperties":{"type":"string"},
        "list":{"type":"array","items":{"$ref":"#/$defs/Addr"}},
        "tree":{"$ref":"#/$defs/Node"}},
      "required":["to"]}}}])"));
  Json want = Json::parse(R"([{"functionDeclarations":[{"name":"book","description":"Book it",
    "parameters":{"type":"object",
      "properties":{
        "to":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],
              "description":"where"},
        "note":{"type":"string","nullable":true,"description":"opt"},
        "when":{"type":"string","nullable":true},
        "either":{"anyOf":[{"type":"string"},{"type":"integer"}],"nullable":true},
        "strict":{"type":"boolean"},
        "additionalProperties":{"type":"string"},
        "list":{"type":"array","items":{"type":"object","properties":{"city":{"type":"string"}},
                "required":["city"]}},
        "tree":{"type":"object","properties":{"next":{"type":"object"}}}},
      "required":["to"]}}]}])");
  CHECK(got["tools"] == want);

  // No parameters, or an object without properties: no arguments, no "parameters".
  Json bare = f.body(with(R"("tools":[
    {"type":"function","function":{"name":"a"}},
    {"type":"function","function":{"name":"b","parameters":{"type":"object","properties":{}}}}])"));
  CHECK(bare["tools"] == Json::parse(R"([{"functionDeclarations":[{"name":"a"},{"name":"b"}]}])"));
}

TEST_CASE("gemini request: a schema beyond Gemini's OpenAPI subset goes as parametersJsonSchema") {
  auto f = fixture();
  // Claude Code's tools use exclusiveMinimum, const and the like, which `parameters` refuses.
  const char* schema = R"({"type":"object","properties":{
      "timeout":{"type":"number","exclusiveMinimum":0},
      "mode":{"const":"fast"}},"required":["timeout"]})";
  Json got = f.body(with(std::string(R"("tools":[{"type":"function","function":{"name":"run",
    "parameters":)") + schema +
                         "}}]"));
  const Json& decl = got["tools"][0]["functionDeclarations"][0];
  CHECK_FALSE(decl.contains("parameters"));
  CHECK(decl["parametersJsonSchema"] == Json::parse(schema));
}

TEST_CASE("gemini request: tool_choice variants") {
  auto f = fixture();
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"a"}},
                                       {"type":"function","function":{"name":"b"}}])";
  auto mode = [&](std::string_view choice) {
    return f.body(with(tools + R"(,"tool_choice":)" + std::string(choice)))["toolConfig"];
  };
  CHECK(mode(R"("auto")") == Json::parse(R"({"functionCallingConfig":{"mode":"AUTO"}})"));
  CHECK(mode(R"("none")") == Json::parse(R"({"functionCallingConfig":{"mode":"NONE"}})"));
  CHECK(mode(R"("required")") == Json::parse(R"({"functionCallingConfig":{"mode":"ANY"}})"));
  CHECK(mode(R"({"type":"function","function":{"name":"b"}})") ==
        Json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["b"]}})"));
  CHECK(mode(R"({"type":"allowed_tools","allowed_tools":{"mode":"required",
                 "tools":[{"type":"function","function":{"name":"a"}}]}})") ==
        Json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["a"]}})"));
  Json subset = f.body(with(tools + R"(,"tool_choice":{"type":"allowed_tools","allowed_tools":
      {"mode":"auto","tools":[{"type":"function","function":{"name":"b"}}]}})"));
  CHECK(subset["toolConfig"] == Json::parse(R"({"functionCallingConfig":{"mode":"AUTO"}})"));
  CHECK(subset["tools"] == Json::parse(R"([{"functionDeclarations":[{"name":"b"}]}])"));

  CHECK_FALSE(f.body(with(tools)).contains("toolConfig"));  // default: Gemini's AUTO
  auto e = f.error(with(tools + R"(,"tool_choice":"sometimes")"));
  CHECK(e.status == 400);
  CHECK(e.param == "tool_choice");
}

TEST_CASE("gemini request: json modes") {
  auto f = fixture();
  CHECK(f.body(with(R"("response_format":{"type":"json_object"})"))["generationConfig"] ==
        Json::parse(R"({"responseMimeType":"application/json"})"));
  CHECK(f.body(with(R"("response_format":{"type":"json_schema","json_schema":{"name":"x",
          "strict":true,"schema":{"type":"object","properties":{"a":{"type":"integer"}},
          "additionalProperties":false,"required":["a"]}}})"))["generationConfig"] ==
        Json::parse(R"({"responseMimeType":"application/json","responseJsonSchema":{
          "type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":false,
          "required":["a"]}})"));
  CHECK_FALSE(f.body(with(R"("response_format":{"type":"text"})")).contains("generationConfig"));
}

TEST_CASE("gemini request: reasoning_effort becomes thinkingConfig") {
  auto f = fixture();
  struct Case {
    const char* effort;
    int64_t budget;
  };
  for (auto [effort, budget] : {Case{"minimal", 1024}, Case{"low", 2048}, Case{"medium", 8192},
                                Case{"high", 16384}, Case{"xhigh", 24576}}) {
    CAPTURE(effort);
    Json g =
        f.body(with(std::string(R"("reasoning_effort":")") + effort + "\""))["generationConfig"];
    CHECK(g == Json{{"thinkingConfig", {{"thinkingBudget", budget}, {"includeThoughts", true}}}});
  }
  // none: thinking off where the model allows it; 2.5 Pro cannot, so its smallest budget.
  CHECK(f.body(with(R"("reasoning_effort":"none")"))["generationConfig"] ==
        Json::parse(R"({"thinkingConfig":{"thinkingBudget":0}})"));
  CHECK(gw::providers::gemini::thinking_config("none", "models/gemini-2.5-pro") ==
        Json::parse(R"({"thinkingBudget":128,"includeThoughts":true})"));
  // Gemini 3 takes a level.
  for (const char* e : {"none", "minimal", "low"})
    CHECK(gw::providers::gemini::thinking_config(e, "gemini-3-pro-preview") ==
          Json::parse(R"({"thinkingLevel":"low","includeThoughts":true})"));
  for (const char* e : {"medium", "high", "xhigh"})
    CHECK(gw::providers::gemini::thinking_config(e, "models/gemini-3-flash") ==
          Json::parse(R"({"thinkingLevel":"high","includeThoughts":true})"));
  // The model given to build_body decides, else the request's own.
  auto req = gw::test::chat_request(with(R"("reasoning_effort":"high","max_tokens":64)"));
  auto body = gw::providers::gemini::build_body(req, f.cfg, "gemini-3-pro-preview");
  REQUIRE(body);
  CHECK((*body)["generationConfig"] ==
        Json::parse(R"({"maxOutputTokens":64,"thinkingConfig":{"thinkingLevel":"high",
          "includeThoughts":true}})"));
  req.model = "gemini-3-pro-preview";
  CHECK((*gw::providers::gemini::build_body(
            req, f.cfg))["generationConfig"]["thinkingConfig"]["thinkingLevel"] == "high");
  // Absent: no thinkingConfig, the model's default.
  CHECK_FALSE(f.body(with("")).contains("generationConfig"));
}

TEST_CASE("gemini request: parameters with no equivalent: 400 with param, or dropped") {
  auto f = fixture();
  struct Row {
    const char* fields;
    const char* param;
  };
  for (const Row& row :
       {Row{R"("logit_bias":{"50256":-100})", "logit_bias"},
        Row{R"("modalities":["text","audio"],"audio":{"voice":"x"})", "modalities"},
        Row{R"("prediction":{"type":"content","content":"x"})", "prediction"}}) {
    CAPTURE(row.param);
    auto e = f.error(with(row.fields));
    CHECK(e.status == 400);
    CHECK(e.type == "invalid_request_error");
    CHECK(e.param == row.param);
  }
  // Text-only modalities change nothing.
  CHECK(f.body(with(R"("modalities":["text"])")) == Json{{"contents", kHiContents}});

  f.cfg.drop_params = true;
  CHECK(f.body(with(
            R"("logit_bias":{"1":1},"modalities":["audio"],"prediction":{"type":"content"})")) ==
        Json{{"contents", kHiContents}});
}

TEST_CASE("gemini request: fields without effect are dropped silently") {
  auto f = fixture();
  Json got = f.body(with(R"("parallel_tool_calls":false,"user":"u1","metadata":{"a":"b"},
    "store":true,"service_tier":"flex","stream_options":null)"));
  CHECK(got == Json{{"contents", kHiContents}});
}
