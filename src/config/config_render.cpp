// `gw config show`: the effective configuration as TOML, secrets masked.
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace gw::config {
namespace detail {  // [limits] redis* (config_limit_store.cpp)
std::string render_limit_store(const LimitStoreConfig& s);
}  // namespace detail
namespace {

// TOML basic strings share JSON's escapes for everything gw writes. Invalid UTF-8 (which the
// TOML reader never lets in, but a derived string could hold) becomes U+FFFD, never a throw.
std::string q(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The first 3 and last 4 bytes of a secret, each widened to whole UTF-8 characters: a key
// with a non-ASCII character there used to be cut inside it, and the dump then threw
// (found by the config fuzzer).
std::string mask(const std::string& secret) {
  if (secret.empty()) return "";
  if (secret.size() <= 8) return "****";
  auto continuation = [&](size_t i) {
    return (static_cast<unsigned char>(secret[i]) & 0xc0) == 0x80;
  };
  size_t head = 3, tail = secret.size() - 4;
  while (head < secret.size() && continuation(head)) ++head;
  while (tail > 0 && continuation(tail)) --tail;
  if (tail <= head) return "****";
  return secret.substr(0, head) + "..." + secret.substr(tail);
}

std::string num(double d) {
  std::ostringstream o;
  o << d;
  std::string s = o.str();
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// kind azure, vertex and bedrock: their own settings (never the service-account key, the AWS
// secret key or session token themselves).
void render_cloud(std::ostringstream& o, const ProviderConfig& p) {
  const CloudConfig& c = p.cloud;
  if (p.kind == "azure") {
    o << "api_style = " << q(c.api_style) << "\n";
    if (c.api_style != "v1") o << "api_version = " << q(c.api_version) << "\n";
    if (!c.deployments.empty()) {
      o << "deployments = { ";
      const char* sep = "";
      for (const auto& [model, deployment] : c.deployments)
        o << sep << q(model) << " = " << q(deployment), sep = ", ";
      o << " }\n";
    }
  } else if (p.kind == "vertex") {
    o << "project = " << q(c.project) << "\nlocation = " << q(c.location) << "\n";
    if (!c.credentials_file.empty()) o << "credentials_file = " << q(c.credentials_file) << "\n";
    if (!c.token_url.empty()) o << "token_url = " << q(c.token_url) << "\n";
  } else if (p.kind == "bedrock") {
    auto set = [](const std::string& v) { return q(v.empty() ? "(not set)" : "(set)"); };
    o << "region = " << q(c.region) << "\naccess_key_id_env = " << q(c.access_key_id_env)
      << "\nsecret_access_key_env = " << q(c.secret_access_key_env) << "\n";
    if (!c.session_token_env.empty()) o << "session_token_env = " << q(c.session_token_env) << "\n";
    o << "access_key_id = " << q(c.access_key_id.empty() ? "(not set)" : mask(c.access_key_id))
      << "\nsecret_access_key = " << set(c.secret_access_key) << "\n";
    if (!c.session_token_env.empty()) o << "session_token = " << set(c.session_token) << "\n";
  }
}

}  // namespace

std::string render_config(const Config& c) {
  std::ostringstream o;
  o << "# effective configuration"
    << (c.source.empty() ? " (zero-config defaults)" : " from " + c.source) << "\n";
  if (!c.default_model.empty()) o << "default_model = " << q(c.default_model) << "\n";
  o << "\n[server]\nlisten = " << q(c.server.listen)
    << "\nmax_body_bytes = " << c.server.max_body_bytes << "\nauth = " << q(c.server.auth) << "\n";
  if (!c.server.metrics_token_env.empty())
    o << "metrics_token_env = " << q(c.server.metrics_token_env) << "\n";
  if (!c.server.admin_token_env.empty())
    o << "admin_token_env = " << q(c.server.admin_token_env) << "\n";
  o << "\n[store]\npath = " << q(c.store.path)
    << "\nlog_bodies = " << (c.store.log_bodies ? "true" : "false") << "\n";
  if (!c.store.url.empty()) o << "url = " << q(mask_postgres_url(c.store.url)) << "\n";
  for (const auto& [name, p] : c.providers) {
    o << "\n[providers." << name << "]\nkind = " << q(p.kind) << "\n";
    if (!p.base_url.empty()) o << "base_url = " << q(p.base_url) << "\n";
    if (!p.api_key_env.empty())
      o << (p.cloud.bearer ? "access_token_env = " : "api_key_env = ") << q(p.api_key_env) << "\n";
    if (p.kind != "mock" && p.kind != "bedrock" && (p.kind != "vertex" || p.cloud.bearer))
      o << (p.cloud.bearer ? "access_token = " : "api_key = ")
        << q(p.api_key.empty() ? "(not set)" : mask(p.api_key)) << "\n";
    if (p.kind != "mock")
      o << "timeout_s = " << num(p.timeout_s)
        << "\nconnect_timeout_s = " << num(p.connect_timeout_s)
        << "\nfirst_byte_timeout_s = " << num(p.first_byte_timeout_s) << "\n";
    if (!p.headers.empty()) {
      o << "headers = { ";
      for (size_t i = 0; i < p.headers.size(); ++i)
        o << (i ? ", " : "") << q(p.headers[i].first) << " = " << q(mask(p.headers[i].second));
      o << " }\n";
    }
    render_cloud(o, p);
  }
  for (const auto& [name, r] : c.routes) {
    o << "\n[routes." << name << "]\nstrategy = " << q(r.strategy) << "\ntargets = [";
    for (size_t i = 0; i < r.targets.size(); ++i) {
      o << (i ? ", " : "");
      if (r.strategy == "weighted")
        o << "{ model = " << q(r.targets[i].model) << ", weight = " << num(r.targets[i].weight)
          << " }";
      else
        o << q(r.targets[i].model);
    }
    o << "]\nretries = " << r.retries << "\ncooldown_s = " << num(r.cooldown_s) << "\n";
    if (!r.default_use.empty()) o << "default = " << q(r.default_use) << "\n";
    for (const auto& rule : r.rules) {
      o << "[[routes." << name << ".rules]]\nwhen = {";
      std::string sep = " ";
      if (rule.task) o << sep << "task = " << q(*rule.task), sep = ", ";
      if (rule.max_prompt_tokens)
        o << sep << "max_prompt_tokens = " << *rule.max_prompt_tokens, sep = ", ";
      if (rule.min_prompt_tokens)
        o << sep << "min_prompt_tokens = " << *rule.min_prompt_tokens, sep = ", ";
      if (rule.tools) o << sep << "tools = " << (*rule.tools ? "true" : "false"), sep = ", ";
      if (rule.images) o << sep << "images = " << (*rule.images ? "true" : "false"), sep = ", ";
      o << " }\nuse = " << q(rule.use) << "\n";
    }
  }
  for (const auto& [model, p] : c.prices) {
    o << "\n[prices." << q(model) << "]\ninput = " << num(p.input) << "\noutput = " << num(p.output)
      << "\n";
    if (p.cached_input) o << "cached_input = " << num(*p.cached_input) << "\n";
    if (p.cache_write) o << "cache_write = " << num(*p.cache_write) << "\n";
  }
  o << "\n[guard]\npii = [";
  for (size_t i = 0; i < c.guard.pii.size(); ++i) o << (i ? ", " : "") << q(c.guard.pii[i]);
  o << "]\naction = " << q(c.guard.action) << "\nrestore = " << (c.guard.restore ? "true" : "false")
    << "\n";
  auto actions = [&](const std::map<std::string, std::string>& a) {
    if (a.empty()) return;
    o << "actions = {";
    std::string sep = " ";
    for (const auto& [name, act] : a) o << sep << q(name) << " = " << q(act), sep = ", ";
    o << " }\n";
  };
  actions(c.guard.actions);
  for (const auto& d : c.guard.custom) {
    o << "[[guard.custom]]\nname = " << q(d.name) << "\n";
    if (!d.pattern.empty()) o << "pattern = " << q(d.pattern) << "\n";
    // A term list can be exactly what the guard protects (customer names): only its size.
    if (!d.terms.empty()) o << "# terms: " << d.terms.size() << " (not shown)\n";
  }
  auto policy = [&](const std::string& header, const Limits& l, const std::string& store = {}) {
    if (l.empty() && !l.guard && store.empty()) return;
    o << "\n" << header << "\n" << store;
    if (l.rpm) o << "rpm = " << *l.rpm << "\n";
    if (l.tpm) o << "tpm = " << *l.tpm << "\n";
    if (l.max_parallel) o << "max_parallel = " << *l.max_parallel << "\n";
    if (l.budget_usd)
      o << "budget_usd = " << num(*l.budget_usd) << "\nperiod = " << q(l.period) << "\n";
    if (l.unpriced_allow) o << "unpriced = \"allow\"\n";
    if (!l.models.empty()) {
      o << "models = [";
      for (size_t i = 0; i < l.models.size(); ++i) o << (i ? ", " : "") << q(l.models[i]);
      o << "]\n";
    }
    if (l.guard) {
      o << header.substr(0, header.size() - 1) << ".guard]\n";
      if (l.guard->pii) {
        o << "pii = [";
        for (size_t i = 0; i < l.guard->pii->size(); ++i)
          o << (i ? ", " : "") << q((*l.guard->pii)[i]);
        o << "]\n";
      }
      if (l.guard->action) o << "action = " << q(*l.guard->action) << "\n";
      actions(l.guard->actions);
      if (l.guard->restore) o << "restore = " << (*l.guard->restore ? "true" : "false") << "\n";
    }
  };
  if (!c.aliases.empty()) {
    o << "\n[aliases]\n";
    for (const auto& [from, to] : c.aliases) o << q(from) << " = " << q(to) << "\n";
  }
  policy("[limits]", c.limits, detail::render_limit_store(c.limit_store));
  for (const auto& [name, l] : c.tenants) policy("[tenants." + q(name) + "]", l);
  for (const auto& [name, l] : c.users) policy("[users." + q(name) + "]", l);
  return o.str();
}

}  // namespace gw::config
