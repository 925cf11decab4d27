// The request pipeline, assembled in one place, in the order every request takes:
//
//   metrics → meter → auth → limits → guard → router → attempt (failover) → provider
//
// Observers come first: a stage sees a request's end only if the request reached it, and
// every request must be counted and leave one ledger row, refused ones included. Limits
// enforce rate limits, budgets and model allow-lists (limits.hpp); the guard masks personal
// data and secrets and restores them in the answer (guard.hpp). `gw
// chat` and `gw compare` (cli/runtime.cpp) and `gw serve` (cli/serve.cpp) take the gateway
// from here.
#pragma once

#include <memory>

#include "config/config.hpp"
#include "gateway/filter.hpp"
#include "gateway/gateway.hpp"
#include "gateway/pricing.hpp"
#include "store/ledger.hpp"

namespace gw::gateway {

struct PipelineParts {
  std::shared_ptr<const PriceTable> prices;
  std::shared_ptr<store::Ledger> ledger;  // null: requests are not recorded
  std::unique_ptr<Filter> metrics;        // gw serve's /metrics counters; null for the CLI
  std::unique_ptr<Filter> auth;           // gw serve's virtual keys; null for the CLI
  std::unique_ptr<Filter> limits;         // rate limits, budgets, model allow-lists (limits.hpp)
  std::unique_ptr<Filter> guard;          // PII masking and restore (guard.hpp); null when off
};

std::unique_ptr<Gateway> build_pipeline(const config::Config& cfg, PipelineParts parts);

}  // namespace gw::gateway
