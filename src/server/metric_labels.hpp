// Metric labels come from a bounded set: configured providers, and models that are
// priced or named in the config; any other name is `other`. 20,000 made-up model names once
// grew /metrics to 216 MB and stalled the event loop that served it.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "gateway/pricing.hpp"

namespace gw::server {

class MetricLabels {
 public:
  MetricLabels(const config::Config& cfg, std::shared_ptr<const gateway::PriceTable> prices);

  struct Pair {
    std::string provider, model;
  };
  // The labels of a target. A priced model that is not named anywhere (a dated snapshot)
  // is labelled with its price-table name, so the set stays as small as the table.
  Pair of(std::string_view provider, std::string_view model) const;

 private:
  const config::Config& cfg_;
  std::shared_ptr<const gateway::PriceTable> prices_;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>>
      named_;  // provider → models
};

}  // namespace gw::server
