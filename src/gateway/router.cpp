#include "gateway/router.hpp"

#include <algorithm>
#include <cstdio>

#include "providers/tokens.hpp"

namespace gw::gateway {
namespace {

// The provider a bare well-known model name belongs to, or empty.
std::string_view provider_for_bare(std::string_view m) {
  if (m.starts_with("gpt-") || m.starts_with("chatgpt-") || m.starts_with("o1") ||
      m.starts_with("o3") || m.starts_with("o4") || m.starts_with("text-embedding-"))
    return "openai";
  if (m.starts_with("claude-")) return "anthropic";
  if (m.starts_with("gemini-")) return "gemini";
  return {};
}

bool rule_matches(const config::RouteRule& r, const api::ChatRequest& req,
                  const RequestContext& ctx) {
  if (r.task && *r.task != ctx.task) return false;
  if (r.tools && *r.tools != !req.tools.empty()) return false;
  if (r.images && *r.images != providers::has_images(req)) return false;
  if (r.max_prompt_tokens || r.min_prompt_tokens) {
    int64_t n = providers::estimate_prompt_tokens(req);
    if (r.max_prompt_tokens && n > *r.max_prompt_tokens) return false;
    if (r.min_prompt_tokens && n < *r.min_prompt_tokens) return false;
  }
  return true;
}

std::string describe(const config::RouteRule& r) {
  std::string s;
  auto add = [&](std::string part) { s += (s.empty() ? "" : ", ") + part; };
  if (r.task) add("task=" + *r.task);
  if (r.max_prompt_tokens) add("prompt<=" + std::to_string(*r.max_prompt_tokens));
  if (r.min_prompt_tokens) add("prompt>=" + std::to_string(*r.min_prompt_tokens));
  if (r.tools) add(std::string("tools=") + (*r.tools ? "yes" : "no"));
  if (r.images) add(std::string("images=") + (*r.images ? "yes" : "no"));
  return s.empty() ? "always" : s;
}

}  // namespace

Router::Router(const config::Config& cfg) : cfg_(cfg), rng_(std::random_device{}()) {}

std::string Router::known_summary() const {
  std::string s = "known providers: ";
  bool first = true;
  for (const auto& [name, p] : cfg_.providers) {
    s += (first ? "" : ", ") + name + "/<model>";
    first = false;
  }
  if (!cfg_.routes.empty()) {
    s += "; routes: ";
    first = true;
    for (const auto& [name, r] : cfg_.routes) {
      s += (first ? "" : ", ") + name;
      first = false;
    }
  }
  s += "; bare names gpt-*, o1*/o3*/o4*, claude-*, gemini-* (see `gw models`)";
  return s;
}

std::optional<providers::Target> resolve_target(const config::Config& cfg, std::string_view name) {
  if (auto slash = name.find('/'); slash != std::string_view::npos) {
    std::string_view prov = name.substr(0, slash), model = name.substr(slash + 1);
    if (const auto* p = cfg.provider(prov); p && !model.empty())
      return providers::Target{p, std::string(model)};
  }
  if (auto prov = provider_for_bare(name); !prov.empty())
    if (const auto* p = cfg.provider(prov)) return providers::Target{p, std::string(name)};
  return std::nullopt;
}

namespace {
void collect_targets(const config::Config& cfg, std::string_view name, int depth,
                     std::vector<providers::Target>& out, bool& unknown) {
  if (depth > 8) return;  // a cycle; plan() reports it
  if (auto it = cfg.routes.find(std::string(name)); it != cfg.routes.end()) {
    const config::RouteConfig& r = it->second;
    for (const auto& rule : r.rules) collect_targets(cfg, rule.use, depth + 1, out, unknown);
    if (!r.default_use.empty()) collect_targets(cfg, r.default_use, depth + 1, out, unknown);
    for (const auto& t : r.targets) collect_targets(cfg, t.model, depth + 1, out, unknown);
    return;
  }
  if (auto t = resolve_target(cfg, name))
    out.push_back(std::move(*t));
  else
    unknown = true;
}
}  // namespace

std::optional<std::vector<providers::Target>> reachable_targets(const config::Config& cfg,
                                                                std::string_view name) {
  std::vector<providers::Target> out;
  bool unknown = false;
  auto alias = cfg.aliases.find(std::string(name));
  collect_targets(cfg, alias == cfg.aliases.end() ? name : std::string_view(alias->second), 0, out,
                  unknown);
  if (unknown || out.empty()) return std::nullopt;
  return out;
}

Result<providers::Target> Router::resolve_model(std::string_view name) const {
  if (auto t = resolve_target(cfg_, name)) return std::move(*t);
  return fail(Error::not_found("The model '" + std::string(name) + "' does not exist (" +
                               known_summary() + ")."));
}

Result<RoutePlan> Router::plan_name(std::string_view name, const api::ChatRequest& req,
                                    const RequestContext& ctx, int depth) {
  if (auto it = cfg_.routes.find(std::string(name)); it != cfg_.routes.end())
    return plan_route(it->second, req, ctx, depth + 1);
  auto target = resolve_model(name);
  if (!target) return fail(target.error());
  RoutePlan plan;
  plan.targets.push_back(std::move(*target));
  plan.reason = "direct: " + plan.targets.front().label();
  return plan;
}

Result<RoutePlan> Router::plan_route(const config::RouteConfig& route, const api::ChatRequest& req,
                                     const RequestContext& ctx, int depth) {
  if (depth > 8)
    return fail(Error::bad_request("route '" + route.name + "' nests too deeply (a cycle?)"));
  if (!route.rules.empty() || !route.default_use.empty()) {
    for (const auto& rule : route.rules) {
      if (!rule_matches(rule, req, ctx)) continue;
      auto plan = plan_name(rule.use, req, ctx, depth);
      if (!plan) return plan;
      plan->route = route.name;
      plan->reason = "rule " + describe(rule) + " -> " + rule.use + "; " + plan->reason;
      return plan;
    }
    if (route.targets.empty()) {
      if (route.default_use.empty())
        return fail(Error::bad_request("no rule of route '" + route.name +
                                       "' matches and it has no default"));
      auto plan = plan_name(route.default_use, req, ctx, depth);
      if (!plan) return plan;
      plan->route = route.name;
      plan->reason = "default -> " + route.default_use + "; " + plan->reason;
      return plan;
    }
  }
  RoutePlan plan;
  plan.route = route.name;
  plan.retries = route.retries;
  plan.cooldown_s = route.cooldown_s;
  for (const auto& t : route.targets) {
    auto target = resolve_model(t.model);
    if (!target)
      return fail(Error::internal("route '" + route.name + "': " + target.error().message));
    plan.targets.push_back(std::move(*target));
  }
  if (route.strategy == "fastest" && plan.targets.size() > 1) {
    order_fastest(plan, req.stream);
  } else if (route.strategy == "cheapest" && plan.targets.size() > 1) {
    order_cheapest(plan, req);
  } else if (route.strategy == "weighted" && plan.targets.size() > 1) {
    // Pick the first target at random by weight; the others follow as fallbacks.
    double total = 0;
    for (const auto& t : route.targets) total += std::max(0.0, t.weight);
    double x = uniform() * total;
    size_t pick = 0;
    for (; pick + 1 < route.targets.size(); ++pick) {
      x -= std::max(0.0, route.targets[pick].weight);
      if (x < 0) break;
    }
    std::rotate(plan.targets.begin(), plan.targets.begin() + static_cast<long>(pick),
                plan.targets.begin() + static_cast<long>(pick) + 1);
    plan.reason = "weighted: chose " + plan.targets.front().label();
  } else {
    plan.reason = route.strategy + ": " + plan.targets.front().label() + " first";
  }
  return plan;
}

double Router::uniform() {
  std::lock_guard lock(rng_mu_);
  return std::uniform_real_distribution<double>(0, 1)(rng_);
}

namespace {
std::string ms(double v) {
  return std::to_string(static_cast<long>(v + 0.5)) + "ms";
}
}  // namespace

// Lowest moving-average TTFT (streams) or latency first. Unmeasured targets go first so they
// get measured, and one request in ten explores another target so a recovered or sped-up
// one is noticed.
void Router::order_fastest(RoutePlan& plan, bool stream) {
  const char* metric = stream ? "ttft" : "latency";
  std::vector<std::pair<double, providers::Target>> scored;
  for (auto& t : plan.targets) {
    auto s = health_.speed_ms(t.label(), stream);
    scored.emplace_back(s ? *s : -1.0, std::move(t));
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    if ((a.first < 0) != (b.first < 0)) return a.first < 0;
    return a.first < b.first;
  });
  plan.targets.clear();
  for (auto& [score, t] : scored) plan.targets.push_back(std::move(t));
  if (scored.front().first < 0) {
    plan.reason = "fastest: measuring " + plan.targets.front().label() + " (no samples yet)";
    return;
  }
  if (uniform() < 0.1) {
    size_t pick = 1 + static_cast<size_t>(uniform() * static_cast<double>(scored.size() - 1)) %
                          (scored.size() - 1);
    std::rotate(plan.targets.begin(), plan.targets.begin() + static_cast<long>(pick),
                plan.targets.begin() + static_cast<long>(pick) + 1);
    plan.reason = "fastest: exploring " + plan.targets.front().label() + " (" + metric + " " +
                  ms(scored[pick].first) + " vs best " + ms(scored.front().first) + ")";
    return;
  }
  plan.reason =
      "fastest: " + plan.targets.front().label() + " " + metric + " " + ms(scored[0].first);
  if (scored.size() > 1)
    plan.reason += " vs " + ms(scored[1].first) + " (" + plan.targets[1].label() + ")";
}

// Cheapest for this request's estimated tokens; unpriced targets last.
void Router::order_cheapest(RoutePlan& plan, const api::ChatRequest& req) {
  int64_t in = providers::estimate_prompt_tokens(req);
  int64_t out = req.output_limit().value_or(256);
  std::vector<std::pair<double, providers::Target>> priced;
  for (auto& t : plan.targets) {
    std::optional<double> c = cost_ ? cost_(t, in, out) : std::nullopt;
    priced.emplace_back(c ? *c : -1.0, std::move(t));
  }
  std::stable_sort(priced.begin(), priced.end(), [](const auto& a, const auto& b) {
    if ((a.first < 0) != (b.first < 0)) return b.first < 0;
    return a.first < b.first;
  });
  plan.targets.clear();
  for (auto& [c, t] : priced) plan.targets.push_back(std::move(t));
  char buf[160];
  if (priced.front().first < 0) {
    plan.reason = "cheapest: no target has a known price; in order";
  } else if (priced.size() > 1 && priced[1].first >= 0) {
    std::snprintf(buf, sizeof buf, "cheapest: $%.6f vs $%.6f for ~%lld+%lld tokens",
                  priced[0].first, priced[1].first, static_cast<long long>(in),
                  static_cast<long long>(out));
    plan.reason = buf;
  } else {
    std::snprintf(buf, sizeof buf, "cheapest: $%.6f for ~%lld+%lld tokens", priced[0].first,
                  static_cast<long long>(in), static_cast<long long>(out));
    plan.reason = buf;
  }
}

Result<RoutePlan> Router::plan(const api::ChatRequest& req, const RequestContext& ctx) {
  const std::string& target = alias_of(cfg_, req.model);
  if (&target == &req.model) return plan_name(req.model, req, ctx, 0);
  auto plan = plan_name(target, req, ctx, 0);
  if (plan) plan->reason = "alias " + req.model + " -> " + target + "; " + plan->reason;
  return plan;
}

const std::string& alias_of(const config::Config& cfg, const std::string& name) {
  auto it = cfg.aliases.find(name);
  return it == cfg.aliases.end() ? name : it->second;
}

}  // namespace gw::gateway
