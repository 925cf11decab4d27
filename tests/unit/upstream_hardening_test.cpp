// Issue 12, the provider half: client strings never choose the upstream URL, upstream JSON is
// parsed with its nesting bounded, absurd usage never reaches the ledger, a stream's usage is
// known to be final or not, and configured secrets are masked in forwarded upstream errors.
#include <doctest/doctest.h>

#include <map>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/adapter_util.hpp"
#include "providers/gemini_translate.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;
using gw::providers::Target;

// A provider of `kind` whose key and header values are secrets to mask.
gw::config::ProviderConfig provider(const std::string& kind) {
  auto p = gw::test::provider_config(kind, "http://127.0.0.1:1", gw::test::kSecretKey);
  p.headers = {{"X-Proxy-Auth", "Bearer proxy-token-abcdef"}, {"X-Tenant", "tenant-42-secret"}};
  return p;
}

using gw::test::adapter_for;

std::string nested(int depth, std::string_view inner = "1") {
  return std::string(static_cast<size_t>(depth), '[') + std::string(inner) +
         std::string(static_cast<size_t>(depth), ']');
}

// Events through a fresh decoder of `kind`; the first error stops it.
struct Decoded {
  std::unique_ptr<gw::providers::StreamDecoder> dec;
  gw::api::ChunkList chunks;
  std::optional<gw::Error> error;
};
Decoded decode(const std::string& kind, const gw::config::ProviderConfig& p,
               const std::vector<std::pair<std::string, std::string>>& events) {
  Decoded d;
  d.dec = adapter_for(kind)->make_stream_decoder(gw::test::hi_stream_request(), Target{&p, "m"});
  d.error = gw::test::feed_events(*d.dec, events, d.chunks);
  return d;
}

// ---- 1. client strings in upstream URLs ---------------------------------------------------

TEST_CASE("gemini: the model id is a plain resource id, else 400 invalid_model") {
  auto p = provider("gemini");
  auto a = gw::providers::make_gemini_adapter();
  auto req = gw::test::hi_stream_request();
  auto path = [&](const std::string& model, bool stream = false) {
    auto c = a->build_request(req, Target{&p, model}, stream);
    return c ? c->path
             : "error " + std::to_string(c.error().status) + " " + c.error().type + " " +
                   c.error().code + " " + c.error().param;
  };
  CHECK(path("gemini-2.5-flash") == "/v1beta/models/gemini-2.5-flash:generateContent");
  CHECK(path("models/gemini-2.5-flash", true) ==
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
  CHECK(path("tunedModels/my_model.v2") == "/v1beta/tunedModels/my_model.v2:generateContent");
  CHECK(path("gemini-x+fail=400") == "/v1beta/models/gemini-x+fail=400:generateContent");
  const std::string refused = "error 400 invalid_request_error invalid_model model";
  for (const char* bad :
       {"../../admin/x?y#", "x:generateContent?key=abc&", "gemini\r\nX-Evil: 1", "a b", "a/b",
        "models/../x", "..", ".", "", "models/", "tunedModels/a/b", "a%2F..", "a#", "a?",
        "caf\xc3\xa9", "a\tb", "models/models/x", "x..y", "a\x7f"}) {
    CAPTURE(bad);
    CHECK(path(bad) == refused);
    CHECK(path(bad, true) == refused);
  }
}

TEST_CASE("gemini: model_resource percent-encodes what it passes") {
  CHECK(gw::providers::gemini::model_resource("gemini-1.5-pro-002") == "models/gemini-1.5-pro-002");
  CHECK_FALSE(gw::providers::gemini::model_resource("a:b").has_value());
  CHECK(gw::providers::percent_encode_segment("a/b?c#d e%:&@") == "a%2Fb%3Fc%23d%20e%25%3A%26%40");
  CHECK(gw::providers::percent_encode_segment("Az09-_.~+=") == "Az09-_.~+=");
}

TEST_CASE("openai and anthropic: no client string reaches the path or a header") {
  for (const std::string kind : {"openai", "anthropic"}) {
    CAPTURE(kind);
    auto p = provider(kind);
    auto req =
        gw::test::chat_request(R"({"model":"x","user":"u\r\nX: 1","metadata":{"user_id":"../a"},
        "messages":[{"role":"user","content":"hi"}]})");
    auto c = adapter_for(kind)->build_request(req, Target{&p, "../../admin?x#"}, true);
    REQUIRE(c.has_value());
    CHECK(c->path == (kind == "openai" ? "/chat/completions" : "/v1/messages"));
    for (const auto& [k, v] : c->headers) {
      CAPTURE(k);
      CHECK(v.find_first_of("\r\n") == std::string::npos);
      CHECK(v.find("admin") == std::string::npos);
    }
  }
}

// ---- 2. nesting depth of upstream JSON ----------------------------------------------------

TEST_CASE("json: parse_json_bounded refuses texts nested past the bound, strings aside") {
  CHECK(gw::api::parse_json_bounded(nested(128)).is_array());
  CHECK(gw::api::parse_json_bounded(nested(129)).is_discarded());
  CHECK(gw::api::parse_json_bounded(nested(5, "1"), 5).is_array());
  CHECK(gw::api::parse_json_bounded(nested(6, "1"), 5).is_discarded());
  CHECK(gw::api::parse_json_bounded(R"(["[[[[[[[[\"[[[["])", 2).is_array());
  CHECK(gw::api::json_depth(nested(10000), 128) == 129);  // stops counting past the limit
}

TEST_CASE("answers nested 5000 deep are a 502 bad_upstream_response, not a crash") {
  std::string deep = nested(5000);
  const std::map<std::string, std::string> bodies = {
      {"openai",
       R"({"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
        "message":{"role":"assistant","content":"hi"},"finish_reason":"stop","logprobs":)" +
           deep + "}]}"},
      {"anthropic",
       R"({"type":"message","role":"assistant","model":"m","content":[{"type":"tool_use",
        "id":"t","name":"f","input":{"a":)" +
           deep + "}}]}"},
      {"gemini", R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":)" +
                     deep + "}}}]}}]}"},
  };
  for (const auto& [kind, body] : bodies) {
    CAPTURE(kind);
    auto p = provider(kind);
    auto r = adapter_for(kind)->parse_response(body, Target{&p, "m"});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().status == 502);
    CHECK(r.error().code == "bad_upstream_response");
    CHECK(r.error().message.starts_with(kind + ": "));
    // An error body that deep still maps by status alone.
    auto e = adapter_for(kind)->parse_error(429, R"({"error":)" + deep + "}", {}, Target{&p, "m"});
    CHECK(e.status == 429);
  }
}

TEST_CASE("answers as deep as real ones still parse (logprobs, tool input, nested args)") {
  std::string args = nested(100, R"({"k":"v"})");
  auto p = provider("anthropic");
  auto r = adapter_for("anthropic")
               ->parse_response(R"({"type":"message","content":[{"type":"tool_use","id":"t",
                   "name":"f","input":{"a":)" +
                                    args + "}}]}",
                                Target{&p, "m"});
  REQUIRE(r.has_value());
  CHECK(r->choices[0].message.tool_calls.size() == 1);
  auto o = provider("openai");
  auto a = adapter_for("openai")->parse_response(
      R"({"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
        "message":{"role":"assistant","content":"hi"},"finish_reason":"stop","logprobs":{"content":)" +
          nested(60) + "}}]}",
      Target{&o, "m"});
  REQUIRE(a.has_value());
}

TEST_CASE("stream events nested 5000 deep end the stream with a 502") {
  std::string deep = nested(5000);
  {
    auto p = provider("openai");
    auto d = decode("openai", p, {{"", R"({"id":"c","choices":[],"x":)" + deep + "}"}});
    REQUIRE(d.error.has_value());
    CHECK(d.error->status == 502);
    CHECK(d.error->code == "bad_upstream_response");
  }
  {
    auto p = provider("anthropic");
    auto d =
        decode("anthropic", p, {{"message_start", R"({"type":"message_start","x":)" + deep + "}"}});
    REQUIRE(d.error.has_value());
    CHECK(d.error->status == 502);
    CHECK(d.error->code == "bad_upstream_response");
  }
  {
    auto p = provider("gemini");
    auto d = decode("gemini", p,
                    {{"", R"({"candidates":[],"x":)" + deep + "}"},
                     {"", R"({"candidates":[{"finishReason":"STOP"}]})"}});
    REQUIRE(d.error.has_value());  // malformed, then another event: the error
    CHECK(d.error->status == 502);
    CHECK(d.error->code == "bad_upstream_response");
  }
}

TEST_CASE("client tool-call arguments nested past 128 levels are a 400 naming them") {
  for (const std::string kind : {"anthropic", "gemini"}) {
    CAPTURE(kind);
    auto p = provider(kind);
    auto body = [](const std::string& args) {
      return R"({"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant",
          "tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":)" +
             Json(args).dump() + R"(}}]},{"role":"tool","tool_call_id":"call_1","content":"ok"}]})";
    };
    auto a = adapter_for(kind);
    auto deep = gw::test::build_call(*a, body(R"({"a":)" + nested(3000) + "}"), Target{&p, "m"});
    REQUIRE_FALSE(deep.has_value());
    CHECK(deep.error().status == 400);
    CHECK(deep.error().param == "messages[1].tool_calls[0].function.arguments");
    auto fine = gw::test::build_call(*a, body(R"({"a":)" + nested(100) + "}"), Target{&p, "m"});
    REQUIRE(fine.has_value());
    CHECK(fine->body.find(nested(100)) != std::string::npos);
    auto bad = gw::test::build_call(*a, body("{not json"), Target{&p, "m"});
    REQUIRE(bad.has_value());  // bad JSON still becomes {}
  }
}

TEST_CASE("gemini: $ref inlining stays bounded in size and depth (a doubling schema bomb)") {
  // D0 → D1 twice → D2 twice ... 20 levels: 2^20 refs and ~40 MB if inlined naively.
  Json defs = Json::object();
  for (int i = 0; i < 20; ++i) {
    std::string next = "#/$defs/D" + std::to_string(i + 1);
    defs["D" + std::to_string(i)] = {
        {"type", "object"}, {"properties", {{"a", {{"$ref", next}}}, {"b", {{"$ref", next}}}}}};
  }
  defs["D20"] = {{"type", "string"}};
  Json schema = {{"$defs", defs}, {"$ref", "#/$defs/D0"}};
  Json out = gw::providers::gemini::clean_schema(schema);
  std::string text = out.dump();
  CHECK(text.size() < 16u << 20);
  CHECK(gw::api::json_depth(text, 1000) <= 200);
  // A chain of defs each nested deep cannot build an output deeper than the bound either.
  Json chain = Json::object();
  for (int i = 0; i < 100; ++i) {
    Json inner = {{"$ref", "#/$defs/C" + std::to_string(i + 1)}};
    for (int k = 0; k < 50; ++k) inner = {{"type", "object"}, {"properties", {{"x", inner}}}};
    chain["C" + std::to_string(i)] = inner;
  }
  Json deep = gw::providers::gemini::clean_schema({{"$defs", chain}, {"$ref", "#/$defs/C0"}});
  CHECK(gw::api::json_depth(deep.dump(), 100000) <= 400);
}

// ---- 6. secrets in forwarded upstream errors ---------------------------------------------

TEST_CASE("mask_secrets: the key, header values and the token after an auth scheme") {
  auto p = provider("openai");
  CHECK(gw::providers::mask_secrets(
            "bad key key-SECRET-0123456789 (proxy-token-abcdef, tenant-42-secret) "
            "key-SECRET-0123456789",
            p) == "bad key *** (***, ***) ***");
  CHECK(gw::providers::mask_secrets("nothing to hide", p) == "nothing to hide");
  p.api_key = "abc";  // too short to be a secret: left alone rather than garbling the text
  CHECK(gw::providers::mask_secrets("abc", p) == "abc");
}

TEST_CASE("every adapter's parse_error masks the provider's secrets in the message") {
  const std::map<std::string, std::string> bodies = {
      {"openai",
       R"({"error":{"message":"Incorrect API key provided: key-SECRET-0123456789 via Bearer proxy-token-abcdef","type":"invalid_request_error"}})"},
      {"anthropic",
       R"({"type":"error","error":{"type":"invalid_request_error","message":"key-SECRET-0123456789 and tenant-42-secret rejected"}})"},
      {"gemini",
       R"({"error":{"code":400,"status":"INVALID_ARGUMENT","message":"API key key-SECRET-0123456789 not valid; proxy-token-abcdef"}})"},
  };
  for (const auto& [kind, body] : bodies) {
    CAPTURE(kind);
    auto p = provider(kind);
    auto e = adapter_for(kind)->parse_error(400, body, {}, Target{&p, "m"});
    CHECK(e.message.find("SECRET") == std::string::npos);
    CHECK(e.message.find("proxy-token") == std::string::npos);
    CHECK(e.message.find("tenant-42") == std::string::npos);
    CHECK(e.message.find("***") != std::string::npos);
  }
}

}  // namespace

// Found by fuzz/ (fuzz/findings/): the sender picks every JSON type, and nlohmann's value()
// throws on a mismatched one while get<int>() of 1e300 is undefined behaviour.
TEST_CASE("hostile types: as_int, int_or and str_or never throw or overflow") {
  using gw::api::as_int;
  CHECK(as_int<int>(Json(1e300)) == std::nullopt);
  CHECK(as_int<int>(Json(-1e300)) == std::nullopt);
  CHECK(as_int<int>(Json(2.5)) == std::nullopt);
  CHECK(as_int<int>(Json(3.0)) == 3);
  CHECK(as_int<int>(Json(int64_t{1} << 40)) == std::nullopt);
  CHECK(as_int<int64_t>(Json(uint64_t{18446744073709551615ULL})) == std::nullopt);
  CHECK(as_int<int64_t>(Json(9223372036854775808.0)) == std::nullopt);
  CHECK(as_int<int64_t>(Json(-9223372036854775808.0)) == INT64_MIN);
  CHECK(as_int<int>(Json("7")) == std::nullopt);
  CHECK(gw::api::int_or<int64_t>(Json::parse(R"({"index":1e300})"), "index", -1) == -1);
  CHECK(gw::api::str_or(Json::parse(R"({"type":5})"), "type") == "");
  CHECK(gw::api::str_or(Json::parse(R"({"type":"text"})"), "type") == "text");
  CHECK(gw::api::str_or(Json::array(), "type", "x") == "x");
}

TEST_CASE("hostile types: decoders take mistyped fields without throwing") {
  auto pa = provider("anthropic");
  Decoded a = decode("anthropic", pa,
                     {{"message_start", R"({"type":"message_start","message":{"id":"m","usage":
                        {"input_tokens":3,"output_tokens":1}}})"},
                      {"content_block_start", R"({"type":5,"index":1e300,"content_block":
                        {"type":{"x":1},"name":7,"id":[1]}})"},
                      {"content_block_delta", R"({"type":"content_block_delta","index":-1e300,
                        "delta":{"type":3,"partial_json":"{}"}})"}});
  CHECK(!a.error);
  auto po = provider("openai");
  Decoded o =
      decode("openai", po, {{"", R"({"id":"c","object":"chat.completion.chunk","created":1e300,
                        "model":"m","choices":[{"index":-1e300,"delta":{"content":"hi",
                        "tool_calls":[{"index":1e300,"function":{"name":"f"}}]}}]})"}});
  CHECK(!o.error);
  for (const char* body :
       {R"({"type":7,"content":[{"type":"text","text":"x"}]})",
        R"({"id":"m","type":"message","role":"assistant","content":[{"type":9,"name":1,"id":2}],
           "usage":{"input_tokens":1,"output_tokens":1}})"}) {
    auto r = adapter_for("anthropic")->parse_response(body, Target{&pa, "m"});
    (void)r;  // an answer or a 502: either way no exception and no UB
  }
}
