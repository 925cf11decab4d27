// `gw models`: every provider and route gw knows. (The priced model catalogue joins this
// listing with the pricing table.)
#include "cli/models.hpp"

#include <iostream>

namespace gw::cli {

void add_models_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* cmd =
      app.add_subcommand("models", "List the providers, models and routes gw knows, with prices");
  cmd->callback([&g, &exit_code] {
    auto cfg = load_config_or_report(g);
    if (!cfg) {
      exit_code = kConfig;
      return;
    }
    std::cout << "PROVIDER    KIND       KEY   BASE URL\n";
    for (const auto& [name, p] : cfg->providers) {
      std::string key = p.kind == "mock" ? "-" : (p.api_key.empty() ? "no" : "yes");
      std::printf("%-11s %-10s %-5s %s\n", name.c_str(), p.kind.c_str(), key.c_str(),
                  p.kind == "mock" ? "(built in, offline)" : p.base_url.c_str());
    }
    std::cout
        << "\nmock models: mock/echo, mock/lorem, mock/fail-429, mock/fail-500, mock/slow-<ms>\n";
    if (!cfg->routes.empty()) {
      std::cout << "\nROUTE       STRATEGY   TARGETS\n";
      for (const auto& [name, r] : cfg->routes) {
        std::string targets;
        for (const auto& t : r.targets) targets += (targets.empty() ? "" : ", ") + t.model;
        if (targets.empty()) targets = "(rules)";
        std::printf("%-11s %-10s %s\n", name.c_str(), r.strategy.c_str(), targets.c_str());
      }
    }
    exit_code = kOk;
  });
}

}  // namespace gw::cli
