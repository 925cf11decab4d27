// The counters behind rate limits, parallel caps and budgets, behind one small interface:
// admit() checks everything one request asks of every scope (key, user, tenant) and takes
// it all or nothing; settle() gives it back or corrects it when the request is over. The
// in-memory store below serves one gw process. Several gw instances behind one load balancer
// need one global count: a shared store (Redis, Postgres) implements the same two calls, each
// as one atomic step (a script or a transaction) in one round trip.
#pragma once

#include <array>
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

// A list of at most N, kept inline: an ask has one entry per scope at most (key, user,
// tenant), and the request path should not allocate for it.
template <class T, size_t N>
class Few {
 public:
  void push_back(T v) {
    if (n_ < N) items_[n_++] = std::move(v);
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  void clear() { n_ = 0; }
  const T& operator[](size_t i) const { return items_[i]; }
  const T* begin() const { return items_.data(); }
  const T* end() const { return items_.data() + n_; }

 private:
  std::array<T, N> items_{};
  size_t n_ = 0;
};

// Scope names: "k:<key id without key_>", "u:<user>", "t:<tenant>"; short, so most fit in a
// std::string's own buffer (no allocation, one memory access fewer per lookup).
std::string key_scope(std::string_view key_id);
std::string user_scope(std::string_view user);
std::string tenant_scope(std::string_view tenant);
// A scope as messages name it: "key key_AbC123dEf456", "user alice", "tenant acme".
std::string scope_label(std::string_view scope);

// The asks name their scope by its place in Ask::scopes.
struct RateAsk {  // a token bucket: `per_minute` capacity, refilled evenly over a minute
  uint8_t scope = 0;
  int64_t per_minute = 0;
  int64_t amount = 0;  // requests: 1; tokens: the estimate
};
struct ParallelAsk {
  uint8_t scope = 0;
  int64_t max = 0;
};
struct BudgetAsk {
  uint8_t scope = 0;
  double budget_usd = 0;
  Period period = Period::kMonth;
  double reserve_usd = 0;  // the request's worst-case cost
};

// What one request asks. `scopes` are its key's, user's and tenant's, every scope the
// request belongs to: its cost is added to each, budgeted or not, so a budget set
// later starts from the real figure.
struct Ask {
  int64_t now_ms = 0;
  Few<std::string, 3> scopes;
  Few<RateAsk, 3> requests, tokens;
  Few<ParallelAsk, 3> parallel;
  Few<BudgetAsk, 3> budgets;
  // A shared store's handle on what this request holds (its parallel-slot and reservation
  // entries, which expire if the instance dies); `local`: a shared store admitted it from its
  // in-memory fallback, so that is where it settles.
  uint64_t lease = 0;
  bool local = false;
  const std::string& scope_of(uint8_t i) const { return scopes[i]; }
};

// A bucket's state after admission, for the x-ratelimit-* headers; limit 0 = no bucket.
struct RateView {
  int64_t limit = 0, remaining = 0, reset_ms = 0;
};

// A bucket of `per_minute` at `level` as the headers show it; the tighter of two views (fewer
// left, then the lower limit) kept in `into`. Shared by every LimitStore.
RateView rate_view(double level, int64_t per_minute);
int64_t refill_ms(double missing, int64_t per_minute);  // until `missing` units are back
void keep_tightest(RateView& into, const RateView& v);

struct Verdict {
  // kUnavailable: a shared store could not be reached and its policy is fail_closed (503).
  enum class Kind { kAdmitted, kRequests, kTokens, kTooLarge, kParallel, kBudget, kUnavailable };
  Kind kind = Kind::kAdmitted;
  size_t index = 0;             // the refusing ask within its list
  int64_t retry_after_ms = -1;  // when it would fit (rates); -1 unknown
  double used_usd = 0;          // kBudget: spent plus reserved in the period
  RateView requests, tokens;    // the tightest bucket of each kind
  bool local = false;           // admitted by a shared store's in-memory fallback (Ask::local)
  bool admitted() const { return kind == Kind::kAdmitted; }
};

class LimitStore {
 public:
  virtual ~LimitStore() = default;
  // Checks every part of `ask`; only when all fit are they all taken.
  virtual Verdict admit(const Ask& ask) = 0;
  // The request `ask` (admitted or not: refused, or nothing to ask) is over: frees its parallel
  // slots, corrects its token buckets by `token_delta` (real − estimated), turns each budget
  // reservation into `cost_usd`, and adds `cost_usd` to every spend scope.
  virtual void settle(const Ask& ask, bool admitted, int64_t token_delta, double cost_usd,
                      int64_t now_ms) = 0;
  // Spent plus reserved in the period holding `now_ms`.
  virtual double used(std::string_view scope, Period period, int64_t now_ms) = 0;

  // For /metrics: is a shared store reachable, and how many requests were admitted or refused
  // without it. An in-memory store is always up.
  struct Health {
    bool shared = false;
    bool up = true;
    uint64_t fallbacks = 0;
  };
  virtual Health health() const { return {}; }
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
