// `gw models`: every provider, model and route gw knows, with the prices it charges them at.
#include "cli/models.hpp"

#include <cstdio>
#include <iostream>
#include <set>
#include <string>

#include "gateway/catalogue.hpp"
#include "gateway/pricing.hpp"

namespace gw::cli {
namespace {

// 2.5 → "2.50", 0.075 → "0.075": at least two decimals, no trailing noise.
std::string usd(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (s.size() > 1 && s.back() == '0' && s.size() - s.find('.') > 3) s.pop_back();
  return s;
}

void print_prices(const config::Config& cfg, const gateway::PriceTable& prices) {
  std::printf("\nPRICES  USD per million tokens, table %s\n", prices.version().c_str());
  std::set<std::string> sources;
  for (const auto& [name, p] : cfg.providers) {
    if (prices.is_mock(name)) {
      std::printf("%s: every model costs 0\n", name.c_str());
      continue;
    }
    auto list = prices.catalogue(name);
    if (list.empty()) {
      std::printf(
          "%s: no prices known; costs are recorded as unknown until the config sets "
          "[prices.\"%s/<model>\"]\n",
          name.c_str(), name.c_str());
      continue;
    }
    std::printf("%s:\n  %-28s %9s %9s %11s %9s  %s\n", name.c_str(), "MODEL", "INPUT", "CACHED",
                "CACHE WRITE", "OUTPUT", "NOTE");
    for (const auto& m : list) {
      const auto& r = m.rates;
      std::string note = m.source == "config" ? "config" : "";
      if (m.long_above > 0) {
        const auto& l = m.long_rates;
        note += (note.empty() ? "" : "; ") + std::string("prompts over ") +
                std::to_string(m.long_above / 1000) + "K: " + usd(l.input) + " / " +
                usd(l.cached_input.value_or(l.input)) + " / " +
                usd(l.cache_write.value_or(l.input)) + " / " + usd(l.output);
      }
      if (m.source != "config") sources.insert(m.source);
      std::string model = m.key.substr(m.key.find('/') + 1);
      std::printf("  %-28s %9s %9s %11s %9s  %s\n", model.c_str(), usd(r.input).c_str(),
                  usd(r.cached_input.value_or(r.input)).c_str(),
                  usd(r.cache_write.value_or(r.input)).c_str(), usd(r.output).c_str(),
                  note.c_str());
    }
  }
  std::printf(
      "\nDated snapshots are priced as their model (gpt-4o-mini-2024-07-18 as "
      "gpt-4o-mini).\n");
  for (const auto& s : sources) std::printf("source: %s\n", s.c_str());
}

}  // namespace

void add_models_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* cmd =
      app.add_subcommand("models", "List the providers, models and routes gw knows, with prices");
  cmd->callback([&g, &exit_code] {
    auto cfg = load_config_or_report(g);
    if (!cfg) {
      exit_code = kConfig;
      return;
    }
    auto cat = gateway::catalogue_of(*cfg);
    std::cout << "PROVIDER    KIND       KEY   BASE URL\n";
    for (const auto& p : cat.providers) {
      std::string key = p.mock ? "-" : (p.has_key ? "yes" : "no");
      std::printf("%-11s %-10s %-5s %s\n", p.name.c_str(), p.kind.c_str(), key.c_str(),
                  p.mock ? "(built in, offline)" : p.base_url.c_str());
    }
    std::string mock_models;
    for (const auto& m : cat.mock_models) mock_models += (mock_models.empty() ? "" : ", ") + m;
    std::cout << "\nmock models: " << mock_models << "\n";
    if (!cat.routes.empty()) {
      std::cout << "\nROUTE       STRATEGY   TARGETS\n";
      for (const auto& r : cat.routes) {
        std::string targets;
        for (const auto& t : r.targets) targets += (targets.empty() ? "" : ", ") + t;
        if (targets.empty()) targets = "(rules)";
        std::printf("%-11s %-10s %s\n", r.name.c_str(), r.strategy.c_str(), targets.c_str());
      }
    }
    std::cout.flush();
    print_prices(*cfg, gateway::PriceTable(*cfg));
    std::fflush(stdout);
    exit_code = kOk;
  });
}

}  // namespace gw::cli
