// Router: model names (provider/model, bare well-known names, routes) → ordered targets;
// fallback, weighted and rule routes; cycles end in an error.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/json_codec.hpp"
#include "config/config.hpp"
#include "gateway/router.hpp"

namespace {

using gw::api::ChatRequest;
using gw::gateway::RequestContext;
using gw::gateway::RoutePlan;
using gw::gateway::Router;

gw::config::Config make_config(const std::string& toml) {
  auto c = gw::config::parse_config(toml, "router.toml");
  REQUIRE_MESSAGE(c.has_value(), (c.has_value() ? std::string() : c.error().message));
  return *c;
}

ChatRequest request(const std::string& model, const std::string& text = "hi",
                    bool with_tools = false) {
  ChatRequest r;
  r.model = model;
  r.messages.push_back(gw::api::Message::plain("user", text));
  if (with_tools) {
    gw::api::Tool t;
    t.name = "lookup";
    r.tools.push_back(t);
  }
  return r;
}

std::vector<std::string> labels(const RoutePlan& p) {
  std::vector<std::string> out;
  for (const auto& t : p.targets) out.push_back(t.label());
  return out;
}

const char* kRoutes = R"(
[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:11434/v1"

[routes.smart]
strategy = "fallback"
targets = ["anthropic/claude-sonnet-4-5", "openai/gpt-4o", "gemini/gemini-2.5-pro"]
retries = 1
cooldown_s = 12

[routes.cheap]
strategy = "weighted"
targets = [{ model = "gemini/gemini-2.5-flash", weight = 3 }, { model = "openai/gpt-4o-mini", weight = 1 }]

[routes.middle]
strategy = "weighted"
targets = [{ model = "mock/a", weight = 0 }, { model = "mock/b", weight = 5 }, { model = "mock/c", weight = 0 }]

[[routes.auto.rules]]
when = { task = "polish" }
use = "cheap"
[[routes.auto.rules]]
when = { tools = true }
use = "openai/gpt-4o"
[[routes.auto.rules]]
when = { max_prompt_tokens = 2000 }
use = "local/llama3"
[routes.auto]
default = "smart"

[[routes.nodefault.rules]]
when = { task = "x" }
use = "mock/x"

[routes.loop_a]
default = "loop_b"
[routes.loop_b]
default = "loop_a"

[[routes.self.rules]]
use = "self"

[routes.broken]
targets = ["nowhere/model"]
)";

}  // namespace

TEST_CASE("router: provider/model") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  auto t = router.resolve_model("openai/gpt-4o-mini");
  REQUIRE(t.has_value());
  CHECK(t->provider == cfg.provider("openai"));
  CHECK(t->model == "gpt-4o-mini");
  CHECK(t->label() == "openai/gpt-4o-mini");

  auto local = router.resolve_model("local/llama3:8b");
  REQUIRE(local.has_value());
  CHECK(local->provider->name == "local");
  CHECK(local->model == "llama3:8b");

  // Only the first slash separates the provider; the model keeps the rest.
  auto ft = router.resolve_model("openai/ft:gpt-4o:org/custom");
  REQUIRE(ft.has_value());
  CHECK(ft->provider->name == "openai");
  CHECK(ft->model == "ft:gpt-4o:org/custom");

  auto mock = router.resolve_model("mock/echo");
  REQUIRE(mock.has_value());
  CHECK(mock->provider->kind == "mock");
}

TEST_CASE("router: bare well-known names") {
  auto cfg = make_config("");
  Router router(cfg);
  struct Case {
    const char* name;
    const char* provider;
  };
  for (auto [name, provider] :
       {Case{"gpt-4o", "openai"}, Case{"gpt-4o-mini", "openai"}, Case{"o3-mini", "openai"},
        Case{"o1", "openai"}, Case{"claude-sonnet-4-5", "anthropic"},
        Case{"claude-3-5-haiku-latest", "anthropic"}, Case{"gemini-2.5-pro", "gemini"},
        Case{"gemini-2.5-flash", "gemini"}}) {
    CAPTURE(name);
    auto t = router.resolve_model(name);
    REQUIRE(t.has_value());
    CHECK(t->provider->name == provider);
    CHECK(t->model == name);  // the bare name is the upstream model name
  }
}

TEST_CASE("router: unknown names are a 404 listing what is known") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  for (const char* name : {"llama3", "nope/gpt-4o", "openai/", "", "Claude-3"}) {
    CAPTURE(name);
    auto t = router.resolve_model(name);
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().status == 404);
    CHECK(t.error().type == "invalid_request_error");
    CHECK(t.error().code == "model_not_found");
    const auto& m = t.error().message;
    CHECK(m.find("'" + std::string(name) + "'") != std::string::npos);
    for (const char* p :
         {"openai/<model>", "anthropic/<model>", "gemini/<model>", "mock/<model>", "local/<model>"})
      CHECK_MESSAGE(m.find(p) != std::string::npos, p);
    CHECK(m.find("smart") != std::string::npos);  // routes are listed too
  }
  auto plan = router.plan(request("llama3"), RequestContext{});
  REQUIRE_FALSE(plan.has_value());
  CHECK(plan.error().status == 404);
}

TEST_CASE("router: a direct model plans one target") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  auto plan = router.plan(request("claude-sonnet-4-5"), RequestContext{});
  REQUIRE(plan.has_value());
  CHECK(plan->route.empty());
  CHECK(labels(*plan) == std::vector<std::string>{"anthropic/claude-sonnet-4-5"});
  CHECK(plan->reason == "direct: anthropic/claude-sonnet-4-5");
}

TEST_CASE("router: fallback route keeps the configured order") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  for (int i = 0; i < 20; ++i) {
    auto plan = router.plan(request("smart"), RequestContext{});
    REQUIRE(plan.has_value());
    CHECK(plan->route == "smart");
    CHECK(labels(*plan) == std::vector<std::string>{"anthropic/claude-sonnet-4-5", "openai/gpt-4o",
                                                    "gemini/gemini-2.5-pro"});
    CHECK(plan->retries == 1);
    CHECK(plan->cooldown_s == 12);
    CHECK(plan->reason == "fallback: anthropic/claude-sonnet-4-5 first");
    CHECK(plan->targets[1].model == "gpt-4o");
    CHECK(plan->targets[1].provider == cfg.provider("openai"));
  }
}

TEST_CASE("router: weighted route picks the first target by weight") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  const int kPlans = 2000;
  int first = 0;
  for (int i = 0; i < kPlans; ++i) {
    auto plan = router.plan(request("cheap"), RequestContext{});
    REQUIRE(plan.has_value());
    REQUIRE(plan->targets.size() == 2);
    auto l = labels(*plan);
    // Both targets are always there: the other one is the fallback.
    CHECK(std::set<std::string>(l.begin(), l.end()) ==
          std::set<std::string>{"gemini/gemini-2.5-flash", "openai/gpt-4o-mini"});
    CHECK(plan->reason == "weighted: chose " + l[0]);
    if (l[0] == "gemini/gemini-2.5-flash") ++first;
  }
  double share = static_cast<double>(first) / kPlans;
  CAPTURE(share);
  CHECK(share >= 0.70);
  CHECK(share <= 0.80);
}

TEST_CASE("router: weighted pick moves only the chosen target to the front") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  for (int i = 0; i < 200; ++i) {
    auto plan = router.plan(request("middle"), RequestContext{});
    REQUIRE(plan.has_value());
    CHECK(labels(*plan) == std::vector<std::string>{"mock/b", "mock/a", "mock/c"});
  }
}

TEST_CASE("router: rules") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  const std::string long_text(10000, 'x');  // ~2500 tokens: over max_prompt_tokens = 2000

  SUBCASE("task from the context") {
    RequestContext ctx;
    ctx.task = "polish";
    auto plan = router.plan(request("auto", long_text, /*with_tools=*/true), ctx);
    REQUIRE(plan.has_value());
    CHECK(plan->route == "auto");
    REQUIRE(plan->targets.size() == 2);  // the weighted "cheap" route
    CHECK(plan->reason.starts_with("rule task=polish -> cheap; weighted: chose "));
  }
  SUBCASE("tools present") {
    auto plan = router.plan(request("auto", long_text, true), RequestContext{});
    REQUIRE(plan.has_value());
    CHECK(plan->route == "auto");
    CHECK(labels(*plan) == std::vector<std::string>{"openai/gpt-4o"});
    CHECK(plan->reason == "rule tools=yes -> openai/gpt-4o; direct: openai/gpt-4o");
  }
  SUBCASE("a short prompt matches max_prompt_tokens") {
    auto plan = router.plan(request("auto", "short question"), RequestContext{});
    REQUIRE(plan.has_value());
    CHECK(plan->route == "auto");
    CHECK(labels(*plan) == std::vector<std::string>{"local/llama3"});
    CHECK(plan->reason == "rule prompt<=2000 -> local/llama3; direct: local/llama3");
  }
  SUBCASE("the boundary of max_prompt_tokens") {
    // 3 priming + 4 framing + ceil(len/4): 7972 bytes = 1993 tokens → 2000 total.
    auto at = router.plan(request("auto", std::string(7972, 'y')), RequestContext{});
    REQUIRE(at.has_value());
    CHECK(labels(*at) == std::vector<std::string>{"local/llama3"});
    auto over = router.plan(request("auto", std::string(7973, 'y')), RequestContext{});
    REQUIRE(over.has_value());
    CHECK(over->targets.front().label() == "anthropic/claude-sonnet-4-5");
  }
  SUBCASE("no rule matches: the default") {
    RequestContext ctx;
    ctx.task = "translate";
    auto plan = router.plan(request("auto", long_text), ctx);
    REQUIRE(plan.has_value());
    CHECK(plan->route == "auto");
    CHECK(labels(*plan) == std::vector<std::string>{"anthropic/claude-sonnet-4-5", "openai/gpt-4o",
                                                    "gemini/gemini-2.5-pro"});
    CHECK(plan->reason == "default -> smart; fallback: anthropic/claude-sonnet-4-5 first");
  }
  SUBCASE("no rule matches and no default") {
    auto plan = router.plan(request("nodefault"), RequestContext{});
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().status == 400);
  }
}

TEST_CASE("router: nested route cycles are an error, not a hang") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  for (const char* name : {"loop_a", "loop_b", "self"}) {
    CAPTURE(name);
    auto plan = router.plan(request(name), RequestContext{});
    REQUIRE_FALSE(plan.has_value());
    CHECK(plan.error().status == 400);
    CHECK(plan.error().message.find("nests too deeply") != std::string::npos);
  }
}

TEST_CASE("router: a route target naming an unknown provider is an error") {
  auto cfg = make_config(kRoutes);
  Router router(cfg);
  auto plan = router.plan(request("broken"), RequestContext{});
  REQUIRE_FALSE(plan.has_value());
  CHECK(plan.error().message.find("route 'broken'") != std::string::npos);
  CHECK(plan.error().message.find("nowhere/model") != std::string::npos);
}

TEST_CASE("router: known_summary lists providers and routes") {
  auto cfg = make_config("[routes.smart]\ntargets = [\"mock/echo\"]\n");
  Router router(cfg);
  CHECK(router.known_summary() ==
        "known providers: anthropic/<model>, gemini/<model>, mock/<model>, openai/<model>; "
        "routes: smart; bare names gpt-*, o1*/o3*/o4*, claude-*, gemini-* (see `gw models`)");
}
