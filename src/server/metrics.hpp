// Prometheus metrics for `gw serve` (docs/ARCHITECTURE.md §4.1): a pipeline Filter that counts
// requests, tokens, cost, errors and in-flight requests, and times latency and TTFT. Labelled
// handles are cached, so a request costs a map lookup and a few atomic adds.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "gateway/filter.hpp"
#include "gateway/limit_store.hpp"
#include "server/metric_labels.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace gw::server {

class Metrics final : public gateway::Filter {
 public:
  explicit Metrics(MetricLabels labels);
  ~Metrics() override;
  std::string_view name() const override { return "metrics"; }
  bool records_only() const override { return true; }  // counted after the answer
  Result<void> on_admit(gateway::RequestContext&) override;
  void on_complete(const gateway::Outcome& out, gateway::RequestContext& ctx) override;

  // Read at each scrape: ledger rows that could not be written (disk full, locked).
  void set_ledger_failure_source(std::function<double()> f) {
    ledger_failures_source_ = std::move(f);
  }
  // Read at each scrape: a shared limit store's state (gw_limit_store_up,
  // gw_limit_store_fallback_total); not set, neither series is shown.
  void set_limit_store_source(std::function<gateway::LimitStore::Health()> f);
  std::string render() const;  // Prometheus text format 0.0.4

 private:
  struct Series;  // the cached handles of one provider/model/status combination
  Series& series(const std::string& provider, const std::string& model, const std::string& status);

  MetricLabels labels_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* tokens_;
  prometheus::Family<prometheus::Counter>* cost_;
  prometheus::Family<prometheus::Counter>* upstream_errors_;
  prometheus::Family<prometheus::Histogram>* latency_;
  prometheus::Family<prometheus::Histogram>* ttft_;
  prometheus::Gauge* in_flight_;
  prometheus::Gauge* ledger_failures_;
  std::function<double()> ledger_failures_source_;
  prometheus::Gauge* limit_store_up_ = nullptr;
  prometheus::Counter* limit_store_fallbacks_ = nullptr;
  std::function<gateway::LimitStore::Health()> limit_store_source_;
  mutable std::atomic<uint64_t> fallbacks_seen_{0};  // what the counter has been told so far
  std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<Series>> series_;
};

}  // namespace gw::server
