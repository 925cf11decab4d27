// What one CLI process runs requests with: the config, the price table, the ledger and the
// pipeline build_pipeline() assembles from them. Every subcommand that sends requests opens
// one, so chat, compare and serve share the same path.
#pragma once

#include <functional>
#include <memory>

#include "cli/common.hpp"
#include "gateway/gateway.hpp"
#include "gateway/pipeline.hpp"
#include "gateway/pricing.hpp"
#include "store/ledger.hpp"

namespace gw::cli {

class Runtime {
 public:
  // Prints the problem and returns null on a config error. A ledger that cannot be opened is
  // a warning (requests still work, unrecorded) unless `require_ledger`, when it is an error.
  // `front` adds a front end's own stages (gw serve: metrics and auth) to the pipeline.
  using FrontStages = std::function<void(Runtime&, gateway::PipelineParts&)>;
  static std::unique_ptr<Runtime> open(const GlobalOptions& g, bool require_ledger = false,
                                       const FrontStages& front = {});
  ~Runtime();  // writes every pending ledger row before returning

  const config::Config& config() const { return cfg_; }
  gateway::Gateway& gateway() { return *gateway_; }
  const gateway::PriceTable& prices() const { return *prices_; }
  std::shared_ptr<const gateway::PriceTable> prices_shared() const { return prices_; }
  // Null when the store could not be opened. Its counters feed /metrics.
  store::Ledger* ledger() { return ledger_.get(); }
  // Flushes the ledger; safe from any thread, even after the Runtime is gone (Ctrl-C watchdog).
  std::function<void()> flush_hook() const;

 private:
  explicit Runtime(config::Config cfg);
  config::Config cfg_;
  std::shared_ptr<const gateway::PriceTable> prices_;
  std::shared_ptr<store::Ledger> ledger_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

}  // namespace gw::cli
