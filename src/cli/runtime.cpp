#include "cli/runtime.hpp"

#include "gateway/guard.hpp"
#include "gateway/limits.hpp"

namespace gw::cli {

Runtime::Runtime(config::Config cfg)
    : cfg_(std::move(cfg)), prices_(std::make_shared<const gateway::PriceTable>(cfg_)) {}

Runtime::~Runtime() {
  // The gateway's meter holds the ledger too, but the rows must be on disk before we return.
  if (ledger_) ledger_->close();
}

std::function<void()> Runtime::flush_hook() const {
  return [w = std::weak_ptr<store::Ledger>(ledger_)] {
    if (auto l = w.lock()) l->flush();
  };
}

std::unique_ptr<Runtime> Runtime::open(const GlobalOptions& g, bool require_ledger,
                                       const FrontStages& front) {
  auto cfg = load_config_or_report(g);
  if (!cfg) return nullptr;
  std::unique_ptr<Runtime> rt(new Runtime(std::move(*cfg)));
  if (auto l = store::Ledger::open(rt->cfg_.store)) {
    rt->ledger_ = std::move(*l);
  } else if (require_ledger) {
    print_error(l.error());
    return nullptr;
  } else {
    print_warning("usage is not being recorded: " + l.error().message);
  }
  gateway::PipelineParts parts;
  parts.prices = rt->prices_;
  parts.ledger = rt->ledger_;
  if (front) front(*rt, parts);
  // The CLI's budgets come only from the config ([users.NAME], [limits]): nothing to read
  // from the ledger unless one is set.
  if (!parts.limits)
    parts.limits = gateway::Limits::open(rt->cfg_, rt->prices_, gateway::Limits::Seed::kIfBudgets,
                                         print_warning);
  // The guard, when any policy turns a detector on; a pattern RE2 refuses is a config error.
  if (!parts.guard && gateway::Guard::wanted(rt->cfg_)) {
    auto guard = gateway::Guard::open(rt->cfg_);
    if (!guard) {
      print_error(guard.error());
      return nullptr;
    }
    parts.guard = std::move(*guard);
  }
  rt->gateway_ = gateway::build_pipeline(rt->cfg_, std::move(parts));
  return rt;
}

}  // namespace gw::cli
