// Builds the effective Config: built-in providers from the environment, then the TOML file.
// The policy tables ([limits], [tenants], [users], [guard]) are read in config_policy.cpp.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "config/toml_read.hpp"

namespace gw::config {

Error detail::config_error(const std::string& where, int line, const std::string& what) {
  std::string msg = where.empty() ? std::string("config") : where;
  if (line > 0) msg += ":" + std::to_string(line);
  msg += ": " + what;
  return Error::config(std::move(msg));
}

Error detail::type_error(const std::string& file, int line, std::string_view key,
                         const char* want) {
  std::string what = "'";
  what.append(key);
  what.append("' must be ");
  what.append(want);
  return config_error(file, line, what);
}

namespace detail {  // [limits] redis* (config_limit_store.cpp)
Result<void> read_limit_store(LimitStoreConfig& s, toml::table& t, const std::string& file);
}  // namespace detail

namespace detail {  // the settings of kind azure, vertex and bedrock (config_cloud.cpp)
Result<void> read_cloud_provider(Config& c, ProviderConfig& p, const toml::table& t,
                                 const std::string& file, int line);
}  // namespace detail

namespace {

using namespace detail;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

void add_builtin_providers(Config& c) {
  auto add = [&](const char* name, const char* kind, std::string base, const char* key_env,
                 std::string key) {
    ProviderConfig p;
    p.name = name;
    p.kind = kind;
    p.base_url = std::move(base);
    p.api_key_env = key_env;
    p.api_key = std::move(key);
    c.providers[name] = std::move(p);
  };
  std::string v;
  add("openai", "openai", (v = env("OPENAI_BASE_URL")).empty() ? "https://api.openai.com/v1" : v,
      "OPENAI_API_KEY", env("OPENAI_API_KEY"));
  add("anthropic", "anthropic",
      (v = env("ANTHROPIC_BASE_URL")).empty() ? "https://api.anthropic.com" : v,
      "ANTHROPIC_API_KEY", env("ANTHROPIC_API_KEY"));
  std::string gkey = env("GEMINI_API_KEY");
  const char* gkey_env = "GEMINI_API_KEY";
  if (gkey.empty() && !(gkey = env("GOOGLE_API_KEY")).empty()) gkey_env = "GOOGLE_API_KEY";
  add("gemini", "gemini",
      (v = env("GEMINI_BASE_URL")).empty() ? "https://generativelanguage.googleapis.com" : v,
      gkey_env, gkey);
  add("mock", "mock", "", "", "");
}

std::string default_store_path() {
  if (auto p = env("GW_DB"); !p.empty()) return expand_home(p);
  if (auto x = env("XDG_DATA_HOME"); !x.empty()) return x + "/gw/gw.db";
  return expand_home("~/.local/share/gw/gw.db");
}

Result<void> read_provider(Config& c, const std::string& name, const toml::table& t,
                           const std::string& file, int line, bool group_readable) {
  ProviderConfig p;
  if (auto it = c.providers.find(name); it != c.providers.end()) p = it->second;  // override
  p.name = name;
  p.line = line;
  GW_GET(kind, std::string, t, "kind", "a string");
  if (kind) p.kind = *kind;
  if (p.kind.empty()) p.kind = "openai";  // an unknown table with no kind: OpenAI-compatible
  if (p.kind != "openai" && p.kind != "anthropic" && p.kind != "gemini" && p.kind != "azure" &&
      p.kind != "vertex" && p.kind != "bedrock" && p.kind != "mock")
    return fail(
        config_error(file, line,
                     "provider '" + name + "': unknown kind '" + p.kind +
                         "' (expected openai, anthropic, gemini, azure, vertex, bedrock or mock)"));
  GW_GET(base, std::string, t, "base_url", "a string");
  if (base) p.base_url = *base;
  while (!p.base_url.empty() && p.base_url.back() == '/') p.base_url.pop_back();
  // vertex and bedrock: from the location or region (config_cloud.cpp)
  if (p.kind != "mock" && p.kind != "vertex" && p.kind != "bedrock" && p.base_url.empty())
    return fail(config_error(file, line, "provider '" + name + "' needs a base_url"));
  if (!p.base_url.empty() && !p.base_url.starts_with("http://") &&
      !p.base_url.starts_with("https://"))
    return fail(config_error(
        file, line, "provider '" + name + "': base_url must start with http:// or https://"));
  GW_GET(key_env, std::string, t, "api_key_env", "a string");
  if (key_env) {
    p.api_key_env = *key_env;
    p.api_key = env(key_env->c_str());
  }
  GW_GET(key, std::string, t, "api_key", "a string");
  if (key) {
    p.api_key = *key;
    p.api_key_env.clear();
    if (group_readable)
      c.warnings.push_back(file + ": holds api_key for '" + name +
                           "' but is readable by group or others (chmod 600 it)");
  }
  GW_GET(timeout, double, t, "timeout_s", "a number");
  if (timeout) p.timeout_s = *timeout;
  GW_GET(connect, double, t, "connect_timeout_s", "a number");
  if (connect) p.connect_timeout_s = *connect;
  GW_GET(first_byte, double, t, "first_byte_timeout_s", "a number");
  if (first_byte) p.first_byte_timeout_s = *first_byte;
  GW_GET(drop, bool, t, "drop_params", "true or false");
  if (drop) p.drop_params = *drop;
  if (const toml::node* h = t.get("headers")) {
    const toml::table* ht = h->as_table();
    if (!ht) return fail(config_error(file, line_of(*h), "'headers' must be a table"));
    p.headers.clear();
    for (auto&& [k, v] : *ht) {
      auto s = v.value<std::string>();
      if (!s) return fail(config_error(file, line_of(v), "header values must be strings"));
      p.headers.emplace_back(std::string(k.str()), *s);
    }
  }
  if (auto r = read_cloud_provider(c, p, t, file, line); !r) return r;
  c.providers[name] = std::move(p);
  return {};
}

Result<void> read_route(Config& c, const std::string& name, const toml::table& t,
                        const std::string& file, int line) {
  RouteConfig r;
  r.name = name;
  r.line = line;
  GW_GET(strategy, std::string, t, "strategy", "a string");
  if (strategy) r.strategy = *strategy;
  if (r.strategy != "fallback" && r.strategy != "cheapest" && r.strategy != "fastest" &&
      r.strategy != "weighted")
    return fail(config_error(file, line,
                             "route '" + name + "': unknown strategy '" + r.strategy +
                                 "' (fallback, cheapest, fastest or weighted)"));
  GW_GET(retries, int64_t, t, "retries", "an integer");
  if (retries) r.retries = static_cast<int>(*retries);
  GW_GET(cooldown, double, t, "cooldown_s", "a number");
  if (cooldown) r.cooldown_s = *cooldown;
  GW_GET(def, std::string, t, "default", "a string");
  if (def) r.default_use = *def;
  if (const toml::node* tn = t.get("targets")) {
    const toml::array* arr = tn->as_array();
    if (!arr) return fail(config_error(file, line_of(*tn), "'targets' must be an array"));
    for (auto&& el : *arr) {
      RouteTarget target;
      if (auto s = el.value<std::string>()) {
        target.model = *s;
      } else if (const toml::table* tt = el.as_table()) {
        GW_GET(m, std::string, *tt, "model", "a string");
        GW_GET(w, double, *tt, "weight", "a number");
        if (!m) return fail(config_error(file, line_of(el), "a target needs a 'model'"));
        target.model = *m;
        if (w) target.weight = *w;
      } else {
        return fail(config_error(file, line_of(el), "a target is a model string or a table"));
      }
      r.targets.push_back(std::move(target));
    }
  }
  if (const toml::node* rn = t.get("rules")) {
    const toml::array* arr = rn->as_array();
    if (!arr) return fail(config_error(file, line_of(*rn), "'rules' must be an array of tables"));
    for (auto&& el : *arr) {
      const toml::table* rt = el.as_table();
      if (!rt) return fail(config_error(file, line_of(el), "a rule must be a table"));
      RouteRule rule;
      GW_GET(use, std::string, *rt, "use", "a string");
      if (!use) return fail(config_error(file, line_of(el), "a rule needs 'use'"));
      rule.use = *use;
      if (const toml::node* wn = rt->get("when")) {
        const toml::table* w = wn->as_table();
        if (!w) return fail(config_error(file, line_of(*wn), "'when' must be a table"));
        GW_GET(task, std::string, *w, "task", "a string");
        GW_GET(maxp, int64_t, *w, "max_prompt_tokens", "an integer");
        GW_GET(minp, int64_t, *w, "min_prompt_tokens", "an integer");
        GW_GET(tools, bool, *w, "tools", "true or false");
        GW_GET(images, bool, *w, "images", "true or false");
        rule.task = task;
        rule.max_prompt_tokens = maxp;
        rule.min_prompt_tokens = minp;
        rule.tools = tools;
        rule.images = images;
      }
      r.rules.push_back(std::move(rule));
    }
  }
  if (r.targets.empty() && r.rules.empty() && r.default_use.empty())
    return fail(config_error(file, line, "route '" + name + "' has no targets"));
  c.routes[name] = std::move(r);
  return {};
}

Result<void> apply_file(Config& c, const toml::table& root, const std::string& file,
                        bool group_readable) {
  if (const toml::table* s = root["server"].as_table()) {
    GW_GET(listen, std::string, *s, "listen", "a string like \"127.0.0.1:4000\"");
    if (listen) c.server.listen = *listen;
    GW_GET(maxb, int64_t, *s, "max_body_bytes", "an integer");
    if (maxb) {
      if (*maxb <= 0)
        return fail(config_error(file, line_of(*s->get("max_body_bytes")),
                                 "max_body_bytes must be positive"));
      c.server.max_body_bytes = *maxb;
    }
    GW_GET(auth, std::string, *s, "auth", "a string");
    if (auth) {
      if (*auth != "auto" && *auth != "keys" && *auth != "none")
        return fail(
            config_error(file, line_of(*s->get("auth")), "auth must be auto, keys or none"));
      c.server.auth = *auth;
    }
    GW_GET(threads, int64_t, *s, "threads", "an integer");
    if (threads) c.server.threads = static_cast<int>(*threads);
    GW_GET(mtok, std::string, *s, "metrics_token_env", "the name of an environment variable");
    if (mtok) {
      c.server.metrics_token_env = *mtok;
      const char* v = std::getenv(mtok->c_str());
      if (v == nullptr || *v == '\0')
        return fail(config_error(file, line_of(*s->get("metrics_token_env")),
                                 "metrics_token_env names " + *mtok + ", which is not set"));
      c.server.metrics_token = v;
    }
    GW_GET(atok, std::string, *s, "admin_token_env", "the name of an environment variable");
    if (atok) {
      c.server.admin_token_env = *atok;
      const char* v = std::getenv(atok->c_str());
      if (v == nullptr || *v == '\0')
        return fail(config_error(file, line_of(*s->get("admin_token_env")),
                                 "admin_token_env names " + *atok + ", which is not set"));
      c.server.admin_token = v;
    }
  }
  if (const toml::table* s = root["store"].as_table()) {
    GW_GET(path, std::string, *s, "path", "a string");
    if (path && std::getenv("GW_DB") == nullptr) c.store.path = expand_home(*path);
    GW_GET(lb, bool, *s, "log_bodies", "true or false");
    if (lb) c.store.log_bodies = *lb;
    GW_GET(url, std::string, *s, "url", "a string");
    if (url) {
      if (!url->empty() && !is_postgres_url(*url))
        return fail(config_error(file, line_of(*s->get("url")),
                                 "[store] url must be a postgres://user@host/db URL (the SQLite "
                                 "file is [store] path)"));
      if (env("GW_STORE_URL").empty()) c.store.url = *url;
    }
  }

  if (const toml::node* pn = root.get("providers")) {
    const toml::table* pt = pn->as_table();
    if (!pt) return fail(config_error(file, line_of(*pn), "'providers' must be a table"));
    for (auto&& [k, v] : *pt) {
      const toml::table* t = v.as_table();
      if (!t)
        return fail(config_error(file, line_of(v),
                                 "provider '" + std::string(k.str()) + "' must be a table"));
      if (k.str().find('/') != std::string_view::npos)
        return fail(config_error(file, line_of(v), "a provider name cannot contain '/'"));
      auto r = read_provider(c, std::string(k.str()), *t, file, line_of(v), group_readable);
      if (!r) return r;
    }
  }
  if (const toml::node* rn = root.get("routes")) {
    const toml::table* rt = rn->as_table();
    if (!rt) return fail(config_error(file, line_of(*rn), "'routes' must be a table"));
    for (auto&& [k, v] : *rt) {
      const toml::table* t = v.as_table();
      if (!t)
        return fail(
            config_error(file, line_of(v), "route '" + std::string(k.str()) + "' must be a table"));
      auto r = read_route(c, std::string(k.str()), *t, file, line_of(v));
      if (!r) return r;
    }
  }
  if (const toml::node* pn = root.get("prices")) {
    const toml::table* pt = pn->as_table();
    if (!pt) return fail(config_error(file, line_of(*pn), "'prices' must be a table"));
    for (auto&& [k, v] : *pt) {
      const toml::table* t = v.as_table();
      if (!t)
        return fail(config_error(file, line_of(v),
                                 "prices for '" + std::string(k.str()) + "' must be a table"));
      GW_GET(in, double, *t, "input", "a number");
      GW_GET(out, double, *t, "output", "a number");
      GW_GET(cached, double, *t, "cached_input", "a number");
      GW_GET(cw, double, *t, "cache_write", "a number");
      if (!in || !out)
        return fail(config_error(
            file, line_of(v), "prices for '" + std::string(k.str()) + "' need input and output"));
      c.prices[std::string(k.str())] = Price{*in, *out, cached, cw};
    }
  }
  if (const toml::table* g = root["guard"].as_table())
    if (auto r = read_guard(c.guard, *g, file); !r) return r;
  if (const toml::node* ln = root.get("limits")) {
    const toml::table* lt = ln->as_table();
    if (!lt) return fail(config_error(file, line_of(*ln), "'limits' must be a table"));
    toml::table policy = *lt;  // its redis* keys are the store's, not the policy's
    if (auto r = read_limit_store(c.limit_store, policy, file); !r) return r;
    auto l = read_limits(policy, "[limits]", file);
    if (!l) return fail(l.error());
    c.limits = std::move(*l);
  }
  if (auto r = read_policy_tables(c.tenants, root, "tenants", "tenant", file); !r) return r;
  if (auto r = read_policy_tables(c.users, root, "users", "user", file); !r) return r;
  if (const toml::node* an = root.get("aliases")) {
    const toml::table* at = an->as_table();
    if (!at)
      return fail(config_error(file, line_of(*an),
                               "'aliases' must be a table of \"name\" = \"model or route\""));
    for (auto&& [k, v] : *at) {
      auto to = v.value<std::string>();
      if (!to || to->empty())
        return fail(config_error(
            file, line_of(v), "alias '" + std::string(k.str()) + "' must name a model or route"));
      c.aliases[std::string(k.str())] = *to;
    }
  }
  GW_GET(dm, std::string, root, "default_model", "a string");
  if (dm) c.default_model = *dm;
  return {};
}

}  // namespace

std::string expand_home(std::string_view path) {
  if (path == "~" || path.starts_with("~/")) {
    std::string home = env("HOME");
    return home + std::string(path.substr(1));
  }
  return std::string(path);
}

ConfigSource locate_config(const std::optional<std::string>& cli_path) {
  if (cli_path) return {expand_home(*cli_path), true};
  if (auto p = env("GW_CONFIG"); !p.empty()) return {expand_home(p), true};
  if (auto x = env("XDG_CONFIG_HOME"); !x.empty()) return {x + "/gw/config.toml", false};
  return {expand_home("~/.config/gw/config.toml"), false};
}

Result<Config> parse_config(std::string_view text, const std::string& file) {
  Config c;
  add_builtin_providers(c);
  c.store.path = default_store_path();
  if (auto u = env("GW_STORE_URL"); !u.empty()) {
    if (!is_postgres_url(u))
      return fail(config_error("$GW_STORE_URL", 0, "must be a postgres://user@host/db URL"));
    c.store.url = u;
  }
  c.source = file;
  if (!text.empty()) {
    toml::table root;
    try {
      root = toml::parse(text, file);
    } catch (const toml::parse_error& e) {
      return fail(config_error(file, static_cast<int>(e.source().begin.line),
                               std::string(e.description())));
    }
    bool group_readable = false;
    struct stat st {};
    if (!file.empty() && ::stat(file.c_str(), &st) == 0) group_readable = (st.st_mode & 077) != 0;
    if (auto r = apply_file(c, root, file, group_readable); !r) return fail(r.error());
  }
  if (auto m = env("GW_MODEL"); !m.empty()) c.default_model = m;
  for (const auto& [name, p] : c.providers)  // env-provided URLs get the same check as the file's
    if (p.kind != "mock" && !p.base_url.starts_with("http://") &&
        !p.base_url.starts_with("https://"))
      return fail(config_error(file, p.line,
                               "provider '" + name + "': base_url '" + p.base_url +
                                   "' must start with http:// or https://"));
  return c;
}

Result<Config> load_config(const ConfigSource& src) {
  std::ifstream in(src.path, std::ios::binary);
  if (!in) {
    if (src.explicit_path) return fail(config_error(src.path, 0, "cannot read the config file"));
    return parse_config("", "");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), src.path);
}

}  // namespace gw::config
