// Model names → an ordered list of upstream targets. A name is a route (`smart`), a
// `provider/model`, or a bare well-known name (`gpt-*`, `o1*`, `claude-*`, `gemini-*`).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "api/chat.hpp"
#include "api/error.hpp"
#include "config/config.hpp"
#include "gateway/context.hpp"
#include "gateway/health.hpp"
#include "providers/provider.hpp"

namespace gw::gateway {

struct RoutePlan {
  std::string route;                       // empty for a direct model
  std::vector<providers::Target> targets;  // in the order to try
  int retries = 2;                         // per target, on retryable failures
  double cooldown_s = 30;
  std::string reason;  // why this order (x-gw-route-reason)
};

// The name [aliases] maps `name` to, or `name` itself (one level: aliases do not chain).
const std::string& alias_of(const config::Config& cfg, const std::string& name);
// A direct model name (provider/model or a bare well-known name) → its target, if any.
std::optional<providers::Target> resolve_target(const config::Config& cfg, std::string_view name);
// Every target a model or route name can reach (every rule, default and target, through
// nested routes): what a budget must price at worst. nullopt when some name is unknown.
std::optional<std::vector<providers::Target>> reachable_targets(const config::Config& cfg,
                                                                std::string_view name);

class Router {
 public:
  explicit Router(const config::Config& cfg);

  Result<RoutePlan> plan(const api::ChatRequest& req, const RequestContext& ctx);
  // A direct model name (no routes) → its target.
  Result<providers::Target> resolve_model(std::string_view name) const;
  // Every provider and route name, for "unknown model" messages.
  std::string known_summary() const;

  Health& health() { return health_; }
  // USD for `in` prompt and `out` completion tokens on a target; nullopt when unpriced.
  using CostEstimator =
      std::function<std::optional<double>(const providers::Target&, int64_t in, int64_t out)>;
  void set_cost_estimator(CostEstimator f) { cost_ = std::move(f); }

 private:
  Result<RoutePlan> plan_route(const config::RouteConfig& route, const api::ChatRequest& req,
                               const RequestContext& ctx, int depth);
  Result<RoutePlan> plan_name(std::string_view name, const api::ChatRequest& req,
                              const RequestContext& ctx, int depth);

  void order_fastest(RoutePlan& plan, bool stream);
  void order_cheapest(RoutePlan& plan, const api::ChatRequest& req);
  double uniform();

  const config::Config& cfg_;
  Health health_;
  CostEstimator cost_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

}  // namespace gw::gateway
