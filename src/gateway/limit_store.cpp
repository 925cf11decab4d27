#include "gateway/limit_store.hpp"

#include <algorithm>
#include <cmath>

namespace gw::gateway {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr double kCentEpsilon = 1e-9;  // float sums must not refuse a budget spent exactly

// Refills a bucket for the time since it was last used; a new one starts full. A changed
// limit (gw keys update) takes effect at once.
void refill(double& level, int64_t& at_ms, int64_t& capacity, int64_t per_minute, int64_t now) {
  if (at_ms < 0) {
    level = static_cast<double>(per_minute);
  } else if (now > at_ms) {
    level += static_cast<double>(now - at_ms) * static_cast<double>(per_minute) / kMinuteMs;
  }
  at_ms = std::max(at_ms, now);
  capacity = per_minute;
  level = std::min(level, static_cast<double>(per_minute));
}

}  // namespace

int64_t refill_ms(double missing, int64_t per_minute) {
  if (missing <= 0) return 0;
  return static_cast<int64_t>(std::ceil(missing * kMinuteMs / static_cast<double>(per_minute)));
}

RateView rate_view(double level, int64_t per_minute) {
  return {per_minute, std::max<int64_t>(0, static_cast<int64_t>(std::floor(level))),
          refill_ms(static_cast<double>(per_minute) - level, per_minute)};
}

void keep_tightest(RateView& into, const RateView& v) {
  if (into.limit == 0 || v.remaining < into.remaining ||
      (v.remaining == into.remaining && v.limit < into.limit))
    into = v;
}

namespace {
std::string scope_name(char kind, std::string_view name) {
  std::string s(1, kind);
  s += ':';
  s.append(name);
  return s;
}
}  // namespace

std::string key_scope(std::string_view key_id) {
  if (key_id.starts_with("key_")) key_id.remove_prefix(4);
  return scope_name('k', key_id);
}
std::string user_scope(std::string_view user) {
  return scope_name('u', user);
}
std::string tenant_scope(std::string_view tenant) {
  return scope_name('t', tenant);
}

std::string scope_label(std::string_view scope) {
  if (scope.size() < 2 || scope[1] != ':') return std::string(scope);
  std::string_view name = scope.substr(2);
  switch (scope[0]) {
    case 'k':
      return "key key_" + std::string(name);
    case 'u':
      return "user " + std::string(name);
    case 't':
      return "tenant " + std::string(name);
    default:
      return std::string(scope);
  }
}

Period period_of(std::string_view name) {
  if (name == "day") return Period::kDay;
  if (name == "total") return Period::kTotal;
  return Period::kMonth;
}

std::string_view period_name(Period p) {
  switch (p) {
    case Period::kDay:
      return "day";
    case Period::kTotal:
      return "total";
    default:
      return "month";
  }
}

MemoryLimitStore::Scope& MemoryLimitStore::scope(const std::string& name, int64_t now) {
  auto it = scopes_.find(name);
  if (it == scopes_.end()) {
    if (scopes_.size() >= sweep_at_) sweep(now);
    it = scopes_.emplace(name, Scope{}).first;
  }
  Scope& s = it->second;
  s.touched_ms = std::max(s.touched_ms, now);
  int64_t day = now - now % kDayMs;
  if (day != s.day_start) {  // a new day, maybe a new month (the only calendar lookup)
    s.day = 0;
    s.day_start = day;
    int64_t month = store::period_start_ms("month", now);
    if (month != s.month_start) {
      s.month = 0;
      s.month_start = month;
    }
  }
  return s;
}

void MemoryLimitStore::sweep(int64_t now) {
  std::erase_if(scopes_, [now](const auto& kv) {
    const Scope& s = kv.second;
    return !s.budgeted && s.in_flight == 0 && s.reserved <= 0 && now - s.touched_ms > kMinuteMs;
  });
  sweep_at_ = std::max(max_scopes_, scopes_.size() * 2);
}

void MemoryLimitStore::seed(const std::string& name, const store::SpendTotals& spent,
                            int64_t now_ms) {
  std::lock_guard lk(mu_);
  Scope& s = scope(name, now_ms);
  s.day += spent.day;
  s.month += spent.month;
  s.total += spent.total;
}

Verdict MemoryLimitStore::admit(const Ask& ask) {
  const int64_t now = ask.now_ms;
  Verdict v;
  std::lock_guard lk(mu_);
  // Each scope is looked up once (a node map's elements stay put as it grows, and the sweep
  // never drops a scope touched now).
  Scope* at[3] = {nullptr, nullptr, nullptr};
  for (size_t i = 0; i < ask.scopes.size(); ++i) at[i] = &scope(ask.scopes[i], now);
  // Check everything first: nothing is taken unless all of it fits. Requests, then tokens:
  // the same buckets, of another member of the scope.
  auto check_rates = [&](const Few<RateAsk, 3>& asks, Bucket Scope::*bucket,
                         RateView Verdict::*view, Verdict::Kind kind) {
    for (size_t i = 0; i < asks.size(); ++i) {
      const RateAsk& r = asks[i];
      Bucket& b = at[r.scope]->*bucket;
      refill(b.level, b.at_ms, b.capacity, r.per_minute, now);
      // A token ask larger than the whole bucket could never fit.
      const bool never = kind == Verdict::Kind::kTokens && r.amount > r.per_minute;
      if (!never && b.level >= static_cast<double>(r.amount)) continue;
      v.kind = never ? Verdict::Kind::kTooLarge : kind;
      v.index = i;
      if (!never)
        v.retry_after_ms = refill_ms(static_cast<double>(r.amount) - b.level, r.per_minute);
      v.*view = rate_view(b.level, r.per_minute);
      return false;
    }
    return true;
  };
  if (!check_rates(ask.requests, &Scope::requests, &Verdict::requests, Verdict::Kind::kRequests) ||
      !check_rates(ask.tokens, &Scope::tokens, &Verdict::tokens, Verdict::Kind::kTokens))
    return v;
  for (size_t i = 0; i < ask.parallel.size(); ++i) {
    const ParallelAsk& p = ask.parallel[i];
    if (at[p.scope]->in_flight >= p.max) {
      v.kind = Verdict::Kind::kParallel;
      v.index = i;
      return v;
    }
  }
  for (size_t i = 0; i < ask.budgets.size(); ++i) {
    const BudgetAsk& b = ask.budgets[i];
    Scope& s = *at[b.scope];
    s.budgeted = true;
    double used = (b.period == Period::kDay     ? s.day
                   : b.period == Period::kMonth ? s.month
                                                : s.total) +
                  s.reserved;
    if (used + b.reserve_usd > b.budget_usd + kCentEpsilon) {
      v.kind = Verdict::Kind::kBudget;
      v.index = i;
      v.used_usd = used;
      if (b.period != Period::kTotal)
        v.retry_after_ms = store::period_end_ms(period_name(b.period), now) - now;
      return v;
    }
  }
  // All fit: take them.
  for (const RateAsk& r : ask.requests) {
    Bucket& b = at[r.scope]->requests;
    b.level -= static_cast<double>(r.amount);
    keep_tightest(v.requests, rate_view(b.level, r.per_minute));
  }
  for (const RateAsk& r : ask.tokens) {
    Bucket& b = at[r.scope]->tokens;
    b.level -= static_cast<double>(r.amount);
    keep_tightest(v.tokens, rate_view(b.level, r.per_minute));
  }
  for (const ParallelAsk& p : ask.parallel) ++at[p.scope]->in_flight;
  for (const BudgetAsk& b : ask.budgets) at[b.scope]->reserved += b.reserve_usd;
  return v;
}

void MemoryLimitStore::settle(const Ask& ask, bool admitted, int64_t token_delta, double cost_usd,
                              int64_t now_ms) {
  if (!admitted && cost_usd <= 0) return;  // nothing was taken, nothing was spent
  std::lock_guard lk(mu_);
  Scope* at[3] = {nullptr, nullptr, nullptr};
  for (size_t i = 0; i < ask.scopes.size(); ++i) at[i] = &scope(ask.scopes[i], now_ms);
  if (admitted) {
    for (const ParallelAsk& p : ask.parallel) {
      Scope& s = *at[p.scope];
      s.in_flight = std::max<int64_t>(0, s.in_flight - 1);
    }
    for (const RateAsk& r : ask.tokens) {
      Bucket& b = at[r.scope]->tokens;
      refill(b.level, b.at_ms, b.capacity, r.per_minute, now_ms);
      b.level =
          std::min(b.level - static_cast<double>(token_delta), static_cast<double>(r.per_minute));
    }
    for (const BudgetAsk& b : ask.budgets) {
      Scope& s = *at[b.scope];
      s.reserved = std::max(0.0, s.reserved - b.reserve_usd);
    }
  }
  if (cost_usd > 0) {
    for (size_t i = 0; i < ask.scopes.size(); ++i) {
      at[i]->day += cost_usd;
      at[i]->month += cost_usd;
      at[i]->total += cost_usd;
    }
  }
}

double MemoryLimitStore::used(std::string_view name, Period period, int64_t now_ms) {
  std::lock_guard lk(mu_);
  Scope& s = scope(std::string(name), now_ms);
  double spent = period == Period::kDay ? s.day : period == Period::kMonth ? s.month : s.total;
  return spent + s.reserved;
}

}  // namespace gw::gateway
