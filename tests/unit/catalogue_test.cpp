// gateway::catalogue_of: the one list of models behind `gw models` and GET /v1/models.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/catalogue.hpp"

namespace {

gw::config::Config sample() {
  gw::config::Config c;
  gw::config::ProviderConfig mock;
  mock.name = "mock";
  mock.kind = "mock";
  mock.base_url = "ignored";
  c.providers["mock"] = mock;
  gw::config::ProviderConfig fake;
  fake.name = "fake";
  fake.kind = "openai";
  fake.base_url = "http://127.0.0.1:9/v1";
  fake.api_key = "sk-x";
  c.providers["fake"] = fake;
  gw::config::ProviderConfig keyless = fake;
  keyless.name = "keyless";
  keyless.api_key.clear();
  c.providers["keyless"] = keyless;

  gw::config::RouteConfig smart;
  smart.name = "smart";
  smart.targets = {{"fake/gpt-a", 1}, {"mock/echo", 1}};
  c.routes["smart"] = smart;
  gw::config::RouteConfig rules;
  rules.name = "rules";
  rules.strategy = "fallback";
  c.routes["rules"] = rules;
  c.prices["fake/gpt-a"] = {};  // also a route target: listed once, as the target
  c.prices["keyless/m"] = {};
  return c;
}

std::vector<std::string> ids(const gw::gateway::Catalogue& c) {
  std::vector<std::string> out;
  for (const auto& m : c.models) out.push_back(m.id);
  return out;
}

}  // namespace

TEST_SUITE("catalogue") {
  TEST_CASE("models: routes, their targets, priced models, the mock's, each once and in order") {
    auto c = gw::gateway::catalogue_of(sample());
    CHECK(ids(c) == std::vector<std::string>{"rules", "smart", "fake/gpt-a", "mock/echo",
                                             "keyless/m", "mock/lorem"});
    CHECK(c.models[0].owned_by == "gw");
    CHECK(c.models[2].owned_by == "fake");
    CHECK(c.models[3].owned_by == "mock");
    CHECK(c.models[4].owned_by == "keyless");
  }

  TEST_CASE("providers say whether they have a key; the mock has neither key nor URL") {
    auto c = gw::gateway::catalogue_of(sample());
    REQUIRE(c.providers.size() == 3);
    CHECK(c.providers[0].name == "fake");
    CHECK(c.providers[0].has_key);
    CHECK(c.providers[0].base_url == "http://127.0.0.1:9/v1");
    CHECK_FALSE(c.providers[1].has_key);
    CHECK(c.providers[2].mock);
    CHECK_FALSE(c.providers[2].has_key);
    CHECK(c.providers[2].base_url.empty());
  }

  TEST_CASE("routes keep their targets; a rules-only route has none") {
    auto c = gw::gateway::catalogue_of(sample());
    REQUIRE(c.routes.size() == 2);
    CHECK(c.routes[0].name == "rules");
    CHECK(c.routes[0].targets.empty());
    CHECK(c.routes[1].targets == std::vector<std::string>{"fake/gpt-a", "mock/echo"});
  }

  TEST_CASE("the mock's names, patterns included") {
    auto c = gw::gateway::catalogue_of(gw::config::Config{});
    CHECK(c.mock_models == std::vector<std::string>{"mock/echo", "mock/lorem", "mock/fail-429",
                                                    "mock/fail-500", "mock/slow-<ms>"});
    CHECK(ids(c) == std::vector<std::string>{"mock/echo", "mock/lorem"});
  }
}
