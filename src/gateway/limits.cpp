#include "gateway/limits.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "api/printable.hpp"
#include "gateway/redis_limit_store.hpp"
#include "gateway/router.hpp"
#include "providers/tokens.hpp"
#include "store/connect.hpp"
#include "store/ledger.hpp"
#include "store/report.hpp"
#include "store/spend.hpp"

namespace gw::gateway {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Dollars as people write them: cents from a dollar up, else four significant digits.
std::string usd(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, v >= 1 || v == 0 ? "%.2f" : "%.4g", v);
  return buf;
}

bool any_budget(const config::Config& cfg) {
  if (cfg.limits.budget_usd) return true;
  for (const auto& [n, l] : cfg.tenants)
    if (l.budget_usd) return true;
  for (const auto& [n, l] : cfg.users)
    if (l.budget_usd) return true;
  return false;
}

}  // namespace

Limits::Limits(const config::Config& cfg, std::shared_ptr<const PriceTable> prices,
               std::shared_ptr<LimitStore> store, WallClock clock)
    : cfg_(cfg),
      prices_(std::move(prices)),
      store_(std::move(store)),
      clock_(clock ? std::move(clock) : WallClock(wall_ms)) {}

std::unique_ptr<Limits> Limits::open(const config::Config& cfg,
                                     std::shared_ptr<const PriceTable> prices, Seed seed,
                                     const std::function<void(const std::string&)>& warn) {
  // [limits] redis: counts shared by every instance; else this process's own.
  std::shared_ptr<MemoryLimitStore> mem;
  std::shared_ptr<RedisLimitStore> shared;
  if (!cfg.limit_store.redis.empty()) {
    auto url = config::parse_redis_url(cfg.limit_store.redis);  // checked at load already
    if (url) {
      RedisLimitStore::Options o;
      o.url = std::move(*url);
      o.shown_url = config::mask_redis_url(cfg.limit_store.redis);
      o.fail_closed = cfg.limit_store.fail_closed;
      o.timeout_ms = cfg.limit_store.timeout_ms;
      o.lease_ms = cfg.limit_store.lease_ms;
      o.log = warn;
      shared = std::make_shared<RedisLimitStore>(std::move(o));
    } else if (warn) {
      warn(url.error().message + "; limits are this instance's own");
    }
  }
  if (!shared) mem = std::make_shared<MemoryLimitStore>();
  auto seed_one = [&](const std::string& scope, const store::SpendTotals& s, int64_t now) {
    if (shared)
      shared->seed(scope, s, now);
    else
      mem->seed(scope, s, now);
  };
  if (seed == Seed::kAll || (seed == Seed::kIfBudgets && any_budget(cfg))) {
    // Never create the file here (see Auth::open: that would drop the ledger's locks).
    auto db = store::connect(cfg.store, false);
    const int64_t now = wall_ms();
    auto spend =
        db ? store::spend_by_scope(**db, now) : Result<store::SpendByScope>(fail(db.error()));
    if (spend) {
      for (const auto& [k, s] : spend->keys) seed_one(key_scope(k), s, now);
      for (const auto& [u, s] : spend->users)
        if (!u.empty()) seed_one(user_scope(u), s, now);
      for (const auto& [t, s] : spend->tenants) seed_one(tenant_scope(t), s, now);
    } else if (warn) {
      warn("budgets start from zero: the ledger's spend could not be read (" +
           spend.error().message + ")");
    }
  }
  if (shared) {
    // Off any loop (start-up): a blocking try. Unreachable now, the first request that
    // reaches Redis seeds it.
    shared->flush_seeds();
    return std::make_unique<Limits>(cfg, std::move(prices), std::move(shared));
  }
  return std::make_unique<Limits>(cfg, std::move(prices), std::move(mem));
}

size_t Limits::policies_of(const Caller& c, std::string_view user, Policy (&out)[3]) const {
  size_t n = 0;
  if (c.key_limits && !c.key_limits->empty()) out[n++] = {Policy::kKey, false, c.key_limits.get()};
  if (!user.empty()) {
    if (auto it = cfg_.users.find(std::string(user)); it != cfg_.users.end()) {
      if (!it->second.empty()) out[n++] = {Policy::kUser, false, &it->second};
    } else if (!cfg_.limits.empty()) {
      out[n++] = {Policy::kUser, true, &cfg_.limits};
    }
  }
  if (!c.tenant.empty())
    if (auto it = cfg_.tenants.find(c.tenant); it != cfg_.tenants.end() && !it->second.empty())
      out[n++] = {Policy::kTenant, false, &it->second};
  return n;
}

// "key key_ab12", "user bob ([limits])", "tenant acme": a scope as messages name it.
std::string Limits::label_of(const Ask& ask, uint8_t scope, bool defaulted) {
  std::string label = scope_label(ask.scope_of(scope));
  return defaulted ? label + " ([limits])" : label;
}

bool Limits::allows(const Caller& caller, std::string_view model) const {
  Policy ps[3];
  size_t n = policies_of(caller, api::printable(caller.user), ps);
  const std::string name(model);
  const std::string& target = alias_of(cfg_, name);
  for (size_t i = 0; i < n; ++i)
    if (!config::model_allowed(ps[i].limits->models, name) &&
        !config::model_allowed(ps[i].limits->models, target))
      return false;
  return true;
}

Result<void> Limits::on_request(api::ChatRequest& req, RequestContext& ctx) {
  const Caller& c = ctx.caller;
  Ask& ask = ctx.state.limits_ask;
  // Every request's cost counts toward its key, user and tenant, limited or not, so a budget
  // set later starts from the real figure. A client names its user: bounded and printable,
  // as the ledger (and so the seed) has it.
  uint8_t at[3] = {0, 0, 0};  // each kind's place in ask.scopes
  auto add_scope = [&](Policy::Kind kind, std::string_view name,
                       std::string (*scope_of)(std::string_view)) {
    if (name.empty()) return;
    at[kind] = static_cast<uint8_t>(ask.scopes.size());
    ask.scopes.push_back(scope_of(name));
  };
  const std::string user = api::printable(c.user);
  add_scope(Policy::kKey, c.key_id, key_scope);
  add_scope(Policy::kUser, user, user_scope);
  add_scope(Policy::kTenant, c.tenant, tenant_scope);

  Policy ps[3];
  const size_t n = policies_of(c, user, ps);
  if (n == 0) return {};
  auto scope = [&](size_t i) { return at[ps[i].kind]; };
  auto label = [&](size_t i) { return label_of(ask, scope(i), ps[i].defaulted); };
  for (size_t i = 0; i < n; ++i) {
    const auto& models = ps[i].limits->models;
    // An alias passes as the name the client wrote or as the model or route it stands for.
    if (config::model_allowed(models, req.model) ||
        config::model_allowed(models, alias_of(cfg_, req.model)))
      continue;
    std::string list;
    for (const auto& m : models) list += (list.empty() ? "" : ", ") + m;
    return fail(Error::refused(403, "invalid_request_error", "model_not_allowed",
                               "The model '" + req.model + "' is not allowed for " + label(i) +
                                   " (allowed: " + list + ")."));
  }

  ask.now_ms = clock_();
  const int64_t prompt =
      ctx.input_only_tokens ? *ctx.input_only_tokens : providers::estimate_prompt_tokens(req);
  const std::optional<int64_t> cap =
      ctx.input_only_tokens ? std::optional<int64_t>(0) : req.output_limit();
  ctx.state.token_estimate = prompt + std::max<int64_t>(0, cap.value_or(0));
  for (size_t i = 0; i < n; ++i) {
    const config::Limits& l = *ps[i].limits;
    if (l.rpm) ask.requests.push_back({scope(i), *l.rpm, 1});
    if (l.tpm) ask.tokens.push_back({scope(i), *l.tpm, ctx.state.token_estimate});
    if (l.max_parallel) ask.parallel.push_back({scope(i), *l.max_parallel});
  }

  // Budgets reserve the worst case: the dearest target the name can reach, at the full output.
  bool budgeted = false;
  for (size_t i = 0; i < n; ++i) budgeted = budgeted || ps[i].limits->budget_usd.has_value();
  double worst = 0;
  bool priced_all = true;  // false: some reachable target has no known price
  if (budgeted) {
    api::Usage u;
    u.prompt_tokens = prompt;
    u.completion_tokens = std::max<int64_t>(0, cap.value_or(kAssumedOutputTokens));
    u.total_tokens = u.prompt_tokens + u.completion_tokens;
    // An unknown name costs nothing: the router answers it 404 before any upstream call.
    if (auto targets = reachable_targets(cfg_, req.model)) {
      for (const auto& t : *targets) {
        auto cost = prices_ ? prices_->cost(t.provider->name, t.model, u).usd : std::nullopt;
        if (!cost)
          priced_all = false;
        else
          worst = std::max(worst, *cost);
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const config::Limits& l = *ps[i].limits;
    if (!l.budget_usd) continue;
    if (!priced_all && !l.unpriced_allow)
      return fail(Error::refused(
          403, "invalid_request_error", "unpriced_model",
          "The model '" + req.model + "' has no known price, so the budget of " + label(i) +
              " cannot bound its cost. Add its price under [prices.\"provider/model\"], or "
              "let unpriced models through that budget with unpriced = \"allow\"."));
    ask.budgets.push_back({scope(i), *l.budget_usd, period_of(l.period), worst});
  }

  // A shared store's handle on this request's slot and reservation entries.
  static std::atomic<uint64_t> next_lease{1};
  ask.lease = next_lease.fetch_add(1, std::memory_order_relaxed);
  Verdict v = store_->admit(ask);
  ask.local = v.local;
  ctx.rate_limits = {v.requests, v.tokens};
  if (!v.admitted()) {
    bool defaulted[3] = {false, false, false};  // by scope place
    for (size_t i = 0; i < n; ++i) defaulted[scope(i)] = ps[i].defaulted;
    return refuse(v, ask, defaulted, ctx);
  }
  ctx.state.limits_admitted = true;
  return {};
}

Result<void> Limits::refuse(const Verdict& v, const Ask& ask, const bool (&defaulted)[3],
                            RequestContext& ctx) const {
  auto label_of = [&](uint8_t scope) { return Limits::label_of(ask, scope, defaulted[scope]); };
  auto rate_error = [&](std::string message) {
    Error e = Error::refused(429, "rate_limit_error", "rate_limit_exceeded", std::move(message));
    e.retry_after_ms = static_cast<int>(std::min<int64_t>(v.retry_after_ms, 86'400'000));
    return e;
  };
  auto retry_in = [&] {
    return " Retry in " + std::to_string((v.retry_after_ms + 999) / 1000) + " s.";
  };
  using K = Verdict::Kind;
  switch (v.kind) {
    case K::kRequests: {
      const RateAsk& r = ask.requests[v.index];
      return fail(rate_error("Rate limit reached for " + label_of(r.scope) + ": " +
                             std::to_string(r.per_minute) + " requests per minute." + retry_in()));
    }
    case K::kTokens: {
      const RateAsk& r = ask.tokens[v.index];
      return fail(rate_error("Rate limit reached for " + label_of(r.scope) + ": " +
                             std::to_string(r.per_minute) +
                             " tokens per minute (this request counts ~" +
                             std::to_string(r.amount) + ", prompt plus max_tokens)." + retry_in()));
    }
    case K::kTooLarge: {
      const RateAsk& r = ask.tokens[v.index];
      ctx.response_headers.emplace_back("x-should-retry", "false");
      Error e = rate_error(
          "Request too large for " + label_of(r.scope) + ": ~" + std::to_string(r.amount) +
          " tokens (prompt plus max_tokens) exceed its limit of " + std::to_string(r.per_minute) +
          " tokens per minute. Send less, or a lower max_tokens.");
      e.retry_after_ms = -1;
      return fail(std::move(e));
    }
    case K::kParallel: {
      const ParallelAsk& p = ask.parallel[v.index];
      Error e = rate_error("Too many requests in flight for " + label_of(p.scope) + ": at most " +
                           std::to_string(p.max) + " at once.");
      e.retry_after_ms = 1000;
      return fail(std::move(e));
    }
    case K::kBudget: {
      const BudgetAsk& b = ask.budgets[v.index];
      std::string when =
          b.period == Period::kTotal
              ? "It does not reset (period total)."
              : "It resets at " + store::iso_utc(ask.now_ms + v.retry_after_ms) + ".";
      Error e =
          Error::refused(429, "insufficient_quota", "budget_exceeded",
                         "Budget of " + label_of(b.scope) + " (" + usd(b.budget_usd) + " USD per " +
                             std::string(period_name(b.period)) + ") is spent: " + usd(v.used_usd) +
                             " USD used or reserved, and this request may cost up to " +
                             usd(b.reserve_usd) + " USD. " + when);
      if (v.retry_after_ms >= 0)
        e.retry_after_ms = static_cast<int>(std::min<int64_t>(v.retry_after_ms, 2'000'000'000));
      // The OpenAI SDKs retry a 429 unless told not to; waiting for a budget is pointless.
      ctx.response_headers.emplace_back("x-should-retry", "false");
      return fail(std::move(e));
    }
    case K::kUnavailable: {
      // [limits] redis_failure = fail_closed: no request passes uncounted.
      Error e = Error::refused(503, "server_error", "limit_store_unavailable",
                               "The shared limit store is unavailable, so limited requests are "
                               "refused for now. Try again shortly.");
      e.retry_after_ms = static_cast<int>(std::clamp<int64_t>(v.retry_after_ms, 1000, 60'000));
      return fail(std::move(e));
    }
    case K::kAdmitted:
      break;
  }
  return {};
}

// A request under no limit settles nothing, so it needs no price.
bool Limits::reads_cost(const RequestContext& ctx) const {
  return !ctx.state.limits_ask.scopes.empty() || ctx.state.limits_admitted;
}

void Limits::on_complete(const Outcome& out, RequestContext& ctx) {
  StageState& st = ctx.state;
  if (!reads_cost(ctx)) return;
  int64_t real = out.usage ? out.usage->prompt_tokens + out.usage->completion_tokens : 0;
  store_->settle(st.limits_ask, st.limits_admitted, real - st.token_estimate,
                 out.cost_usd.value_or(0), clock_());
  st.limits_admitted = false;
  st.limits_ask.scopes.clear();
}

}  // namespace gw::gateway
