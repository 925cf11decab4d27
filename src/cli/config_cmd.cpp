// `gw config check` and `gw config show`.
#include "cli/config_cmd.hpp"

#include <cstdio>
#include <iostream>

#include "gateway/router.hpp"

namespace gw::cli {
namespace {

// Checks what parsing cannot: every route target and rule names something that resolves.
std::vector<std::string> semantic_problems(const config::Config& cfg) {
  std::vector<std::string> problems;
  gateway::Router router(cfg);
  auto where = [&](int line) {
    return cfg.source + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": ";
  };
  for (const auto& [name, route] : cfg.routes) {
    for (const auto& t : route.targets)
      if (!router.resolve_model(t.model))
        problems.push_back(where(route.line) + "route '" + name + "': target '" + t.model +
                           "' names no known provider");
    auto check_use = [&](const std::string& use) {
      if (cfg.routes.count(use) == 0 && !router.resolve_model(use))
        problems.push_back(where(route.line) + "route '" + name + "': '" + use +
                           "' is neither a route nor a known model");
    };
    for (const auto& r : route.rules) check_use(r.use);
    if (!route.default_use.empty()) check_use(route.default_use);
  }
  for (const auto& [name, p] : cfg.providers)
    if (p.kind != "mock" && p.api_key.empty() && p.cloud.sa_private_key.empty() && p.line > 0)
      problems.push_back(where(p.line) + "provider '" + name + "' has no API key" +
                         (p.api_key_env.empty() ? "" : " ($" + p.api_key_env + " is not set)") +
                         " (fine for local servers that need none)");
  return problems;
}

}  // namespace

void add_config_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* cmd = app.add_subcommand("config", "Validate or print the configuration");
  cmd->require_subcommand(1);
  auto* check =
      cmd->add_subcommand("check", "Validate the config file; name the line of each problem");
  auto* show = cmd->add_subcommand("show", "Print the effective configuration, secrets masked");
  check->callback([&g, &exit_code] {
    auto cfg = load_config_or_report(g);
    if (!cfg) {
      exit_code = kConfig;
      return;
    }
    auto problems = semantic_problems(*cfg);
    bool fatal = false;
    for (const auto& p : problems) {
      bool warn_only = p.find("has no API key") != std::string::npos;
      fatal |= !warn_only;
      if (warn_only)
        print_warning(p);
      else
        std::fprintf(stderr, "gw: error: %s\n", p.c_str());
    }
    if (fatal) {
      exit_code = kConfig;
      return;
    }
    std::cout << (cfg->source.empty()
                      ? std::string("no config file: zero-config defaults are valid")
                      : cfg->source + ": ok")
              << " (" << cfg->providers.size() << " providers, " << cfg->routes.size()
              << " routes)\n";
    exit_code = kOk;
  });
  show->callback([&g, &exit_code] {
    auto cfg = load_config_or_report(g);
    if (!cfg) {
      exit_code = kConfig;
      return;
    }
    std::cout << config::render_config(*cfg);
    exit_code = kOk;
  });
}

}  // namespace gw::cli
