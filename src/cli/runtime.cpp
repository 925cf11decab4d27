#include "cli/runtime.hpp"

#include "gateway/meter.hpp"

namespace gw::cli {

Runtime::Runtime(config::Config cfg)
    : cfg_(std::move(cfg)),
      prices_(std::make_shared<const gateway::PriceTable>(cfg_)),
      gateway_(std::make_unique<gateway::Gateway>(cfg_)) {}

Runtime::~Runtime() {
  // Before the gateway goes: its meter may still hold the ledger, but the rows must be on disk.
  if (ledger_) ledger_->close();
}

std::function<void()> Runtime::flush_hook() const {
  return [w = std::weak_ptr<store::Ledger>(ledger_)] {
    if (auto l = w.lock()) l->flush();
  };
}

std::unique_ptr<Runtime> Runtime::open(const GlobalOptions& g, bool require_ledger) {
  auto cfg = load_config_or_report(g);
  if (!cfg) return nullptr;
  std::unique_ptr<Runtime> rt(new Runtime(std::move(*cfg)));
  if (auto l = store::Ledger::open(rt->cfg_.store.path)) {
    rt->ledger_ = std::move(*l);
  } else if (require_ledger) {
    print_error(l.error());
    return nullptr;
  } else {
    print_warning("usage is not being recorded: " + l.error().message);
  }
  // At the front: a stage sees on_complete only if the request reached it, and every
  // request, rejected ones included, must leave a ledger row.
  gateway::Meter::Options mo;
  mo.log_bodies = rt->cfg_.store.log_bodies;
  rt->gateway_->set_prices(rt->prices_);
  rt->gateway_->add_filter_front(std::make_unique<gateway::Meter>(rt->prices_, rt->ledger_, mo));
  return rt;
}

}  // namespace gw::cli
