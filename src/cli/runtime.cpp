#include "cli/runtime.hpp"

namespace gw::cli {

Runtime::Runtime(config::Config cfg)
    : cfg_(std::move(cfg)), gateway_(std::make_unique<gateway::Gateway>(cfg_)) {}

Runtime::~Runtime() = default;

std::unique_ptr<Runtime> Runtime::open(const GlobalOptions& g) {
  auto cfg = load_config_or_report(g);
  if (!cfg) return nullptr;
  return std::unique_ptr<Runtime>(new Runtime(std::move(*cfg)));
}

}  // namespace gw::cli
