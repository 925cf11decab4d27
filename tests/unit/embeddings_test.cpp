// Embeddings: the request read and validated as OpenAI does (400 naming the param), the body
// an OpenAI-compatible upstream gets, base64 of little-endian float32 both ways, the Gemini
// translation (:batchEmbedContents) each way, the OpenAI answer read for usage and relayed,
// the mock's vectors, and Gateway::embed through the stages (guard masking, the limits ask,
// failover), the router and the ledger's outcome.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "api/embeddings.hpp"
#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "gateway/guard.hpp"
#include "gateway/pipeline.hpp"
#include "providers/embeddings.hpp"
#include "providers/mock_provider.hpp"
#include "server/embeddings_endpoint.hpp"

namespace {

using gw::api::EmbeddingRequest;
using gw::api::Json;
using Kind = EmbeddingRequest::InputKind;

EmbeddingRequest parsed(std::string_view body) {
  auto r = gw::api::parse_embedding_request(body);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

gw::Error refused(std::string_view body) {
  auto r = gw::api::parse_embedding_request(body);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().status == 400);
  CHECK(r.error().type == "invalid_request_error");
  return r.error();
}

gw::config::Config config_of(const std::string& toml) {
  auto c = gw::config::parse_config(toml, "t.toml");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return *c;
}

}  // namespace

TEST_CASE("embeddings request: the four input shapes and the optional fields") {
  auto one = parsed(R"({"model":"m","input":"hello world"})");
  CHECK(one.input_kind == Kind::text);
  CHECK(one.texts == std::vector<std::string>{"hello world"});
  CHECK(one.count() == 1);
  CHECK_FALSE(one.base64());
  CHECK_FALSE(one.dimensions);

  auto many = parsed(
      R"({"model":"m","input":["a","b c"],"encoding_format":"base64","dimensions":256,"user":"u1"})");
  CHECK(many.input_kind == Kind::texts);
  CHECK(many.count() == 2);
  CHECK(many.base64());
  CHECK(many.dimensions == 256);
  CHECK(many.user == "u1");

  auto ids = parsed(R"({"model":"m","input":[1,2,3]})");
  CHECK(ids.input_kind == Kind::tokens);
  CHECK(ids.count() == 1);
  CHECK(ids.tokens[0] == std::vector<int64_t>{1, 2, 3});

  auto lists = parsed(R"({"model":"m","input":[[1],[2,3]],"encoding_format":null})");
  CHECK(lists.input_kind == Kind::token_lists);
  CHECK(lists.count() == 2);
  CHECK_FALSE(lists.encoding_format);
}

TEST_CASE("embeddings request: bad input is a 400 naming the param") {
  CHECK(refused(R"({"input":"x"})").param == "model");
  CHECK(refused(R"({"model":"m"})").param == "input");
  CHECK(refused(R"({"model":"m","input":""})").param == "input");
  CHECK(refused(R"({"model":"m","input":[]})").param == "input");
  CHECK(refused(R"({"model":"m","input":["a",""]})").param == "input[1]");
  CHECK(refused(R"({"model":"m","input":["a",2]})").param == "input[1]");
  CHECK(refused(R"({"model":"m","input":[[1],"a"]})").param == "input[1]");
  CHECK(refused(R"({"model":"m","input":[[]]})").param == "input[0]");
  CHECK(refused(R"({"model":"m","input":[1,-2]})").param == "input[1]");
  CHECK(refused(R"({"model":"m","input":[1,2.5]})").param == "input[1]");
  CHECK(refused(R"({"model":"m","input":{"a":1}})").param == "input");
  CHECK(refused(R"({"model":"m","input":true})").param == "input");
  CHECK(refused(R"({"model":"m","input":"x","encoding_format":"int8"})").param ==
        "encoding_format");
  CHECK(refused(R"({"model":"m","input":"x","dimensions":0})").param == "dimensions");
  CHECK(refused(R"({"model":"m","input":"x","dimensions":"8"})").param == "dimensions");
  CHECK(refused(R"({"model":"m","input":"x","dimensions":1e9})").param == "dimensions");
  CHECK(refused(R"({"model":"m","input":"x","user":5})").param == "user");
  CHECK(refused(R"({"model":7,"input":"x"})").param == "model");
  CHECK(refused("[1]").param.empty());
  CHECK(refused("not json").param.empty());

  // At most 2048 inputs; every string bounded.
  Json many = {{"model", "m"}, {"input", std::vector<std::string>(2049, "x")}};
  CHECK(refused(many.dump()).param == "input");
  many["input"] = std::vector<std::string>(2048, "x");
  CHECK(parsed(many.dump()).count() == 2048);
  Json big = {{"model", "m"},
              {"input", {"ok", std::string(gw::api::kMaxEmbeddingTextBytes + 1, 'a')}}};
  CHECK(refused(big.dump()).param == "input[1]");
}

TEST_CASE("embeddings request: an OpenAI-compatible upstream gets the body as sent, its model") {
  auto r = parsed(R"({"model":"fast","input":["a"],"dimensions":64,"encoding_format":"base64",)"
                  R"("user":"u","vendor_option":{"x":1}})");
  Json up = Json::parse(gw::api::serialize_upstream(r, "text-embedding-3-small"));
  CHECK(up == Json::parse(R"({"model":"text-embedding-3-small","input":["a"],"dimensions":64,
      "encoding_format":"base64","user":"u","vendor_option":{"x":1}})"));
  // The input's shape is kept: one string stays a string, token ids stay ids.
  CHECK(Json::parse(gw::api::serialize_upstream(parsed(R"({"model":"m","input":"a"})"), "x"))
            .at("input") == "a");
  CHECK(Json::parse(gw::api::serialize_upstream(parsed(R"({"model":"m","input":[5,6]})"), "x"))
            .at("input") == Json::parse("[5,6]"));
}

TEST_CASE("embeddings: base64 is little-endian float32, and decodes back") {
  std::vector<double> v = {1.0, -2.5, 0.0009765625};
  // 1.0f = 00 00 80 3f; -2.5f = 00 00 20 c0; 2^-10 = 00 00 80 3a.
  CHECK(gw::api::encode_float32_base64(v) == "AACAPwAAIMAAAIA6");
  auto back = gw::api::decode_float32_base64("AACAPwAAIMAAAIA6");
  REQUIRE(back);
  CHECK(*back == std::vector<float>{1.0f, -2.5f, 0.0009765625f});
  CHECK(gw::api::encode_float32_base64(std::vector<double>{1.0, 1.0}) == "AACAPwAAgD8=");
  CHECK(gw::api::decode_float32_base64("AACAPwAAgD8=") == std::vector<float>{1.0f, 1.0f});
  CHECK_FALSE(gw::api::decode_float32_base64("AAC"));           // not a whole quantum
  CHECK_FALSE(gw::api::decode_float32_base64("AA*APwAAgD8="));  // not the alphabet
  CHECK_FALSE(gw::api::decode_float32_base64("AACA"));          // three bytes: no whole float
}

TEST_CASE("embeddings answer: the OpenAI list, as numbers or base64") {
  gw::api::EmbeddingResponse r;
  r.model = "gemini-embedding-001";
  r.data = {{0.5, -0.25}, {1.0}};
  gw::api::Usage u;
  u.prompt_tokens = u.total_tokens = 7;
  r.usage = u;
  Json floats = Json::parse(gw::api::serialize(r, false));
  CHECK(floats == Json::parse(R"({"object":"list","model":"gemini-embedding-001",
      "data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]},
              {"object":"embedding","index":1,"embedding":[1.0]}],
      "usage":{"prompt_tokens":7,"total_tokens":7}})"));
  Json b64 = Json::parse(gw::api::serialize(r, true));
  CHECK(b64["data"][1]["embedding"] == "AACAPw==");
  CHECK(gw::api::decode_float32_base64(b64["data"][0]["embedding"].get<std::string>()) ==
        std::vector<float>{0.5f, -0.25f});
  // Numbers go out as the upstream wrote them, not narrowed to float32.
  r.data = {{0.1234567890123}};
  CHECK(Json::parse(gw::api::serialize(r, false))["data"][0]["embedding"][0] == 0.1234567890123);
}

TEST_CASE("gemini embeddings: one batchEmbedContents call, dimensions as outputDimensionality") {
  auto f = gw::test::gemini_fixture();
  f.model = "gemini-embedding-001";
  auto req = parsed(R"({"model":"g","input":["first","second"],"dimensions":3})");
  auto call = f.adapter->build_embedding_request(req, f.target());
  REQUIRE(call);
  CHECK(call->path == "/v1beta/models/gemini-embedding-001:batchEmbedContents");
  CHECK(gw::net::header_value(call->headers, "x-goog-api-key") == "AIza-test");
  CHECK(Json::parse(call->body) == Json::parse(R"({"requests":[
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"first"}]},
       "outputDimensionality":3},
      {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"second"}]},
       "outputDimensionality":3}]})"));

  // Token ids have no Gemini equivalent; nor do more than 100 inputs in one call.
  auto ids =
      f.adapter->build_embedding_request(parsed(R"({"model":"g","input":[1,2]})"), f.target());
  REQUIRE_FALSE(ids);
  CHECK(ids.error().status == 400);
  CHECK(ids.error().param == "input");
  Json many = {{"model", "g"}, {"input", std::vector<std::string>(101, "x")}};
  auto over = f.adapter->build_embedding_request(parsed(many.dump()), f.target());
  REQUIRE_FALSE(over);
  CHECK(over.error().param == "input");
  // A model id that would change the URL never reaches it.
  f.model = "a/../b";
  CHECK_FALSE(f.adapter->build_embedding_request(req, f.target()));
}

TEST_CASE("gemini embeddings: the values come back as the vectors, with no usage") {
  auto f = gw::test::gemini_fixture();
  f.model = "gemini-embedding-001";
  auto req = parsed(R"({"model":"g","input":["a","b"]})");
  auto r = f.adapter->parse_embedding_response(
      R"({"embeddings":[{"values":[0.5,-1,0.125]},{"values":[2]}]})", req, f.target());
  REQUIRE(r);
  REQUIRE(r->data.size() == 2);
  CHECK(r->data[0] == std::vector<double>{0.5, -1.0, 0.125});
  CHECK(r->data[1] == std::vector<double>{2.0});
  CHECK_FALSE(r->usage);
  CHECK(r->raw.empty());  // gw writes this answer itself
  CHECK(r->model == "gemini-embedding-001");

  for (const char* bad : {R"({"embeddings":[{"values":[1]}]})",  // one vector for two inputs
                          R"({"embeddings":[{"values":[1]},{"x":1}]})",  // no values
                          R"({"embeddings":[{"values":["1"]},{"values":[1]}]})", "[]", "{"}) {
    auto e = f.adapter->parse_embedding_response(bad, req, f.target());
    REQUIRE_FALSE(e);
    CHECK(e.error().status == 502);
  }
  // Its errors read as any Gemini error.
  auto e = f.adapter->parse_error(
      429, R"({"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}})", {},
      f.target());
  CHECK(e.status == 429);
}

TEST_CASE("openai embeddings: passed on as sent, the answer relayed with its usage read") {
  auto cfg = gw::test::provider_config("openai", "https://api.example/v1", "sk-1");
  auto adapter = gw::providers::make_openai_adapter();
  gw::providers::Target t{&cfg, "text-embedding-3-small"};
  auto req = parsed(R"({"model":"oa/text-embedding-3-small","input":["a","b"],"dimensions":2})");
  auto call = adapter->build_embedding_request(req, t);
  REQUIRE(call);
  CHECK(call->path == "/embeddings");
  CHECK(gw::net::header_value(call->headers, "Authorization") == "Bearer sk-1");
  CHECK(Json::parse(call->body)["model"] == "text-embedding-3-small");

  const std::string body =
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPw=="},)"
      R"({"object":"embedding","index":1,"embedding":"AACAPw=="}],"model":"text-embedding-3-small",)"
      R"("usage":{"prompt_tokens":9,"total_tokens":9}})";
  auto r = adapter->parse_embedding_response(body, req, t);
  REQUIRE(r);
  CHECK(r->raw == body);
  REQUIRE(r->usage);
  CHECK(r->usage->prompt_tokens == 9);
  CHECK(r->usage->completion_tokens == 0);

  // Unbelievable or missing usage: none (the gateway estimates); a body that is no list: 502.
  auto absurd = adapter->parse_embedding_response(
      R"({"data":[{},{}],"usage":{"prompt_tokens":-3,"total_tokens":-3}})", req, t);
  REQUIRE(absurd);
  CHECK_FALSE(absurd->usage);
  auto none = adapter->parse_embedding_response(R"({"data":[{},{}]})", req, t);
  REQUIRE(none);
  CHECK_FALSE(none->usage);
  for (const char* bad : {R"({"data":[{}]})", R"({"object":"list"})", "nope"}) {
    auto e = adapter->parse_embedding_response(bad, req, t);
    REQUIRE_FALSE(e);
    CHECK(e.error().status == 502);
  }
  // An Anthropic target has no embeddings: a 400, not an upstream call.
  auto ant = gw::test::anthropic_fixture();
  auto no = ant.adapter->build_embedding_request(req, ant.target());
  REQUIRE_FALSE(no);
  CHECK(no.error().status == 400);
  CHECK(no.error().code == "model_not_supported");
}

TEST_CASE("mock embeddings: deterministic vectors, dimensions honoured, estimated usage") {
  gw::providers::MockProvider mock;
  auto cfg = gw::test::provider_config("mock");
  gw::providers::Target t{&cfg, "echo"};
  gw::providers::CallStats stats;
  auto req = parsed(R"({"model":"mock/echo","input":["same","same","other"],"dimensions":5})");
  auto r = mock.embed(req, t, stats);
  REQUIRE(r);
  REQUIRE(r->data.size() == 3);
  CHECK(r->data[0].size() == 5);
  CHECK(r->data[0] == r->data[1]);
  CHECK(r->data[0] != r->data[2]);
  for (double x : r->data[2]) CHECK((x >= -1.0 && x <= 1.0));
  REQUIRE(r->usage);
  CHECK(r->usage->prompt_tokens == gw::providers::estimate_embedding_tokens(req));
  CHECK(mock.embed(parsed(R"({"model":"m","input":"x"})"), t, stats)->data[0].size() == 16);
  gw::providers::Target failing{&cfg, "fail-429"};
  auto e = mock.embed(req, failing, stats);
  REQUIRE_FALSE(e);
  CHECK(e.error().status == 429);
}

TEST_CASE("embeddings estimate: ~4 bytes a token for texts, one per id for token arrays") {
  CHECK(gw::providers::estimate_embedding_tokens(parsed(R"({"model":"m","input":"12345678"})")) ==
        2);
  CHECK(gw::providers::estimate_embedding_tokens(
            parsed(R"({"model":"m","input":[[1,2,3],[4]]})")) == 4);
}

namespace {

// Records what it was asked, answers with a usage of 11 (or fails with `status`).
struct Recorder : gw::providers::Provider {
  std::vector<std::string>* seen;
  int status = 0;
  explicit Recorder(std::vector<std::string>* s, int fail_status = 0)
      : seen(s), status(fail_status) {}
  gw::Result<gw::api::ChatResponse> complete(const gw::api::ChatRequest&,
                                             const gw::providers::Target&,
                                             gw::providers::CallStats&) override {
    return gw::fail(gw::Error::internal("not chat"));
  }
  gw::Result<gw::providers::StreamResult> stream(const gw::api::ChatRequest&,
                                                 const gw::providers::Target&,
                                                 const gw::providers::ChunkSink&,
                                                 gw::providers::CallStats&) override {
    return gw::fail(gw::Error::internal("not chat"));
  }
  gw::Result<gw::api::EmbeddingResponse> embed(const gw::api::EmbeddingRequest& req,
                                               const gw::providers::Target& t,
                                               gw::providers::CallStats&) override {
    for (const auto& s : req.texts) seen->push_back(t.label() + ": " + s);
    if (status) return gw::fail(gw::Error::upstream(status, "busy", "rate_limit_exceeded"));
    gw::api::EmbeddingResponse r;
    r.data.assign(req.count(), {0.5});
    gw::api::Usage u;
    u.prompt_tokens = u.total_tokens = 11;
    r.usage = u;
    return r;
  }
};

// Sees what the stages see of the request and the limits ask.
struct Spy : gw::gateway::Filter {
  std::vector<std::string>* texts;
  int64_t* input_tokens;
  Spy(std::vector<std::string>* t, int64_t* n) : texts(t), input_tokens(n) {}
  std::string_view name() const override { return "spy"; }
  gw::Result<void> on_request(gw::api::ChatRequest& req,
                              gw::gateway::RequestContext& ctx) override {
    for (const auto& m : req.messages) texts->push_back(m.role + ": " + m.text);
    *input_tokens = ctx.input_only_tokens.value_or(-1);
    return {};
  }
};

}  // namespace

TEST_CASE("gateway embed: the guard masks the input strings, usage is input only") {
  auto cfg = config_of(R"(
[providers.up]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-test"
[guard]
pii = ["email"]
action = "mask"
)");
  std::vector<std::string> stage_saw, upstream_saw;
  int64_t ask = 0;
  std::vector<std::unique_ptr<gw::gateway::Filter>> stages;
  stages.push_back(std::make_unique<Spy>(&stage_saw, &ask));
  auto guard = gw::gateway::Guard::open(cfg);
  REQUIRE(guard);
  stages.push_back(std::move(*guard));
  gw::gateway::Gateway g(cfg, std::move(stages));
  g.providers().replace("openai", std::make_unique<Recorder>(&upstream_saw));

  auto req = parsed(R"({"model":"up/emb","input":["mail bob@example.com now","plain"]})");
  gw::gateway::RequestContext ctx;
  ctx.endpoint = "embeddings";
  gw::gateway::Outcome out;
  auto r = g.embed(req, ctx, out);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(stage_saw == std::vector<std::string>{"user: mail bob@example.com now", "user: plain"});
  CHECK(ask == gw::providers::estimate_embedding_tokens(req));
  CHECK(upstream_saw == std::vector<std::string>{"up/emb: mail <EMAIL_1> now", "up/emb: plain"});
  CHECK(ctx.state.pii_counts.find("EMAIL") != std::string::npos);
  CHECK(out.status == 200);
  CHECK(out.endpoint == "embeddings");
  REQUIRE(out.usage);
  CHECK(out.usage->prompt_tokens == 11);
  CHECK(out.usage->completion_tokens == 0);
  CHECK_FALSE(out.usage_estimated);
  CHECK(r->data.size() == 2);
}

TEST_CASE("gateway embed: a guard in block mode refuses before any upstream call") {
  auto cfg = config_of(R"(
[providers.up]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-test"
[guard]
pii = ["email"]
action = "block"
)");
  std::vector<std::string> upstream_saw;
  std::vector<std::unique_ptr<gw::gateway::Filter>> stages;
  auto guard = gw::gateway::Guard::open(cfg);
  REQUIRE(guard);
  stages.push_back(std::move(*guard));
  gw::gateway::Gateway g(cfg, std::move(stages));
  g.providers().replace("openai", std::make_unique<Recorder>(&upstream_saw));
  gw::gateway::RequestContext ctx;
  gw::gateway::Outcome out;
  auto r = g.embed(parsed(R"({"model":"up/emb","input":["to a@b.org"]})"), ctx, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "pii_detected");
  CHECK(upstream_saw.empty());
  CHECK(out.status == 400);
}

TEST_CASE("gateway embed: a route fails over from a rate-limited target; Gemini is estimated") {
  auto cfg = config_of(R"(
[providers.busy]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-test"
[providers.gem]
kind = "gemini"
base_url = "http://127.0.0.1:9"
api_key = "g"
[routes.emb]
strategy = "fallback"
targets = ["busy/e1", "gem/e2"]
)");
  std::vector<std::string> seen;
  gw::gateway::Gateway g(cfg, {});
  g.providers().replace("openai", std::make_unique<Recorder>(&seen, 429));
  struct NoUsage : Recorder {
    using Recorder::Recorder;
    gw::Result<gw::api::EmbeddingResponse> embed(const gw::api::EmbeddingRequest& req,
                                                 const gw::providers::Target& t,
                                                 gw::providers::CallStats& s) override {
      auto r = Recorder::embed(req, t, s);
      if (r) r->usage.reset();
      return r;
    }
  };
  g.providers().replace("gemini", std::make_unique<NoUsage>(&seen));
  gw::gateway::RequestContext ctx;
  gw::gateway::Outcome out;
  auto req = parsed(R"({"model":"emb","input":"twelve bytes"})");
  auto r = g.embed(req, ctx, out);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(seen == std::vector<std::string>{"busy/e1: twelve bytes", "gem/e2: twelve bytes"});
  CHECK(out.provider == "gem");
  CHECK(out.attempts.size() == 2);
  REQUIRE(out.usage);
  CHECK(out.usage->prompt_tokens == 3);  // gw's estimate: 12 bytes
  CHECK(out.usage_estimated);
  REQUIRE(r->usage);  // the client sees the figure the ledger records
  CHECK(r->usage->prompt_tokens == 3);
}

TEST_CASE("GET /v1/models/{id}: the id percent-decoded and checked") {
  using gw::server::model_id_of_path;
  CHECK(model_id_of_path("/v1/models/gpt-4o", "/v1/models/") == "gpt-4o");
  CHECK(model_id_of_path("/v1/models/anthropic%2Fclaude-sonnet-4-5", "/v1/models/") ==
        "anthropic/claude-sonnet-4-5");
  CHECK(model_id_of_path("/v1/models/mock/echo", "/v1/models/") == "mock/echo");
  CHECK(model_id_of_path("/models/a%3Ab", "/models/") == "a:b");
  CHECK_FALSE(model_id_of_path("/v1/models/a%2", "/v1/models/"));
  CHECK_FALSE(model_id_of_path("/v1/models/a%zz", "/v1/models/"));
  CHECK_FALSE(model_id_of_path("/v1/models/a%00b", "/v1/models/"));
  CHECK_FALSE(model_id_of_path("/v1/models/a%2F..%2Fb", "/v1/models/"));
  CHECK_FALSE(model_id_of_path("/v1/models/", "/v1/models/"));
  CHECK_FALSE(model_id_of_path("/v1/models/a b", "/v1/models/"));
}
