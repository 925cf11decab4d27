// Traffic control without a clock on the wall: the in-memory limit store's buckets, parallel
// slots and budgets (all or nothing, settled to the real figures), and the limits stage's
// policies, allow-lists, worst-case reservations and headers. Time is an injected number.
#include <doctest/doctest.h>

#include <atomic>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/limit_store.hpp"
#include "gateway/limits.hpp"
#include "store/spend.hpp"

namespace {

using namespace gw::gateway;

constexpr int64_t kT0 = 1'765'000'000'000;  // 2025-12-06, mid-day UTC

Ask rpm_ask(const std::string& scope, int64_t rpm, int64_t now) {
  Ask a;
  a.now_ms = now;
  a.scopes.push_back(scope);
  a.requests.push_back({0, rpm, 1});
  return a;
}

// An ask on scopes named in order; the asks below refer to them by place.
Ask on(std::initializer_list<const char*> scopes, int64_t now = kT0) {
  Ask a;
  a.now_ms = now;
  for (const char* s : scopes) a.scopes.push_back(s);
  return a;
}

gw::config::Config config_of(const std::string& toml) {
  auto c = gw::config::parse_config(toml, "t.toml");
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message));
  return *c;
}

gw::api::ChatRequest request(const std::string& model, int64_t max_tokens = 0) {
  gw::api::ChatRequest r;
  r.model = model;
  r.messages.push_back(gw::api::Message::plain("user", "hello there"));
  if (max_tokens > 0) r.max_tokens = max_tokens;
  return r;
}

std::string header(const RequestContext& ctx, const std::string& name) {
  for (const auto& [k, v] : ctx.response_headers)
    if (k == name) return v;
  return "";
}

}  // namespace

TEST_CASE("rpm: the third request in a minute is refused with a retry time, then allowed") {
  MemoryLimitStore s;
  CHECK(s.admit(rpm_ask("key:a", 2, kT0)).admitted());
  Verdict second = s.admit(rpm_ask("key:a", 2, kT0 + 10));
  CHECK(second.admitted());
  CHECK(second.requests.limit == 2);
  CHECK(second.requests.remaining == 0);
  Verdict third = s.admit(rpm_ask("key:a", 2, kT0 + 20));
  CHECK(third.kind == Verdict::Kind::kRequests);
  // One request comes back every 30 s at 2 per minute.
  CHECK(third.retry_after_ms > 29'000);
  CHECK(third.retry_after_ms <= 30'000);
  CHECK_FALSE(s.admit(rpm_ask("key:a", 2, kT0 + 29'000)).admitted());
  CHECK(s.admit(rpm_ask("key:a", 2, kT0 + 30'100)).admitted());
  // Another scope has its own bucket.
  CHECK(s.admit(rpm_ask("key:b", 2, kT0 + 20)).admitted());
}

TEST_CASE("all or nothing: a refusal by one scope takes nothing from the others") {
  MemoryLimitStore s;
  Ask a = on({"key:k", "tenant:t"});
  a.requests.push_back({0, 10, 1});
  a.requests.push_back({1, 1, 1});
  CHECK(s.admit(a).admitted());
  CHECK(s.admit(a).kind == Verdict::Kind::kRequests);  // the tenant's one is gone
  // The key's bucket lost only the admitted request: 9 more fit on their own.
  for (int i = 0; i < 9; ++i) CHECK(s.admit(rpm_ask("key:k", 10, kT0)).admitted());
  CHECK_FALSE(s.admit(rpm_ask("key:k", 10, kT0)).admitted());
}

TEST_CASE("tpm: the estimate is taken, then corrected by the real usage") {
  MemoryLimitStore s;
  Ask a = on({"user:u"});
  a.tokens.push_back({0, 1000, 600});
  CHECK(s.admit(a).admitted());
  CHECK(s.admit(a).kind == Verdict::Kind::kTokens);  // 400 left, 600 asked
  // The request really used 100: 500 come back, and the next one fits.
  s.settle(a, true, 100 - 600, 0, kT0);
  Verdict v = s.admit(a);
  CHECK(v.admitted());
  CHECK(v.tokens.remaining == 300);
  // One that used more than estimated leaves a debt: 300 − 900 = −600.
  s.settle(a, true, 1500 - 600, 0, kT0);
  Ask small = on({"user:u"});
  small.tokens.push_back({0, 1000, 1});
  Verdict debt = s.admit(small);
  CHECK(debt.kind == Verdict::Kind::kTokens);
  CHECK(debt.retry_after_ms > 36'000);  // 601 tokens at 1000 per minute
  // A request larger than the whole limit can never fit.
  Ask huge = on({"user:u"});
  huge.tokens.push_back({0, 1000, 1001});
  CHECK(s.admit(huge).kind == Verdict::Kind::kTooLarge);
}

TEST_CASE("max_parallel: slots are taken on admission and come back on settlement") {
  MemoryLimitStore s;
  Ask a = on({"key:p"});
  a.parallel.push_back({0, 2});
  CHECK(s.admit(a).admitted());
  CHECK(s.admit(a).admitted());
  CHECK(s.admit(a).kind == Verdict::Kind::kParallel);
  s.settle(a, true, 0, 0, kT0);
  CHECK(s.admit(a).admitted());
}

TEST_CASE("budgets: worst-case reservations, settled to the real cost; spend per period") {
  MemoryLimitStore s;
  Ask a = on({"tenant:t", "user:u"});
  a.budgets.push_back({0, 1.0, Period::kDay, 0.4});
  CHECK(s.admit(a).admitted());
  CHECK(s.admit(a).admitted());
  Verdict v = s.admit(a);  // 0.8 reserved + 0.4 > 1.0
  CHECK(v.kind == Verdict::Kind::kBudget);
  CHECK(v.used_usd == doctest::Approx(0.8));
  CHECK(v.retry_after_ms == gw::store::period_end_ms("day", kT0) - kT0);
  // Each really cost 0.1: the reservations give way to 0.2 of spend.
  s.settle(a, true, 0, 0.1, kT0);
  s.settle(a, true, 0, 0.1, kT0);
  CHECK(s.used("tenant:t", Period::kDay, kT0) == doctest::Approx(0.2));
  CHECK(s.used("user:u", Period::kMonth, kT0) == doctest::Approx(0.2));  // unbudgeted, counted
  CHECK(s.admit(a).admitted());
  // The next day starts from zero; the month and the total remember.
  const int64_t tomorrow = gw::store::period_end_ms("day", kT0) + 1000;
  CHECK(s.used("tenant:t", Period::kDay, tomorrow) ==
        doctest::Approx(0.4));  // the open reservation
  s.settle(a, true, 0, 0, tomorrow);
  CHECK(s.used("tenant:t", Period::kDay, tomorrow) == doctest::Approx(0.0));
  CHECK(s.used("tenant:t", Period::kTotal, tomorrow) == doctest::Approx(0.2));
}

TEST_CASE("budgets under concurrency: 50 racing requests, room for 10 at worst, 10 get in") {
  MemoryLimitStore s;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&] {
      Ask a = on({"key:k"});
      a.budgets.push_back({0, 1.0, Period::kTotal, 0.1});
      if (s.admit(a).admitted()) {
        ++admitted;
        s.settle(a, true, 0, 0.1, kT0);  // each spends its whole worst case
      }
    });
  for (auto& t : threads) t.join();
  CHECK(admitted.load() == 10);
  CHECK(s.used("key:k", Period::kTotal, kT0) <= 1.0 + 1e-9);
}

TEST_CASE("seeded spend counts against a budget (a restart keeps it)") {
  MemoryLimitStore s;
  gw::store::SpendTotals t;
  t.day = 0.9;
  t.month = 0.95;
  t.total = 3;
  s.seed("user:u", t, kT0);
  Ask a = on({"user:u"});
  a.budgets.push_back({0, 1.0, Period::kDay, 0.2});
  CHECK(s.admit(a).kind == Verdict::Kind::kBudget);
  Ask b = on({"user:u"});
  b.budgets.push_back({0, 1.0, Period::kDay, 0.1});
  CHECK(s.admit(b).admitted());
}

TEST_CASE("the period calendar is UTC days and months") {
  using gw::store::period_end_ms;
  using gw::store::period_start_ms;
  const int64_t t = 1'767'225'599'000;  // 2025-12-31T23:59:59Z
  CHECK(period_start_ms("day", t) == 1'767'139'200'000);
  CHECK(period_end_ms("day", t) == 1'767'225'600'000);
  CHECK(period_start_ms("month", t) == 1'764'547'200'000);  // 2025-12-01
  CHECK(period_end_ms("month", t) == 1'767'225'600'000);    // 2026-01-01
  CHECK(period_start_ms("total", t) == 0);
}

TEST_CASE("model patterns: globs with *, empty allows all") {
  using gw::config::model_allowed;
  CHECK(model_allowed({}, "anything"));
  CHECK(model_allowed({"openai/*"}, "openai/gpt-4o"));
  CHECK_FALSE(model_allowed({"openai/*"}, "anthropic/claude"));
  CHECK(model_allowed({"smart", "fake/gpt-*-mini"}, "fake/gpt-4o-mini"));
  CHECK_FALSE(model_allowed({"smart"}, "smarter"));
  CHECK(model_allowed({"*"}, "x"));
  CHECK(model_allowed({"a*b*c"}, "aXXbYYc"));
  CHECK_FALSE(model_allowed({"a*b*c"}, "aXXbYY"));
}

TEST_CASE("config: [limits], [tenants.X] and [users.X] are read and checked") {
  auto c = config_of(R"(
[limits]
rpm = 600
[tenants.acme]
tpm = 2000
max_parallel = 3
budget_usd = 5
period = "day"
models = ["openai/*", "smart"]
[users.alice]
budget_usd = 1.5
unpriced = "allow"
)");
  CHECK(c.limits.rpm == 600);
  CHECK(c.tenants.at("acme").tpm == 2000);
  CHECK(c.tenants.at("acme").max_parallel == 3);
  CHECK(c.tenants.at("acme").budget_usd == 5.0);
  CHECK(c.tenants.at("acme").period == "day");
  CHECK(c.tenants.at("acme").models.size() == 2);
  CHECK(c.users.at("alice").period == "month");
  CHECK(c.users.at("alice").unpriced_allow);
  for (const char* bad :
       {"[limits]\nrpm = 0\n", "[limits]\nrpm = \"x\"\n", "[users.a]\nperiod = \"week\"\n",
        "[users.a]\nbudget_usd = -1\n", "[tenants.a]\nmodels = \"openai/*\"\n",
        "[users.a]\nrpn = 3\n", "[users.a]\nunpriced = \"maybe\"\n"}) {
    auto r = gw::config::parse_config(bad, "t.toml");
    CHECK_MESSAGE(!r.has_value(), bad);
  }
}

TEST_CASE("the stage: allow-lists, headers, worst-case budgets over a route, unpriced models") {
  auto cfg = config_of(R"(
[providers.up]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[prices."up/cheap"]
input = 1
output = 1
[prices."up/dear"]
input = 100
output = 100
[routes.both]
targets = ["up/cheap", "up/dear"]
[tenants.acme]
rpm = 100
tpm = 100000
budget_usd = 1
models = ["up/*", "both"]
[users.free]
budget_usd = 1
unpriced = "allow"
)");
  auto prices = std::make_shared<const PriceTable>(cfg);
  auto store = std::make_shared<MemoryLimitStore>();
  int64_t now = kT0;
  Limits stage(cfg, prices, store, [&] { return now; });

  RequestContext ctx;
  ctx.caller.tenant = "acme";
  ctx.caller.user = "bob";
  auto req = request("other/model");
  auto refused = stage.on_request(req, ctx);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().status == 403);
  CHECK(refused.error().code == "model_not_allowed");
  CHECK(refused.error().exit == gw::exit_code::kRejected);
  CHECK_FALSE(stage.allows(ctx.caller, "other/model"));
  CHECK(stage.allows(ctx.caller, "both"));

  // A route reserves at its dearest target: 1000 output tokens at $100/M = $0.10 and up.
  RequestContext ok;
  ok.caller = ctx.caller;
  auto routed = request("both", 1000);
  REQUIRE(stage.on_request(routed, ok).has_value());
  CHECK(ok.rate_limits.requests.limit == 100);
  CHECK(ok.rate_limits.requests.remaining == 99);
  CHECK(ok.rate_limits.tokens.limit == 100000);
  CHECK(ok.rate_limits.tokens.reset_ms > 0);
  CHECK(store->used("t:acme", Period::kMonth, now) > 0.1);
  CHECK(store->used("t:acme", Period::kMonth, now) < 0.11);
  // It really cost $0.001: the reservation settles to that.
  Outcome out;
  out.usage = gw::api::Usage{10, 20, 30, 0, 0, 0};
  out.cost_usd = 0.001;
  stage.on_complete(out, ok);
  CHECK(store->used("t:acme", Period::kMonth, now) == doctest::Approx(0.001));
  CHECK(store->used("u:bob", Period::kMonth, now) == doctest::Approx(0.001));

  // No known price: refused under a budget, unless it says unpriced = "allow".
  RequestContext u1;
  u1.caller = ctx.caller;
  auto unpriced = request("up/unknown", 10);
  auto r = stage.on_request(unpriced, u1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "unpriced_model");
  RequestContext u2;
  u2.caller.user = "free";
  CHECK(stage.on_request(unpriced, u2).has_value());

  // A budget too small for the worst case: 429 budget_exceeded, naming it and its reset.
  RequestContext big;
  big.caller = ctx.caller;
  auto huge = request("up/dear", 50000);  // $5 at worst
  auto b = stage.on_request(huge, big);
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().status == 429);
  CHECK(b.error().code == "budget_exceeded");
  CHECK(b.error().message.find("tenant acme") != std::string::npos);
  CHECK(b.error().message.find("resets at") != std::string::npos);
  CHECK(header(big, "x-should-retry") == "false");
}

TEST_CASE("the stage: a key's policy and the [limits] default for users not named") {
  auto cfg = config_of(R"(
[limits]
rpm = 1
[users.vip]
tpm = 100000
)");
  auto store = std::make_shared<MemoryLimitStore>();
  int64_t now = kT0;
  Limits stage(cfg, nullptr, store, [&] { return now; });
  auto req = request("mock/echo");
  auto ask = [&](const std::string& user, std::shared_ptr<const gw::config::Limits> key = {}) {
    RequestContext ctx;
    ctx.caller.user = user;
    if (key) {
      ctx.caller.key_id = "key_test";
      ctx.caller.key_limits = key;
    }
    auto r = stage.on_request(req, ctx);
    if (r) stage.on_complete(Outcome{}, ctx);
    return r;
  };
  CHECK(ask("anyone").has_value());
  auto second = ask("anyone");
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == "rate_limit_exceeded");
  CHECK(second.error().message.find("[limits]") != std::string::npos);
  CHECK(second.error().retry_after_ms > 0);
  CHECK(ask("someone-else").has_value());  // each user has a bucket of their own
  CHECK(ask("vip").has_value());
  CHECK(ask("vip").has_value());  // named: the default does not apply

  auto key = std::make_shared<gw::config::Limits>();
  key->models = {"mock/*"};
  key->max_parallel = 1;
  CHECK(ask("vip", key).has_value());
  auto other = request("openai/gpt-4o");
  RequestContext ctx;
  ctx.caller.key_id = "key_test";
  ctx.caller.key_limits = key;
  auto r = stage.on_request(other, ctx);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == "model_not_allowed");
  CHECK(r.error().message.find("key key_test") != std::string::npos);
}
