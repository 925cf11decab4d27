// `gw keys`: create a key (its secret is printed once and stored only as a hash) with its
// traffic policy, change a key's owner or policy, list the keys with their spend, revoke one
// (a running `gw serve` applies a change or a revocation within a second).
#include "cli/keys.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "store/connect.hpp"
#include "store/keys.hpp"
#include "store/report.hpp"
#include "store/spend.hpp"

namespace gw::cli {
namespace {

struct KeysOptions {
  std::string name, user, tenant;
  std::string id;
  std::string format = "table";
  // The policy, as written (so "none" can remove a limit in update); given = the flag was used.
  std::string models, rpm, tpm, max_parallel, budget, period, unpriced, guard;
  bool admin = false, no_admin = false;  // --admin (create, update), --no-admin (update)
  std::map<std::string, CLI::Option*> flags;
  bool given(const std::string& flag) const {
    auto it = flags.find(flag);
    return it != flags.end() && it->second->count() > 0;
  }
};

// "none" (or "unlimited") removes a limit; anything else must be a whole number >= 1.
Result<std::optional<int64_t>> parse_count(const std::string& text, const char* flag) {
  if (text == "none" || text == "unlimited") return std::optional<int64_t>();
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1)
    return fail(Error::usage(
        std::string(flag) + " must be a whole number of at least 1, or none (got '" + text + "')"));
  return std::optional<int64_t>(v);
}

Result<std::optional<double>> parse_budget(const std::string& text) {
  if (text == "none" || text == "unlimited") return std::optional<double>();
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || v < 0)
    return fail(Error::usage(
        "--budget must be an amount of US dollars (e.g. 5 or 0.25), or none (got '" + text + "')"));
  return std::optional<double>(v);
}

std::vector<std::string> parse_models(const std::string& text) {
  std::vector<std::string> out;
  std::string one;
  for (char c : text + ",") {
    if (c == ',') {
      if (!one.empty()) out.push_back(one);
      one.clear();
    } else if (c != ' ') {
      one += c;
    }
  }
  return out;
}

// The policy flags given, as a change to a key (create starts from no limits).
Result<store::KeyUpdate> policy_change(const KeysOptions& o) {
  store::KeyUpdate u;
  auto count = [&](const char* flag, const std::string& text,
                   std::optional<std::optional<int64_t>>& into) -> Result<void> {
    if (!o.given(flag)) return {};
    auto v = parse_count(text, flag);
    if (!v) return fail(v.error());
    into = *v;
    return {};
  };
  if (auto r = count("--rpm", o.rpm, u.rpm); !r) return fail(r.error());
  if (auto r = count("--tpm", o.tpm, u.tpm); !r) return fail(r.error());
  if (auto r = count("--max-parallel", o.max_parallel, u.max_parallel); !r) return fail(r.error());
  if (o.given("--budget")) {
    auto b = parse_budget(o.budget);
    if (!b) return fail(b.error());
    u.budget_usd = *b;
  }
  if (o.given("--period")) u.period = o.period;
  if (o.given("--unpriced")) u.unpriced_allow = o.unpriced == "allow";
  if (o.given("--models")) {
    u.models = parse_models(o.models);
    for (const auto& m : *u.models)
      if (m.size() > 256)
        return fail(Error::usage("--models: a pattern is at most 256 characters"));
  }
  if (o.given("--guard")) {
    if (o.guard.empty() || o.guard == "none") {
      u.guard = std::optional<config::GuardOverride>();
    } else {
      auto g = config::parse_guard_override(o.guard);
      if (!g) return fail(g.error());
      u.guard = std::optional<config::GuardOverride>(std::move(*g));
    }
  }
  if (o.given("--name")) u.name = o.name;
  if (o.given("--user")) u.user = o.user;
  if (o.given("--tenant")) u.tenant = o.tenant;
  if (o.admin) u.admin = true;
  if (o.no_admin) u.admin = false;
  return u;
}

// "rpm 60, tpm 100000, parallel 4, $5.00/day, models openai/*" (or "-").
std::string limits_text(const config::Limits& l) {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
  if (l.rpm) add("rpm " + std::to_string(*l.rpm));
  if (l.tpm) add("tpm " + std::to_string(*l.tpm));
  if (l.max_parallel) add("parallel " + std::to_string(*l.max_parallel));
  if (l.budget_usd) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "$%.2f/%s", *l.budget_usd, l.period.c_str());
    add(buf);
  }
  if (!l.models.empty()) {
    std::string m;
    for (const auto& p : l.models) m += (m.empty() ? "" : " ") + p;
    add("models " + m);
  }
  if (l.guard) add("guard " + config::guard_override_text(*l.guard));
  return s.empty() ? "-" : s;
}

std::optional<store::KeyStore> open_keys(const GlobalOptions& g, int& rc) {
  auto cfg = load_config_or_report(g);
  if (!cfg) {
    rc = kConfig;
    return std::nullopt;
  }
  auto conn = store::connect(cfg->store, true);
  auto ks = conn ? Result<store::KeyStore>(store::KeyStore(std::move(*conn)))
                 : Result<store::KeyStore>(fail(conn.error()));
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
  auto change = policy_change(o);
  if (!change) {
    print_error(change.error());
    return kUsage;
  }
  config::Limits limits;
  if (change->rpm) limits.rpm = *change->rpm;
  if (change->tpm) limits.tpm = *change->tpm;
  if (change->max_parallel) limits.max_parallel = *change->max_parallel;
  if (change->budget_usd) limits.budget_usd = *change->budget_usd;
  if (change->period) limits.period = *change->period;
  if (change->models) limits.models = *change->models;
  if (change->unpriced_allow) limits.unpriced_allow = *change->unpriced_allow;
  if (change->guard) limits.guard = *change->guard;
  auto k = ks->create(o.name, o.user, o.tenant, limits, o.admin);
  if (!k) {
    print_error(k.error());
    return exit_code_for(k.error());
  }
  std::cout << k->secret << '\n';
  std::cout.flush();
  std::string owner = o.name;
  if (!o.user.empty()) owner += ", user " + o.user;
  if (!o.tenant.empty()) owner += ", tenant " + o.tenant;
  if (o.admin) owner += ", admin: may read the dashboard";
  std::fprintf(
      stderr,
      "gw: created %s (%s; limits: %s); the secret above is not shown again, store it now\n",
      k->id.c_str(), owner.c_str(), limits_text(limits).c_str());
  return kOk;
}

int run_update(const GlobalOptions& g, const KeysOptions& o) {
  auto change = policy_change(o);
  if (!change) {
    print_error(change.error());
    return kUsage;
  }
  if (change->name && change->name->empty()) {
    print_error(Error::usage("--name must not be empty"));
    return kUsage;
  }
  int rc = kOk;
  auto ks = open_keys(g, rc);
  if (!ks) return rc;
  auto k = ks->update(o.id, *change);
  if (!k) {
    print_error(k.error());
    return k.error().status == 404 ? kUsage : exit_code_for(k.error());
  }
  std::fprintf(stderr,
               "gw: updated %s (limits: %s%s); a running gw serve applies it within a second\n",
               k->id.c_str(), limits_text(k->limits).c_str(), k->admin ? "; admin" : "");
  return kOk;
}

// This period's spend and the last use of every key, from the ledger (absent: none yet).
store::SpendByScope key_spend(store::KeyStore& ks, int64_t now) {
  auto spend = store::spend_by_scope(ks.conn(), now);
  if (!spend) {
    print_warning("spend is not shown: " + spend.error().message);
    return {};
  }
  return std::move(*spend);
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string spend_text(const store::KeyRecord& k, const store::SpendTotals* s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.4f/%s", s ? s->in(k.limits.period) : 0.0,
                k.limits.period.c_str());
  return buf;
}

std::string status_of(const store::KeyRecord& k) {
  if (k.revoked_ms) return "revoked " + store::iso_utc(*k.revoked_ms);
  return k.admin ? "active, admin" : "active";
}

void print_table(const std::vector<store::KeyRecord>& keys, const store::SpendByScope& spend) {
  std::vector<std::vector<std::string>> rows{{"ID", "PREFIX", "NAME", "USER", "TENANT", "CREATED",
                                              "STATUS", "LIMITS", "SPEND", "LAST-USED"}};
  for (const auto& k : keys) {
    auto it = spend.keys.find(k.id);
    const store::SpendTotals* s = it == spend.keys.end() ? nullptr : &it->second;
    rows.push_back({k.id, k.prefix + "…", k.name, k.user.empty() ? "-" : k.user,
                    k.tenant.empty() ? "-" : k.tenant, store::iso_utc(k.created_ms), status_of(k),
                    limits_text(k.limits), spend_text(k, s),
                    s && s->last_ms > 0 ? store::iso_utc(s->last_ms) : "-"});
  }
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
  const store::SpendByScope spend = key_spend(*ks, now_ms());
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  if (o.format == "json") {
    auto arr = nlohmann::json::array();
    for (const auto& k : *keys) {
      auto it = spend.keys.find(k.id);
      const store::SpendTotals* s = it == spend.keys.end() ? nullptr : &it->second;
      arr.push_back(
          {{"id", k.id},
           {"prefix", k.prefix},
           {"name", k.name},
           {"user", k.user},
           {"tenant", k.tenant},
           {"created", store::iso_utc(k.created_ms)},
           {"created_ms", k.created_ms},
           {"revoked_ms", k.revoked_ms ? nlohmann::json(*k.revoked_ms) : nullptr},
           {"status", k.revoked_ms ? "revoked" : "active"},
           {"admin", k.admin},
           {"models", k.limits.models},
           {"rpm", opt(k.limits.rpm)},
           {"tpm", opt(k.limits.tpm)},
           {"max_parallel", opt(k.limits.max_parallel)},
           {"budget_usd", opt(k.limits.budget_usd)},
           {"period", k.limits.period},
           {"unpriced", k.limits.unpriced_allow ? "allow" : "refuse"},
           {"guard", k.limits.guard ? nlohmann::json(config::guard_override_text(*k.limits.guard))
                                    : nlohmann::json(nullptr)},
           {"spend_usd", s ? s->in(k.limits.period) : 0.0},
           {"last_used_ms", s && s->last_ms > 0 ? nlohmann::json(s->last_ms) : nullptr}});
    }
    std::cout << arr.dump() << '\n';
  } else if (keys->empty()) {
    std::fprintf(stderr, "no keys yet: create one with gw keys create --name NAME\n");
  } else {
    print_table(*keys, spend);
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

void add_policy_options(CLI::App* cmd, KeysOptions& o, bool update) {
  const std::string none = update ? " (none removes it)" : "";
  o.flags["--models"] =
      cmd->add_option("--models", o.models,
                      "Models it may use, comma-separated; * matches anything (openai/*,smart)" +
                          std::string(update ? "; \"\" allows all" : ""));
  o.flags["--rpm"] = cmd->add_option("--rpm", o.rpm, "Requests per minute" + none);
  o.flags["--tpm"] = cmd->add_option("--tpm", o.tpm,
                                     "Tokens per minute (prompt plus max_tokens, corrected by "
                                     "the real usage)" +
                                         none);
  o.flags["--max-parallel"] =
      cmd->add_option("--max-parallel", o.max_parallel, "Requests in flight at once" + none);
  o.flags["--budget"] =
      cmd->add_option("--budget", o.budget, "A hard budget in US dollars per --period" + none);
  o.flags["--period"] = cmd->add_option("--period", o.period,
                                        "The budget's period: day, month "
                                        "(default) or total (UTC)")
                            ->check(CLI::IsMember({"day", "month", "total"}));
  o.flags["--unpriced"] =
      cmd->add_option("--unpriced", o.unpriced,
                      "Models with no known price: refuse (default) or allow (counted as $0)")
          ->check(CLI::IsMember({"allow", "refuse"}));
  o.flags["--guard"] =
      cmd->add_option("--guard", o.guard,
                      "Its PII guard policy: mask, block or off, then per-detector overrides "
                      "(mask,secret=block)" +
                          std::string(update ? "; none removes it" : ""));
}

}  // namespace

void add_keys_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto o = std::make_shared<KeysOptions>();
  auto* cmd = app.add_subcommand(
      "keys", "Virtual API keys for gw serve, with their limits: create, update, list, revoke");
  cmd->require_subcommand(1);

  auto* create = cmd->add_subcommand(
      "create", "Create a key; its secret (gk-...) is printed once and stored only as a hash");
  create->add_option("--name", o->name, "A name for the key")->required();
  create->add_option("--user", o->user,
                     "The user its requests are attributed to (a request's own user wins)");
  create->add_option("--tenant", o->tenant, "The tenant its requests are attributed to");
  add_policy_options(create, *o, false);
  create->add_flag("--admin", o->admin,
                   "An admin key: it may also read the spend dashboard (/ui) and its data "
                   "(/v1/gw/usage)");
  create->callback([&g, &exit_code, o] { exit_code = run_create(g, *o); });

  // Its own options: "given" must mean given to update, not to create.
  auto u = std::make_shared<KeysOptions>();
  auto* update = cmd->add_subcommand(
      "update", "Change a key's owner, limits, budget or models; the secret stays the same");
  update->add_option("id", u->id, "The key id (key_...), from gw keys list")->required();
  u->flags["--name"] = update->add_option("--name", u->name, "A new name");
  u->flags["--user"] = update->add_option("--user", u->user, "A new user");
  u->flags["--tenant"] = update->add_option("--tenant", u->tenant, "A new tenant");
  add_policy_options(update, *u, true);
  auto* admin_on =
      update->add_flag("--admin", u->admin, "Make it an admin key (the dashboard and its data)");
  update->add_flag("--no-admin", u->no_admin, "Take its admin right away")->excludes(admin_on);
  update->callback([&g, &exit_code, u] { exit_code = run_update(g, *u); });

  auto* list = cmd->add_subcommand(
      "list",
      "List the keys (prefix, owner, created, status, limits, spend this period, last use)");
  list->add_option("--format", o->format, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([&g, &exit_code, o] { exit_code = run_list(g, *o); });

  auto* revoke = cmd->add_subcommand(
      "revoke", "Revoke a key by id; a running gw serve refuses it within a second");
  revoke->add_option("id", o->id, "The key id (key_...), from gw keys list")->required();
  revoke->callback([&g, &exit_code, o] { exit_code = run_revoke(g, *o); });
}

}  // namespace gw::cli
