// The assembled pipeline for one CLI process: config, gateway and its stages. Every
// subcommand that sends requests opens one, so chat, compare and serve share the same path.
#pragma once

#include <memory>

#include "cli/common.hpp"
#include "gateway/gateway.hpp"

namespace gw::cli {

class Runtime {
 public:
  // Prints the problem and returns null on a config error.
  static std::unique_ptr<Runtime> open(const GlobalOptions& g);
  ~Runtime();

  const config::Config& config() const { return cfg_; }
  gateway::Gateway& gateway() { return *gateway_; }

 private:
  explicit Runtime(config::Config cfg);
  config::Config cfg_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

}  // namespace gw::cli
