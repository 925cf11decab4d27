// `gw store migrate`: move an existing ledger and its keys from one store to another (the
// SQLite file of one machine into the PostgreSQL of several).
#include "cli/store_cmd.hpp"

#include <cstdio>
#include <memory>

#include "store/connect.hpp"
#include "store/copy.hpp"

namespace gw::cli {
namespace {

struct MigrateOptions {
  std::string from, to;
};

std::string shown(std::string_view spec) {
  return config::is_postgres_url(spec) ? config::mask_postgres_url(spec) : std::string(spec);
}

int run_migrate(const GlobalOptions& g, MigrateOptions o) {
  auto cfg = load_config_or_report(g);
  if (!cfg) return kConfig;
  if (o.from.empty()) o.from = "sqlite:" + cfg->store.path;
  if (o.to.empty()) o.to = cfg->store.url;
  if (o.to.empty()) {
    print_error(usage_error(
        "gw store migrate: say where to copy to: --to postgres://user@host/db (or set [store] "
        "url in the config)"));
    return kUsage;
  }
  if (o.from == o.to) {
    print_error(usage_error("gw store migrate: --from and --to name the same store"));
    return kUsage;
  }
  auto from = store::connect(o.from, false);
  if (!from) {
    print_error(from.error());
    return kConfig;
  }
  auto to = store::connect(o.to, true);
  if (!to) {
    print_error(to.error());
    return kConfig;
  }
  auto n = store::copy_store(**from, **to);
  if (!n) {
    print_error(n.error());
    return exit_code_for(n.error());
  }
  std::printf(
      "copied %lld ledger rows, %lld keys, %lld bodies and %lld kept responses\n"
      "  from %s\n  to   %s\n",
      static_cast<long long>(n->ledger), static_cast<long long>(n->keys),
      static_cast<long long>(n->bodies), static_cast<long long>(n->responses),
      shown(o.from).c_str(), shown(o.to).c_str());
  return kOk;
}

}  // namespace

void add_store_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto* cmd = app.add_subcommand("store", "Manage where keys and the usage ledger are kept");
  cmd->require_subcommand(1);
  auto o = std::make_shared<MigrateOptions>();
  auto* migrate = cmd->add_subcommand(
      "migrate",
      "Copy every ledger row, key, body and kept response from one store into an empty "
      "other, exactly (ids and costs to the last digit)");
  migrate->add_option("--from", o->from,
                      "The store to copy: sqlite:PATH or postgres://user@host/db (default: the "
                      "config's SQLite file, [store] path)");
  migrate->add_option("--to", o->to,
                      "The empty store to fill: postgres://user@host/db or sqlite:PATH "
                      "(default: [store] url)");
  migrate->callback([&g, &exit_code, o] { exit_code = run_migrate(g, *o); });
}

}  // namespace gw::cli
