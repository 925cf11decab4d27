// `gw keys`: create a key (its secret is printed once and stored only as a hash), list the
// keys, revoke one (a running `gw serve` refuses it within a second).
#include "cli/keys.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "store/keys.hpp"
#include "store/report.hpp"

namespace gw::cli {
namespace {

struct KeysOptions {
  std::string name, user, tenant;
  std::string id;
  std::string format = "table";
};

std::optional<store::KeyStore> open_keys(const GlobalOptions& g, int& rc) {
  auto cfg = load_config_or_report(g);
  if (!cfg) {
    rc = kConfig;
    return std::nullopt;
  }
  auto ks = store::KeyStore::open(cfg->store.path, true);
  if (!ks) {
    print_error(ks.error());
    rc = kConfig;
    return std::nullopt;
  }
  return std::move(*ks);
}

int run_create(const GlobalOptions& g, const KeysOptions& o) {
  if (o.name.empty()) {
    print_error(Error::usage("--name must not be empty"));
    return kUsage;
  }
  int rc = kOk;
  auto ks = open_keys(g, rc);
  if (!ks) return rc;
  auto k = ks->create(o.name, o.user, o.tenant);
  if (!k) {
    print_error(k.error());
    return exit_code_for(k.error());
  }
  std::cout << k->secret << '\n';
  std::cout.flush();
  std::string owner = o.name;
  if (!o.user.empty()) owner += ", user " + o.user;
  if (!o.tenant.empty()) owner += ", tenant " + o.tenant;
  std::fprintf(stderr, "gw: created %s (%s); the secret above is not shown again, store it now\n",
               k->id.c_str(), owner.c_str());
  return kOk;
}

std::string status_of(const store::KeyRecord& k) {
  return k.revoked_ms ? "revoked " + store::iso_utc(*k.revoked_ms) : "active";
}

void print_table(const std::vector<store::KeyRecord>& keys) {
  std::vector<std::vector<std::string>> rows{
      {"ID", "PREFIX", "NAME", "USER", "TENANT", "CREATED", "STATUS"}};
  for (const auto& k : keys)
    rows.push_back({k.id, k.prefix + "…", k.name, k.user.empty() ? "-" : k.user,
                    k.tenant.empty() ? "-" : k.tenant, store::iso_utc(k.created_ms), status_of(k)});
  std::vector<size_t> width(rows[0].size(), 0);
  auto display_width = [](const std::string& s) {  // UTF-8 code points, for the ellipsis
    return static_cast<size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], display_width(r[i]));
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - display_width(r[i]) + 2, ' ');
    }
    std::cout << line << '\n';
  }
}

int run_list(const GlobalOptions& g, const KeysOptions& o) {
  int rc = kOk;
  auto ks = open_keys(g, rc);
  if (!ks) return rc;
  auto keys = ks->list();
  if (!keys) {
    print_error(keys.error());
    return exit_code_for(keys.error());
  }
  if (o.format == "json") {
    auto arr = nlohmann::json::array();
    for (const auto& k : *keys)
      arr.push_back({{"id", k.id},
                     {"prefix", k.prefix},
                     {"name", k.name},
                     {"user", k.user},
                     {"tenant", k.tenant},
                     {"created", store::iso_utc(k.created_ms)},
                     {"created_ms", k.created_ms},
                     {"revoked_ms", k.revoked_ms ? nlohmann::json(*k.revoked_ms) : nullptr},
                     {"status", k.revoked_ms ? "revoked" : "active"}});
    std::cout << arr.dump() << '\n';
  } else if (keys->empty()) {
    std::fprintf(stderr, "no keys yet: create one with gw keys create --name NAME\n");
  } else {
    print_table(*keys);
  }
  std::cout.flush();
  return kOk;
}

int run_revoke(const GlobalOptions& g, const KeysOptions& o) {
  int rc = kOk;
  auto ks = open_keys(g, rc);
  if (!ks) return rc;
  if (auto r = ks->revoke(o.id); !r) {
    print_error(r.error());
    return r.error().status == 404 ? kUsage : exit_code_for(r.error());
  }
  std::fprintf(stderr, "gw: revoked %s; a running gw serve refuses it within a second\n",
               o.id.c_str());
  return kOk;
}

}  // namespace

void add_keys_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto o = std::make_shared<KeysOptions>();
  auto* cmd = app.add_subcommand("keys", "Virtual API keys for gw serve: create, list, revoke");
  cmd->require_subcommand(1);

  auto* create = cmd->add_subcommand(
      "create", "Create a key; its secret (gk-...) is printed once and stored only as a hash");
  create->add_option("--name", o->name, "A name for the key")->required();
  create->add_option("--user", o->user,
                     "The user its requests are attributed to (a request's own user wins)");
  create->add_option("--tenant", o->tenant, "The tenant its requests are attributed to");
  create->callback([&g, &exit_code, o] { exit_code = run_create(g, *o); });

  auto* list = cmd->add_subcommand("list", "List the keys (prefix, owner, created, status)");
  list->add_option("--format", o->format, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([&g, &exit_code, o] { exit_code = run_list(g, *o); });

  auto* revoke = cmd->add_subcommand(
      "revoke", "Revoke a key by id; a running gw serve refuses it within a second");
  revoke->add_option("id", o->id, "The key id (key_...), from gw keys list")->required();
  revoke->callback([&g, &exit_code, o] { exit_code = run_revoke(g, *o); });
}

}  // namespace gw::cli
