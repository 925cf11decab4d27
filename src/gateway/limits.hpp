// The limits stage (after auth, before the guard): every policy that applies to a request
// (its key's, its tenant's [tenants.NAME], its user's [users.NAME] or else [limits]) is
// enforced at once: the model allow-lists (403 model_not_allowed), requests and tokens per
// minute and requests in flight (429 rate_limit_exceeded), and hard budgets (429
// budget_exceeded). Before the upstream call a budget reserves the request's worst-case cost;
// when the request is over (on_complete, streams included) the reservation settles to the
// real cost, the token buckets are corrected by the real usage and parallel slots come back.
// The counters live behind LimitStore (limit_store.hpp); the request path pays one short
// critical section for admission and one for settlement, never a disk access.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "gateway/filter.hpp"
#include "gateway/limit_store.hpp"
#include "gateway/pricing.hpp"

namespace gw::gateway {

// The output a budget assumes when a request sets no max_tokens / max_completion_tokens.
inline constexpr int64_t kAssumedOutputTokens = 4096;

class Limits : public Filter {
 public:
  using WallClock = std::function<int64_t()>;  // unix ms; tests move it
  enum class Seed { kNone, kIfBudgets, kAll };

  Limits(const config::Config& cfg, std::shared_ptr<const PriceTable> prices,
         std::shared_ptr<LimitStore> store, WallClock clock = {});
  // With an in-memory store whose spend starts from the ledger at [store] path: every key,
  // user and tenant (kAll, gw serve), or only when the config has a budget (kIfBudgets, the
  // CLI, whose budgets come only from the config). A ledger that cannot be read is a warning.
  static std::unique_ptr<Limits> open(const config::Config& cfg,
                                      std::shared_ptr<const PriceTable> prices, Seed seed,
                                      const std::function<void(const std::string&)>& warn);

  std::string_view name() const override { return "limits"; }
  Result<void> on_request(api::ChatRequest& req, RequestContext& ctx) override;
  void on_complete(const Outcome& out, RequestContext& ctx) override;
  bool reads_cost(const RequestContext& ctx) const override;

  // May this caller use `model` under every allow-list that applies? (GET /v1/models)
  bool allows(const Caller& caller, std::string_view model) const;
  LimitStore& store() { return *store_; }

 private:
  struct Policy {
    enum Kind : uint8_t { kKey, kUser, kTenant } kind = kKey;
    bool defaulted = false;  // the user's is [limits]: they are not named in [users]
    const config::Limits* limits = nullptr;
  };
  // Up to three: key, user (`user`, made printable), tenant. No allocation.
  size_t policies_of(const Caller& caller, std::string_view user, Policy (&out)[3]) const;
  static std::string label_of(const Ask& ask, uint8_t scope, bool defaulted);
  Result<void> refuse(const Verdict& v, const Ask& ask, const bool (&defaulted)[3],
                      RequestContext& ctx) const;

  const config::Config& cfg_;
  std::shared_ptr<const PriceTable> prices_;
  std::shared_ptr<LimitStore> store_;
  WallClock clock_;
};

}  // namespace gw::gateway
