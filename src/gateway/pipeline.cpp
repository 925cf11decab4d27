#include "gateway/pipeline.hpp"

#include <vector>

#include "gateway/meter.hpp"

namespace gw::gateway {

std::unique_ptr<Gateway> build_pipeline(const config::Config& cfg, PipelineParts parts) {
  std::vector<std::unique_ptr<Filter>> stages;
  if (parts.metrics) stages.push_back(std::move(parts.metrics));
  Meter::Options meter;
  meter.log_bodies = cfg.store.log_bodies;
  stages.push_back(std::make_unique<Meter>(parts.prices, std::move(parts.ledger), meter));
  if (parts.auth) stages.push_back(std::move(parts.auth));
  if (parts.limits) stages.push_back(std::move(parts.limits));
  if (parts.guard) stages.push_back(std::move(parts.guard));
  // The router and the attempts (failover.hpp) are the gateway's own last steps.
  return std::make_unique<Gateway>(cfg, std::move(stages), std::move(parts.prices));
}

}  // namespace gw::gateway
