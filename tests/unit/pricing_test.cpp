// Pricing: the cost arithmetic (cached reads, cache writes, tiers), model lookup through dated
// snapshots, config overrides and their version stamp, unknown and mock models.
#include <doctest/doctest.h>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "gateway/gateway.hpp"
#include "gateway/meter.hpp"
#include "gateway/pricing.hpp"

namespace {

using gw::api::Usage;
using gw::gateway::PriceTable;

Usage usage(int64_t prompt, int64_t completion, int64_t cached = 0, int64_t cache_write = 0) {
  Usage u;
  u.prompt_tokens = prompt;
  u.completion_tokens = completion;
  u.total_tokens = prompt + completion;
  u.cached_tokens = cached;
  u.cache_write_tokens = cache_write;
  return u;
}

gw::config::Config config_with(std::map<std::string, gw::config::Price> prices) {
  gw::config::Config c;
  c.providers["openai"] = {"openai", "openai", "", "", "", 600, 10, 120, {}, false, 0};
  c.providers["local"] = {"local", "openai", "", "", "", 600, 10, 120, {}, false, 0};
  c.providers["mock"] = {"mock", "mock", "", "", "", 600, 10, 120, {}, false, 0};
  c.providers["az"] = {"az", "azure", "", "", "", 600, 10, 120, {}, false, 0};
  c.providers["vx"] = {"vx", "vertex", "", "", "", 600, 10, 120, {}, false, 0};
  c.providers["br"] = {"br", "bedrock", "", "", "", 600, 10, 120, {}, false, 0};
  c.prices = std::move(prices);
  return c;
}

}  // namespace

TEST_CASE("cost: uncached input, cached reads and output at their own rates") {
  gw::gateway::Rates r{2.50, 10.00, 1.25, std::nullopt};
  // 800 uncached × 2.50 + 200 cached × 1.25 + 500 out × 10.00 = 7250 per million
  CHECK(gw::gateway::cost_usd(r, usage(1000, 500, 200)) ==
        (800 * 2.50 + 200 * 1.25 + 500 * 10.00) / 1e6);
  CHECK(gw::gateway::cost_usd(r, usage(1000, 500, 200)) == doctest::Approx(0.00725).epsilon(1e-12));
}

TEST_CASE("cost: Anthropic cache writes and reads (claude-sonnet-4-5)") {
  PriceTable t;
  auto p = t.lookup("anthropic", "claude-sonnet-4-5");
  REQUIRE(p);
  // prompt 10000 = 4000 uncached + 4000 cache reads + 2000 cache writes
  double want = (4000 * 3.00 + 4000 * 0.30 + 2000 * 3.75 + 1000 * 15.00) / 1e6;
  CHECK(gw::gateway::cost_usd(*p, usage(10000, 1000, 4000, 2000)) == want);
  CHECK(want == doctest::Approx(0.0357).epsilon(1e-12));
}

TEST_CASE("cost: unset cached and cache-write prices default to the input price") {
  gw::gateway::Rates r{1.0, 2.0, std::nullopt, std::nullopt};
  CHECK(gw::gateway::cost_usd(r, usage(100, 10, 30, 20)) == (100 * 1.0 + 10 * 2.0) / 1e6);
}

TEST_CASE("cost: reasoning tokens are output tokens, never charged twice") {
  gw::gateway::Rates r{1.10, 4.40, 0.275, std::nullopt};
  Usage u = usage(100, 1000);
  u.reasoning_tokens = 800;
  CHECK(gw::gateway::cost_usd(r, u) == (100 * 1.10 + 1000 * 4.40) / 1e6);
}

TEST_CASE(
    "cost: a confused upstream reporting more cached than prompt tokens costs no negative input") {
  gw::gateway::Rates r{2.0, 8.0, 0.5, std::nullopt};
  CHECK(gw::gateway::cost_usd(r, usage(100, 0, 150)) == (150 * 0.5) / 1e6);
}

TEST_CASE("cost: long-context tier applies to the whole request above the threshold") {
  PriceTable t;
  auto p = t.lookup("gemini", "gemini-2.5-pro");
  REQUIRE(p);
  CHECK(gw::gateway::cost_usd(*p, usage(200000, 1000)) == (200000 * 1.25 + 1000 * 10.0) / 1e6);
  CHECK(gw::gateway::cost_usd(*p, usage(200001, 1000)) == (200001 * 2.50 + 1000 * 15.0) / 1e6);
}

TEST_CASE("lookup: dated snapshots and aliases resolve to their model") {
  PriceTable t;
  auto key = [&](const char* prov, const char* model) {
    auto p = t.lookup(prov, model);
    return p ? p->key : std::string("none");
  };
  CHECK(key("openai", "gpt-4o-mini-2024-07-18") == "openai/gpt-4o-mini");
  CHECK(key("openai", "gpt-4o-2024-08-06") == "openai/gpt-4o");
  CHECK(key("openai", "gpt-4o-2024-05-13") == "openai/gpt-4o-2024-05-13");  // its own price
  CHECK(key("anthropic", "claude-sonnet-4-5-20250929") == "anthropic/claude-sonnet-4-5");
  CHECK(key("anthropic", "claude-3-5-sonnet-latest") == "anthropic/claude-3-5-sonnet");
  CHECK(key("anthropic", "claude-opus-4-20250514") == "anthropic/claude-opus-4");
  CHECK(key("gemini", "gemini-2.0-flash-001") == "gemini/gemini-2.0-flash");
  CHECK(key("gemini", "models/gemini-2.5-flash") == "gemini/gemini-2.5-flash");
  CHECK(key("gemini", "gemini-2.5-flash-preview-05-20") == "gemini/gemini-2.5-flash");
  CHECK(key("openai", "gpt-4o-realtime-preview-2024-12-17") == "none");  // a different product
  CHECK(key("openai", "gpt-4") == "openai/gpt-4");
  CHECK(t.lookup("openai", "gpt-4o-2024-05-13")->rates.input == 5.00);
}

TEST_CASE("lookup: other providers have no built-in price, mock costs exactly 0") {
  PriceTable t(config_with({}));
  CHECK_FALSE(t.lookup("local", "llama3"));
  CHECK_FALSE(t.lookup("local", "gpt-4o"));  // an OpenAI-compatible server is not OpenAI
  CHECK_FALSE(t.cost("local", "llama3", usage(10, 10)).usd);
  auto m = t.cost("mock", "echo", usage(10, 10));
  REQUIRE(m.usd);
  CHECK(*m.usd == 0.0);
  CHECK(m.version == gw::gateway::kBuiltinPriceVersion);
}

TEST_CASE("lookup: a cloud's model costs the vendor's list price; its own [prices] entry wins") {
  PriceTable t(config_with({{"vx/gemini-2.5-pro", {1.0, 2.0, std::nullopt, std::nullopt}}}));
  CHECK(t.lookup("az", "gpt-4o")->key == "openai/gpt-4o");
  CHECK(t.lookup("az", "text-embedding-3-small")->key == "openai/text-embedding-3-small");
  CHECK(t.lookup("vx", "gemini-2.5-flash")->key == "gemini/gemini-2.5-flash");
  CHECK(t.lookup("vx", "claude-sonnet-4-5@20250929")->key == "anthropic/claude-sonnet-4-5");
  CHECK(t.lookup("vx", "gemini-2.5-pro")->source == "config");
  CHECK_FALSE(t.lookup("vx", "llama-3.1-405b"));
  CHECK_FALSE(t.lookup("az", "my-fine-tune"));
}

TEST_CASE("lookup: bedrock's Claude at Anthropic's price, its own models at Bedrock's") {
  PriceTable t(config_with({{"br/amazon.nova-lite-v1:0", {1.0, 2.0, std::nullopt, std::nullopt}}}));
  CHECK(t.lookup("br", "anthropic.claude-3-5-sonnet-20240620-v1:0")->key ==
        "anthropic/claude-3-5-sonnet");
  CHECK(t.lookup("br", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")->key ==
        "anthropic/claude-sonnet-4-5");
  CHECK(t.lookup("br", "global.anthropic.claude-haiku-4-5-20251001-v1:0")->key ==
        "anthropic/claude-haiku-4-5");
  CHECK(t.lookup("br", "anthropic.claude-3-5-sonnet-20241022-v2:0")->key ==
        "anthropic/claude-3-5-sonnet");
  CHECK(t.lookup("br",
                 "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                 "eu.anthropic.claude-3-haiku-20240307-v1:0")
            ->key == "anthropic/claude-3-haiku");
  auto pro = t.lookup("br", "amazon.nova-pro-v1:0");
  REQUIRE(pro);
  CHECK(pro->key == "bedrock/amazon.nova-pro");
  CHECK(pro->rates.input == 0.80);
  CHECK(pro->rates.output == 3.20);
  CHECK(t.lookup("br", "apac.amazon.nova-micro-v1:0")->rates.input == 0.035);
  CHECK(t.lookup("br", "us.meta.llama3-3-70b-instruct-v1:0")->rates.output == 0.72);
  CHECK(t.lookup("br", "meta.llama3-1-8b-instruct-v1:0")->rates.input == 0.22);
  CHECK(t.lookup("br", "amazon.nova-lite-v1:0")->source == "config");  // its own entry wins
  CHECK(t.cost("br", "amazon.nova-pro-v1:0", usage(1000, 100)).usd ==
        (1000 * 0.8 + 100 * 3.2) / 1e6);
  CHECK_FALSE(t.lookup("br", "cohere.command-r-plus-v1:0"));
  CHECK_FALSE(t.lookup("local", "amazon.nova-pro-v1:0"));  // only a bedrock provider
}

TEST_CASE("config overrides: per provider/model, a distinct and stable version") {
  PriceTable builtin(config_with({}));
  CHECK(builtin.version() == gw::gateway::kBuiltinPriceVersion);
  auto cfg = config_with({{"openai/gpt-4o", {3.0, 12.0, 1.5, std::nullopt}},
                          {"local/llama3", {0.1, 0.2, std::nullopt, std::nullopt}}});
  PriceTable a(cfg), b(cfg);
  CHECK(a.version().starts_with(std::string(gw::gateway::kBuiltinPriceVersion) + "+config:"));
  CHECK(a.version() == b.version());
  CHECK(a.cost("openai", "gpt-4o-2024-08-06", usage(1000, 100)).usd ==
        (1000 * 3.0 + 100 * 12.0) / 1e6);
  CHECK(a.cost("local", "llama3", usage(1000, 100)).usd == (1000 * 0.1 + 100 * 0.2) / 1e6);
  CHECK(a.lookup("openai", "gpt-4o")->source == "config");
  CHECK(a.lookup("openai", "gpt-4o-mini")->source != "config");
  cfg.prices["openai/gpt-4o"].output = 12.5;
  CHECK(PriceTable(cfg).version() != a.version());
  size_t openai_builtin = 0;
  for (const auto& p : gw::gateway::builtin_prices())
    openai_builtin += std::string_view(p.key).starts_with("openai/");
  auto cat = a.catalogue("openai");
  CHECK(cat.size() == openai_builtin);  // the override replaces gpt-4o, adds nothing
  CHECK(a.catalogue("local").size() == 1);
}

TEST_CASE("model_candidates: most specific first") {
  auto c = gw::gateway::model_candidates("claude-3-5-sonnet-20241022");
  REQUIRE(c.size() == 2);
  CHECK(c[0] == "claude-3-5-sonnet-20241022");
  CHECK(c[1] == "claude-3-5-sonnet");
  CHECK(gw::gateway::model_candidates("llama3").size() == 1);
}

TEST_CASE("ledger row: streamed or not, the same usage costs exactly the same") {
  PriceTable t;
  gw::gateway::Outcome a;
  a.provider = "openai";
  a.model = "gpt-4o-mini";
  a.status = 200;
  a.usage = usage(1234, 567, 200);
  gw::gateway::Outcome b = a;
  b.stream = true;
  b.ttft_ms = 12;
  auto ra = gw::gateway::make_ledger_row(a, t.cost(a.provider, a.model, *a.usage));
  auto rb = gw::gateway::make_ledger_row(b, t.cost(b.provider, b.model, *b.usage));
  REQUIRE(ra.cost_usd);
  CHECK(ra.cost_usd == rb.cost_usd);
  CHECK(ra.input_tokens == 1234);
  CHECK(ra.cached_tokens == 200);
  CHECK_FALSE(ra.ttft_ms);
  CHECK(rb.ttft_ms == 12.0);
}

TEST_CASE("ledger row: a failure without usage charges nothing; an unpriced model is NULL") {
  gw::gateway::Outcome f;
  f.provider = "local";
  f.model = "llama3";
  f.status = 502;
  auto rf = gw::gateway::make_ledger_row(f, {std::nullopt, "v"});
  REQUIRE(rf.cost_usd);
  CHECK(*rf.cost_usd == 0.0);
  CHECK(rf.input_tokens == 0);
  f.status = 200;
  f.usage = usage(10, 5);
  CHECK_FALSE(gw::gateway::make_ledger_row(f, {std::nullopt, "v"}).cost_usd);
}

TEST_CASE("the gateway prices every outcome before the stages see it (metrics, meter, --stats)") {
  auto cfg = gw::config::parse_config(R"(
[prices."mock/echo"]
input = 1.0
output = 2.0
)",
                                      "inline.toml");
  REQUIRE(cfg);
  gw::gateway::Gateway gateway(*cfg, {}, std::make_shared<const PriceTable>(*cfg));
  auto req = gw::test::chat_request(
      R"({"model":"mock/echo","messages":[{"role":"user","content":"two words"}]})");
  gw::gateway::RequestContext ctx;
  gw::gateway::Outcome out;
  REQUIRE(gateway.complete(req, ctx, out));
  REQUIRE(out.usage);
  REQUIRE(out.cost_usd);
  CHECK(*out.cost_usd ==
        (out.usage->prompt_tokens * 1.0 + out.usage->completion_tokens * 2.0) / 1e6);
  CHECK(out.price_version.find("+config:") != std::string::npos);
}

TEST_CASE("price_outcome: the gateway's figure is the one the meter records") {
  PriceTable t(config_with({}));
  gw::gateway::Outcome o;
  o.provider = "openai";
  o.model = "gpt-4o";
  o.status = 200;
  o.usage = usage(1000, 100, 500);
  gw::gateway::price_outcome(o, t);
  CHECK(o.cost_usd == (500 * 2.5 + 500 * 1.25 + 100 * 10.0) / 1e6);
  CHECK(o.price_version == t.version());
  o.provider = "local";
  gw::gateway::price_outcome(o, t);
  CHECK_FALSE(o.cost_usd);
  o.usage.reset();
  gw::gateway::price_outcome(o, t);
  CHECK(o.cost_usd == 0.0);

  o.request_id = "req_prepriced";
  o.usage = usage(10, 10);
  o.cost_usd = 42.0;  // whatever the gateway decided wins
  o.price_version = "test-version";
  auto row = gw::gateway::make_ledger_row(o, {o.cost_usd, o.price_version});
  CHECK(row.cost_usd == 42.0);
}
