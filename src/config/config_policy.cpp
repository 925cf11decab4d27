// The policy tables of the config: [limits], [tenants.NAME] and [users.NAME] (rate limits,
// budgets, model allow-lists), [guard] and its per-tenant overrides, and the small parsers
// they share with `gw keys`.
#include <algorithm>
#include <fstream>

#include "config/config.hpp"
#include "config/toml_read.hpp"

namespace gw::config {
namespace detail {
namespace {

bool valid_action(std::string_view a) {
  return a == "mask" || a == "block" || a == "off";
}

// A custom detector's name is the type its values are masked as: <EMPLOYEE_ID_1>.
bool valid_type_name(std::string_view n) {
  if (n.empty() || n.size() > 40) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

constexpr std::string_view kBuiltinDetectors[] = {"email", "phone", "credit_card", "ssn",
                                                  "cn_id", "iban",  "ip",          "secret"};

Result<std::vector<std::string>> string_list(const toml::node& n, const std::string& what,
                                             const std::string& file) {
  const toml::array* arr = n.as_array();
  if (!arr) return fail(config_error(file, line_of(n), what + " must be an array of strings"));
  std::vector<std::string> out;
  for (auto&& el : *arr) {
    auto s = el.value<std::string>();
    if (!s) return fail(config_error(file, line_of(el), what + " entries must be strings"));
    out.push_back(*s);
  }
  return out;
}

// The fields [guard] and [tenants.NAME.guard] share: pii, action, actions, restore (and, for
// the global table only, custom).
Result<void> read_guard_fields(GuardConfig& g, const toml::table& t, const std::string& file,
                               const std::string& what, bool global) {
  for (auto&& [k, v] : t) {
    std::string_view key = k.str();
    if (key != "pii" && key != "action" && key != "actions" && key != "restore" &&
        !(global && key == "custom"))
      return fail(config_error(file, line_of(v),
                               what + ": unknown field '" + std::string(key) +
                                   "' (expected pii, action, actions, restore" +
                                   (global ? ", custom)" : ")")));
  }
  if (const toml::node* pn = t.get("pii")) {
    auto list = string_list(*pn, "'pii'", file);
    if (!list) return fail(list.error());
    for (const auto& name : *list)
      if (std::find(std::begin(kBuiltinDetectors), std::end(kBuiltinDetectors), name) ==
          std::end(kBuiltinDetectors))
        return fail(config_error(file, line_of(*pn),
                                 what + ": unknown detector '" + name +
                                     "' (expected email, phone, credit_card, ssn, cn_id, iban, "
                                     "ip, secret; or a [[guard.custom]] one)"));
    g.pii = std::move(*list);
  }
  GW_GET(action, std::string, t, "action", "a string");
  if (action) {
    if (!valid_action(*action))
      return fail(config_error(file, line_of(*t.get("action")),
                               what + ": action must be mask, block or off"));
    g.action = *action;
  }
  if (const toml::node* an = t.get("actions")) {
    const toml::table* at = an->as_table();
    if (!at)
      return fail(config_error(file, line_of(*an),
                               what + ": 'actions' must be a table, e.g. "
                                      "actions = { secret = \"block\" }"));
    for (auto&& [k, v] : *at) {
      auto a = v.value<std::string>();
      if (!a || !valid_action(*a))
        return fail(config_error(
            file, line_of(v),
            what + ": the action for '" + std::string(k.str()) + "' must be mask, block or off"));
      g.actions[std::string(k.str())] = *a;
    }
  }
  GW_GET(restore, bool, t, "restore", "true or false");
  if (restore) g.restore = *restore;
  return {};
}

}  // namespace

Result<void> read_guard(GuardConfig& g, const toml::table& t, const std::string& file) {
  if (auto r = read_guard_fields(g, t, file, "[guard]", true); !r) return r;
  const toml::node* cn = t.get("custom");
  if (!cn) return {};
  const toml::array* arr = cn->as_array();
  if (!arr)
    return fail(config_error(file, line_of(*cn), "'custom' must be [[guard.custom]] tables"));
  for (auto&& el : *arr) {
    const toml::table* ct = el.as_table();
    if (!ct)
      return fail(config_error(file, line_of(el), "a [[guard.custom]] entry must be a table"));
    CustomDetector d;
    GW_GET(name, std::string, *ct, "name", "a string");
    if (!name || !valid_type_name(*name))
      return fail(config_error(file, line_of(el),
                               "[[guard.custom]] needs a name of upper-case letters, digits and _ "
                               "(at most 40), e.g. name = \"EMPLOYEE_ID\""));
    d.name = *name;
    GW_GET(pattern, std::string, *ct, "pattern", "a string (RE2 syntax)");
    if (pattern) d.pattern = *pattern;
    if (const toml::node* tn = ct->get("terms")) {
      auto list = string_list(*tn, "'terms'", file);
      if (!list) return fail(list.error());
      d.terms = std::move(*list);
    }
    GW_GET(terms_file, std::string, *ct, "terms_file", "a path");
    if (terms_file) {
      std::ifstream in(expand_home(*terms_file));
      if (!in)
        return fail(config_error(file, line_of(*ct->get("terms_file")),
                                 "cannot read terms_file '" + *terms_file + "'"));
      // Bounded: a path such as /dev/zero must not make gw read forever.
      constexpr size_t kMaxTerms = 100000, kMaxTerm = 1024;
      std::vector<char> buf(kMaxTerm + 2);
      while (d.terms.size() < kMaxTerms &&
             in.getline(buf.data(), static_cast<std::streamsize>(buf.size()))) {
        std::string line(buf.data());
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty() && line.front() != '#') d.terms.push_back(line);
      }
      if (in.fail() && !in.eof() && d.terms.size() < kMaxTerms)
        return fail(config_error(file, line_of(*ct->get("terms_file")),
                                 "terms_file '" + *terms_file + "': a line longer than " +
                                     std::to_string(kMaxTerm) + " bytes"));
    }
    if (d.pattern.empty() == d.terms.empty())
      return fail(
          config_error(file, line_of(el),
                       "[[guard.custom]] '" + d.name +
                           "' needs either a pattern or terms (terms = [...] or terms_file)"));
    g.custom.push_back(std::move(d));
  }
  return {};
}

// One policy table: [limits], [tenants.NAME] or [users.NAME].
Result<Limits> read_limits(const toml::table& t, const std::string& what, const std::string& file) {
  static constexpr std::string_view kKnown[] = {"rpm",    "tpm",    "max_parallel", "budget_usd",
                                                "period", "models", "unpriced",     "guard"};
  for (auto&& [k, v] : t)
    if (std::find(std::begin(kKnown), std::end(kKnown), k.str()) == std::end(kKnown))
      return fail(config_error(file, line_of(v),
                               what + ": unknown field '" + std::string(k.str()) +
                                   "' (expected rpm, tpm, max_parallel, budget_usd, period, "
                                   "models, unpriced, guard)"));
  Limits l;
  auto count = [&](const char* key, std::optional<int64_t>& into) -> Result<void> {
    GW_GET(v, int64_t, t, key, "a whole number");
    if (v && *v < 1)
      return fail(
          config_error(file, line_of(*t.get(key)),
                       what + ": " + key + " must be at least 1 (leave it out for no limit)"));
    into = v;
    return {};
  };
  if (auto r = count("rpm", l.rpm); !r) return fail(r.error());
  if (auto r = count("tpm", l.tpm); !r) return fail(r.error());
  if (auto r = count("max_parallel", l.max_parallel); !r) return fail(r.error());
  GW_GET(budget, double, t, "budget_usd", "a number of US dollars");
  if (budget && !(*budget >= 0))
    return fail(
        config_error(file, line_of(*t.get("budget_usd")), what + ": budget_usd must be >= 0"));
  l.budget_usd = budget;
  GW_GET(period, std::string, t, "period", "a string");
  if (period) {
    if (!valid_period(*period))
      return fail(config_error(file, line_of(*t.get("period")),
                               what + ": period must be day, month or total"));
    l.period = *period;
  }
  GW_GET(unpriced, std::string, t, "unpriced", "a string");
  if (unpriced) {
    if (*unpriced != "allow" && *unpriced != "refuse")
      return fail(config_error(file, line_of(*t.get("unpriced")),
                               what + ": unpriced must be allow or refuse"));
    l.unpriced_allow = *unpriced == "allow";
  }
  if (const toml::node* mn = t.get("models")) {
    const toml::array* arr = mn->as_array();
    if (!arr)
      return fail(
          config_error(file, line_of(*mn), what + ": 'models' must be an array of strings"));
    for (auto&& el : *arr) {
      auto m = el.value<std::string>();
      if (!m || m->empty() || m->size() > 256)
        return fail(config_error(file, line_of(el),
                                 what + ": 'models' entries must be model names or patterns"));
      l.models.push_back(*m);
    }
  }
  if (const toml::node* gn = t.get("guard")) {
    const toml::table* gt = gn->as_table();
    if (!gt) return fail(config_error(file, line_of(*gn), what + ": 'guard' must be a table"));
    GuardConfig g;
    if (auto r = read_guard_fields(g, *gt, file, what + ".guard", false); !r)
      return fail(r.error());
    GuardOverride o;
    if (gt->get("pii")) o.pii = g.pii;
    if (gt->get("action")) o.action = g.action;
    o.actions = g.actions;
    if (gt->get("restore")) o.restore = g.restore;
    l.guard = std::move(o);
  }
  return l;
}

// [tenants.NAME] or [users.NAME]: a table of policy tables.
Result<void> read_policy_tables(std::map<std::string, Limits>& into, const toml::table& root,
                                const char* key, const char* singular, const std::string& file) {
  const toml::node* n = root.get(key);
  if (!n) return {};
  const toml::table* tt = n->as_table();
  if (!tt)
    return fail(config_error(file, line_of(*n), std::string("'") + key + "' must be a table"));
  for (auto&& [k, v] : *tt) {
    std::string what = std::string(singular) + " '" + std::string(k.str()) + "'";
    const toml::table* t = v.as_table();
    if (!t) return fail(config_error(file, line_of(v), what + " must be a table"));
    auto l = read_limits(*t, what, file);
    if (!l) return fail(l.error());
    into[std::string(k.str())] = std::move(*l);
  }
  return {};
}

}  // namespace detail

bool valid_period(std::string_view p) {
  return p == "day" || p == "month" || p == "total";
}

// Iterative glob with backtracking to the last '*': linear in practice, no regex.
bool model_allowed(const std::vector<std::string>& patterns, std::string_view name) {
  if (patterns.empty()) return true;
  auto glob = [](std::string_view pat, std::string_view s) {
    size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
    while (i < s.size()) {
      if (p < pat.size() && pat[p] == '*') {
        star = p++;
        mark = i;
      } else if (p < pat.size() && pat[p] == s[i]) {
        ++p;
        ++i;
      } else if (star != std::string_view::npos) {
        p = star + 1;
        i = ++mark;
      } else {
        return false;
      }
    }
    while (p < pat.size() && pat[p] == '*') ++p;
    return p == pat.size();
  };
  for (const auto& pat : patterns)
    if (glob(pat, name)) return true;
  return false;
}

Result<GuardOverride> parse_guard_override(std::string_view text) {
  GuardOverride g;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view what = eq == std::string_view::npos ? item : item.substr(eq + 1);
    if (!detail::valid_action(what))
      return fail(Error::usage("guard policy: '" + std::string(what) +
                               "' is not an action (mask, block or off)"));
    if (eq == std::string_view::npos)
      g.action = std::string(what);
    else if (eq == 0)
      return fail(Error::usage("guard policy: a detector name is missing before '='"));
    else
      g.actions[std::string(item.substr(0, eq))] = std::string(what);
  }
  return g;
}

std::string guard_override_text(const GuardOverride& g) {
  std::string s = g.action.value_or("");
  for (const auto& [name, a] : g.actions) s += (s.empty() ? "" : ",") + name + "=" + a;
  return s;
}

}  // namespace gw::config
