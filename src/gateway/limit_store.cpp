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

int64_t ms_until(double missing, int64_t per_minute) {  // to refill `missing` units
  if (missing <= 0) return 0;
  return static_cast<int64_t>(std::ceil(missing * kMinuteMs / static_cast<double>(per_minute)));
}

RateView view_of(double level, int64_t per_minute) {
  return {per_minute, std::max<int64_t>(0, static_cast<int64_t>(std::floor(level))),
          ms_until(static_cast<double>(per_minute) - level, per_minute)};
}

// The tighter of two bucket views: fewer left, then the lower limit.
void keep_tightest(RateView& into, const RateView& v) {
  if (into.limit == 0 || v.remaining < into.remaining ||
      (v.remaining == into.remaining && v.limit < into.limit))
    into = v;
}

}  // namespace

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
  // Check everything first: nothing is taken unless all of it fits.
  for (size_t i = 0; i < ask.requests.size(); ++i) {
    const RateAsk& r = ask.requests[i];
    Bucket& b = scope(r.scope, now).requests;
    refill(b.level, b.at_ms, b.capacity, r.per_minute, now);
    if (b.level < static_cast<double>(r.amount)) {
      v.kind = Verdict::Kind::kRequests;
      v.index = i;
      v.retry_after_ms = ms_until(static_cast<double>(r.amount) - b.level, r.per_minute);
      v.requests = view_of(b.level, r.per_minute);
      return v;
    }
  }
  for (size_t i = 0; i < ask.tokens.size(); ++i) {
    const RateAsk& r = ask.tokens[i];
    Bucket& b = scope(r.scope, now).tokens;
    refill(b.level, b.at_ms, b.capacity, r.per_minute, now);
    if (r.amount > r.per_minute) {
      v.kind = Verdict::Kind::kTooLarge;
      v.index = i;
      v.tokens = view_of(b.level, r.per_minute);
      return v;
    }
    if (b.level < static_cast<double>(r.amount)) {
      v.kind = Verdict::Kind::kTokens;
      v.index = i;
      v.retry_after_ms = ms_until(static_cast<double>(r.amount) - b.level, r.per_minute);
      v.tokens = view_of(b.level, r.per_minute);
      return v;
    }
  }
  for (size_t i = 0; i < ask.parallel.size(); ++i) {
    const ParallelAsk& p = ask.parallel[i];
    if (scope(p.scope, now).in_flight >= p.max) {
      v.kind = Verdict::Kind::kParallel;
      v.index = i;
      return v;
    }
  }
  for (size_t i = 0; i < ask.budgets.size(); ++i) {
    const BudgetAsk& b = ask.budgets[i];
    Scope& s = scope(b.scope, now);
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
    Bucket& b = scopes_.find(r.scope)->second.requests;
    b.level -= static_cast<double>(r.amount);
    keep_tightest(v.requests, view_of(b.level, r.per_minute));
  }
  for (const RateAsk& r : ask.tokens) {
    Bucket& b = scopes_.find(r.scope)->second.tokens;
    b.level -= static_cast<double>(r.amount);
    keep_tightest(v.tokens, view_of(b.level, r.per_minute));
  }
  for (const ParallelAsk& p : ask.parallel) ++scopes_.find(p.scope)->second.in_flight;
  for (const BudgetAsk& b : ask.budgets) scopes_.find(b.scope)->second.reserved += b.reserve_usd;
  return v;
}

void MemoryLimitStore::settle(const Ask& ask, bool admitted, int64_t token_delta, double cost_usd,
                              int64_t now_ms) {
  std::lock_guard lk(mu_);
  if (admitted) {
    for (const ParallelAsk& p : ask.parallel) {
      Scope& s = scope(p.scope, now_ms);
      s.in_flight = std::max<int64_t>(0, s.in_flight - 1);
    }
    for (const RateAsk& r : ask.tokens) {
      Bucket& b = scope(r.scope, now_ms).tokens;
      refill(b.level, b.at_ms, b.capacity, r.per_minute, now_ms);
      b.level =
          std::min(b.level - static_cast<double>(token_delta), static_cast<double>(r.per_minute));
    }
    for (const BudgetAsk& b : ask.budgets) {
      Scope& s = scope(b.scope, now_ms);
      s.reserved = std::max(0.0, s.reserved - b.reserve_usd);
    }
  }
  if (cost_usd > 0) {
    for (const std::string& name : ask.spend) {
      Scope& s = scope(name, now_ms);
      s.day += cost_usd;
      s.month += cost_usd;
      s.total += cost_usd;
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
