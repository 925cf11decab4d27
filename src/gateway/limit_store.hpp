// The counters behind rate limits, parallel caps and budgets, behind one small interface:
// admit() checks everything one request asks of every scope (key, user, tenant) and takes
// it all or nothing; settle() gives it back or corrects it when the request is over. The
// in-memory store below serves one gw process. Several gw instances behind one load balancer
// need one global count: a shared store (Redis, Postgres) implements the same two calls, each
// as one atomic step (a script or a transaction) in one round trip.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/spend.hpp"

namespace gw::gateway {

enum class Period : uint8_t { kDay, kMonth, kTotal };
Period period_of(std::string_view name);  // "day", "total", else month
std::string_view period_name(Period p);

// Scopes are "key:<id>", "user:<name>" and "tenant:<name>".
struct RateAsk {  // a token bucket: `per_minute` capacity, refilled evenly over a minute
  std::string scope;
  int64_t per_minute = 0;
  int64_t amount = 0;  // requests: 1; tokens: the estimate
};
struct ParallelAsk {
  std::string scope;
  int64_t max = 0;
};
struct BudgetAsk {
  std::string scope;
  double budget_usd = 0;
  Period period = Period::kMonth;
  double reserve_usd = 0;  // the request's worst-case cost
};

// What one request asks. `spend` lists every scope its cost is added to (budgeted or not), so
// a budget set later starts from the real figure.
struct Ask {
  int64_t now_ms = 0;
  std::vector<RateAsk> requests, tokens;
  std::vector<ParallelAsk> parallel;
  std::vector<BudgetAsk> budgets;
  std::vector<std::string> spend;
  bool limited() const {
    return !requests.empty() || !tokens.empty() || !parallel.empty() || !budgets.empty();
  }
};

// A bucket's state after admission, for the x-ratelimit-* headers; limit 0 = no bucket.
struct RateView {
  int64_t limit = 0, remaining = 0, reset_ms = 0;
};

struct Verdict {
  enum class Kind { kAdmitted, kRequests, kTokens, kTooLarge, kParallel, kBudget };
  Kind kind = Kind::kAdmitted;
  size_t index = 0;             // the refusing ask within its list
  int64_t retry_after_ms = -1;  // when it would fit (rates); -1 unknown
  double used_usd = 0;          // kBudget: spent plus reserved in the period
  RateView requests, tokens;    // the tightest bucket of each kind
  bool admitted() const { return kind == Kind::kAdmitted; }
};

class LimitStore {
 public:
  virtual ~LimitStore() = default;
  // Checks every part of `ask`; only when all fit are they all taken.
  virtual Verdict admit(const Ask& ask) = 0;
  // The request `ask` (admitted, or never asked when !ask.limited()) is over: frees its parallel
  // slots, corrects its token buckets by `token_delta` (real − estimated), turns each budget
  // reservation into `cost_usd`, and adds `cost_usd` to every spend scope.
  virtual void settle(const Ask& ask, bool admitted, int64_t token_delta, double cost_usd,
                      int64_t now_ms) = 0;
  // Spent plus reserved in the period holding `now_ms`.
  virtual double used(std::string_view scope, Period period, int64_t now_ms) = 0;
};

class MemoryLimitStore : public LimitStore {
 public:
  // Beyond this many scopes, idle ones without a budget are forgotten (a client can name
  // endless users; the ledger keeps their history).
  explicit MemoryLimitStore(size_t max_scopes = 200000) : max_scopes_(max_scopes) {}

  // Spend from before this process (the ledger), added once at start.
  void seed(const std::string& scope, const store::SpendTotals& spent, int64_t now_ms);

  Verdict admit(const Ask& ask) override;
  void settle(const Ask& ask, bool admitted, int64_t token_delta, double cost_usd,
              int64_t now_ms) override;
  double used(std::string_view scope, Period period, int64_t now_ms) override;
  size_t scopes() {
    std::lock_guard lk(mu_);
    return scopes_.size();
  }

 private:
  struct Bucket {
    double level = 0;    // available; negative after a correction (a debt)
    int64_t at_ms = -1;  // -1: never used (full)
    int64_t capacity = 0;
  };
  struct Scope {
    Bucket requests, tokens;
    int64_t in_flight = 0;
    int64_t day_start = 0, month_start = 0;
    double day = 0, month = 0, total = 0, reserved = 0;
    bool budgeted = false;  // never forgotten
    int64_t touched_ms = 0;
  };
  Scope& scope(const std::string& name, int64_t now_ms);  // with the periods rolled over
  void sweep(int64_t now_ms);

  const size_t max_scopes_;
  size_t sweep_at_ = max_scopes_;
  std::mutex mu_;  // one short critical section per request; see limits.hpp
  std::unordered_map<std::string, Scope> scopes_;
};

}  // namespace gw::gateway
