#include "server/metric_labels.hpp"

namespace gw::server {

MetricLabels::MetricLabels(const config::Config& cfg,
                           std::shared_ptr<const gateway::PriceTable> prices)
    : cfg_(cfg), prices_(std::move(prices)) {
  auto name = [&](std::string_view full) {
    auto slash = full.find('/');
    if (slash == std::string_view::npos) return;
    named_[std::string(full.substr(0, slash))].emplace(full.substr(slash + 1));
  };
  for (const auto& [route, r] : cfg.routes)
    for (const auto& t : r.targets) name(t.model);
  for (const auto& [key, p] : cfg.prices) name(key);
  for (const char* m : {"mock/echo", "mock/lorem", "mock/fail-429", "mock/fail-500"}) name(m);
}

MetricLabels::Pair MetricLabels::of(std::string_view provider, std::string_view model) const {
  if (provider.empty() || provider == "none") return {"none", "none"};
  if (!cfg_.provider(provider)) return {"other", "other"};
  Pair p{std::string(provider), "other"};
  if (auto it = named_.find(provider); it != named_.end() && it->second.contains(model)) {
    p.model = std::string(model);
  } else if (prices_ && !prices_->is_mock(provider)) {
    if (auto price = prices_->lookup(provider, model)) {
      std::string_view key = price->key;
      p.model = std::string(key.substr(key.find('/') + 1));
    }
  }
  return p;
}

}  // namespace gw::server
