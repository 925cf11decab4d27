#include "gateway/pricing.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <unordered_map>

namespace gw::gateway {
namespace {

// Figures as the vendors published them, to the best of our knowledge as of 2025-11-24 (not
// re-fetched when this table was written: check the pages below before relying on them).
// Text tokens only: audio/image input surcharges, per-call tool fees and Gemini's
// cache-storage hours are not modelled. Anthropic cache writes use the 5-minute TTL price
// (1.25 × input); 1-hour writes cost 2 × input and would need a config override.
constexpr const char* kOpenAI = "https://openai.com/api/pricing (2025-11)";
constexpr const char* kAnthropic =
    "https://docs.anthropic.com/en/docs/about-claude/pricing (2025-11)";
constexpr const char* kGoogle =
    "https://ai.google.dev/gemini-api/docs/pricing (2025-11, paid tier)";
constexpr const char* kBedrock =
    "https://aws.amazon.com/bedrock/pricing/ (2025-11, on-demand, us-east-1)";

constexpr Rates R(double in, double cached, double out) {
  return Rates{in, out, cached, std::nullopt};
}
constexpr Rates RN(double in, double out) {  // no prompt caching discount
  return Rates{in, out, std::nullopt, std::nullopt};
}
constexpr Rates RA(double in, double write, double read, double out) {  // Anthropic
  return Rates{in, out, read, write};
}

// clang-format off
constexpr BuiltinPrice kTable[] = {
  // OpenAI: cache writes are free (billed as plain input); cached reads are discounted.
  {"openai/gpt-5.1",            R(1.25, 0.125, 10.00), 0, {}, kOpenAI},
  {"openai/gpt-5",              R(1.25, 0.125, 10.00), 0, {}, kOpenAI},
  {"openai/gpt-5-chat-latest",  R(1.25, 0.125, 10.00), 0, {}, kOpenAI},
  {"openai/gpt-5-codex",        R(1.25, 0.125, 10.00), 0, {}, kOpenAI},
  {"openai/gpt-5-mini",         R(0.25, 0.025, 2.00), 0, {}, kOpenAI},
  {"openai/gpt-5-nano",         R(0.05, 0.005, 0.40), 0, {}, kOpenAI},
  {"openai/gpt-5-pro",          RN(15.00, 120.00), 0, {}, kOpenAI},
  {"openai/gpt-4.1",            R(2.00, 0.50, 8.00), 0, {}, kOpenAI},
  {"openai/gpt-4.1-mini",       R(0.40, 0.10, 1.60), 0, {}, kOpenAI},
  {"openai/gpt-4.1-nano",       R(0.10, 0.025, 0.40), 0, {}, kOpenAI},
  {"openai/gpt-4o",             R(2.50, 1.25, 10.00), 0, {}, kOpenAI},
  {"openai/gpt-4o-2024-05-13",  RN(5.00, 15.00), 0, {}, kOpenAI},  // the first snapshot kept its price
  {"openai/chatgpt-4o-latest",  RN(5.00, 15.00), 0, {}, kOpenAI},
  {"openai/gpt-4o-mini",        R(0.15, 0.075, 0.60), 0, {}, kOpenAI},
  {"openai/o1",                 R(15.00, 7.50, 60.00), 0, {}, kOpenAI},
  {"openai/o1-pro",             RN(150.00, 600.00), 0, {}, kOpenAI},
  {"openai/o1-mini",            R(1.10, 0.55, 4.40), 0, {}, kOpenAI},
  {"openai/o3",                 R(2.00, 0.50, 8.00), 0, {}, kOpenAI},
  {"openai/o3-pro",             RN(20.00, 80.00), 0, {}, kOpenAI},
  {"openai/o3-mini",            R(1.10, 0.55, 4.40), 0, {}, kOpenAI},
  {"openai/o4-mini",            R(1.10, 0.275, 4.40), 0, {}, kOpenAI},
  {"openai/gpt-4-turbo",        RN(10.00, 30.00), 0, {}, kOpenAI},
  {"openai/gpt-4",              RN(30.00, 60.00), 0, {}, kOpenAI},
  {"openai/gpt-3.5-turbo",      RN(0.50, 1.50), 0, {}, kOpenAI},
  // Anthropic: cache write (5 min) = 1.25 × input, cache read = 0.1 × input. Sonnet 4.x
  // prompts over 200K tokens (1M-context beta) are billed at the long-context rates.
  {"anthropic/claude-opus-4-5",   RA(5.00, 6.25, 0.50, 25.00), 0, {}, kAnthropic},
  {"anthropic/claude-opus-4-1",   RA(15.00, 18.75, 1.50, 75.00), 0, {}, kAnthropic},
  {"anthropic/claude-opus-4",     RA(15.00, 18.75, 1.50, 75.00), 0, {}, kAnthropic},
  {"anthropic/claude-sonnet-4-5", RA(3.00, 3.75, 0.30, 15.00), 200000, RA(6.00, 7.50, 0.60, 22.50), kAnthropic},
  {"anthropic/claude-sonnet-4",   RA(3.00, 3.75, 0.30, 15.00), 200000, RA(6.00, 7.50, 0.60, 22.50), kAnthropic},
  {"anthropic/claude-3-7-sonnet", RA(3.00, 3.75, 0.30, 15.00), 0, {}, kAnthropic},
  {"anthropic/claude-3-5-sonnet", RA(3.00, 3.75, 0.30, 15.00), 0, {}, kAnthropic},
  {"anthropic/claude-haiku-4-5",  RA(1.00, 1.25, 0.10, 5.00), 0, {}, kAnthropic},
  {"anthropic/claude-3-5-haiku",  RA(0.80, 1.00, 0.08, 4.00), 0, {}, kAnthropic},
  {"anthropic/claude-3-opus",     RA(15.00, 18.75, 1.50, 75.00), 0, {}, kAnthropic},
  {"anthropic/claude-3-haiku",    RA(0.25, 0.30, 0.03, 1.25), 0, {}, kAnthropic},
  // Google Gemini API: output includes thinking tokens; cached reads at the context-caching
  // rate (creating a cache bills its tokens as plain input). Pro models have a >200K tier.
  {"gemini/gemini-3-pro-preview",   R(2.00, 0.20, 12.00), 200000, R(4.00, 0.40, 18.00), kGoogle},
  {"gemini/gemini-2.5-pro",         R(1.25, 0.125, 10.00), 200000, R(2.50, 0.25, 15.00), kGoogle},
  {"gemini/gemini-2.5-flash",       R(0.30, 0.03, 2.50), 0, {}, kGoogle},
  {"gemini/gemini-2.5-flash-lite",  R(0.10, 0.01, 0.40), 0, {}, kGoogle},
  {"gemini/gemini-2.0-flash",       R(0.10, 0.025, 0.40), 0, {}, kGoogle},
  {"gemini/gemini-2.0-flash-lite",  RN(0.075, 0.30), 0, {}, kGoogle},
  // AWS Bedrock's own models (its Claude models cost Anthropic's list price: cloud_vendor_model).
  // Keys are model ids without the region prefix and the -v1:0 version.
  {"bedrock/amazon.nova-pro",              RN(0.80, 3.20), 0, {}, kBedrock},
  {"bedrock/amazon.nova-lite",             RN(0.06, 0.24), 0, {}, kBedrock},
  {"bedrock/amazon.nova-micro",            RN(0.035, 0.14), 0, {}, kBedrock},
  {"bedrock/meta.llama3-1-70b-instruct",   RN(0.72, 0.72), 0, {}, kBedrock},
  {"bedrock/meta.llama3-3-70b-instruct",   RN(0.72, 0.72), 0, {}, kBedrock},
  {"bedrock/meta.llama3-1-8b-instruct",    RN(0.22, 0.22), 0, {}, kBedrock},
  // Embedding models: input tokens only (an embedding has no output tokens).
  {"openai/text-embedding-3-small", RN(0.02, 0), 0, {}, kOpenAI},
  {"openai/text-embedding-3-large", RN(0.13, 0), 0, {}, kOpenAI},
  {"openai/text-embedding-ada-002", RN(0.10, 0), 0, {}, kOpenAI},
  {"gemini/gemini-embedding-001",   RN(0.15, 0), 0, {}, kGoogle},
  {"gemini/text-embedding-004",     RN(0, 0), 0, {}, kGoogle},  // free of charge
};
// clang-format on

const std::unordered_map<std::string_view, const BuiltinPrice*>& builtin_index() {
  static const auto idx = [] {
    std::unordered_map<std::string_view, const BuiltinPrice*> m;
    for (const auto& p : kTable) m.emplace(p.key, &p);
    return m;
  }();
  return idx;
}

ModelPrice from_builtin(const BuiltinPrice& b) {
  return ModelPrice{b.key, b.rates, b.long_above, b.long_rates, b.source};
}

bool all_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Splits off the last "-segment".
bool pop_segment(std::string_view& s, std::string_view& seg) {
  auto d = s.rfind('-');
  if (d == std::string_view::npos || d == 0) return false;
  seg = s.substr(d + 1);
  s = s.substr(0, d);
  return true;
}

// One snapshot suffix removed, or nullopt when the name has none.
std::optional<std::string_view> strip_snapshot(std::string_view m) {
  std::string_view rest = m, a, b, c;
  if (!pop_segment(rest, a)) return std::nullopt;
  if (a == "latest") return rest;                   // claude-3-5-sonnet-latest
  if (all_digits(a) && a.size() == 8) return rest;  // -20250929
  if (all_digits(a) && a.size() == 3) return rest;  // gemini -001
  std::string_view r2 = rest;
  if (all_digits(a) && pop_segment(r2, b) && all_digits(b)) {
    std::string_view r3 = r2;
    if (a.size() == 2 && b.size() == 2 && pop_segment(r3, c) && all_digits(c) && c.size() == 4)
      return r3;                                                       // -2024-07-18
    if (r2.ends_with("-preview")) return r2.substr(0, r2.size() - 8);  // -preview-05-20
  }
  return std::nullopt;
}

std::string hash_overrides(const std::map<std::string, ModelPrice, std::less<>>& o) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across runs and builds
  auto mix = [&](std::string_view s) {
    for (unsigned char ch : s) {
      h ^= ch;
      h *= 1099511628211ull;
    }
  };
  auto num = [&](std::optional<double> v) {
    char buf[32] = "-";
    if (v) std::snprintf(buf, sizeof buf, "%.17g", *v);
    mix(buf);
    mix(",");
  };
  for (const auto& [k, p] : o) {
    mix(k);
    mix("=");
    num(p.rates.input);
    num(p.rates.output);
    num(p.rates.cached_input);
    num(p.rates.cache_write);
    mix(";");
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return std::string(out, 8);
}

}  // namespace

std::span<const BuiltinPrice> builtin_prices() {
  return kTable;
}

double cost_usd(const Rates& r, const api::Usage& u) {
  // A confused upstream may report more cached than prompt tokens; never charge negative input.
  int64_t uncached = std::max<int64_t>(0, u.prompt_tokens - u.cached_tokens - u.cache_write_tokens);
  double sum = static_cast<double>(uncached) * r.input +
               static_cast<double>(u.cached_tokens) * r.cached_input.value_or(r.input) +
               static_cast<double>(u.cache_write_tokens) * r.cache_write.value_or(r.input) +
               static_cast<double>(u.completion_tokens) * r.output;
  return sum / 1e6;
}

double cost_usd(const ModelPrice& p, const api::Usage& u) {
  bool long_ctx = p.long_above > 0 && u.prompt_tokens > p.long_above;
  return cost_usd(long_ctx ? p.long_rates : p.rates, u);
}

std::vector<std::string> model_candidates(std::string_view model) {
  if (model.starts_with("models/")) model.remove_prefix(7);  // Gemini's resource names
  std::vector<std::string> out{std::string(model)};
  std::string_view cur = model;
  while (auto s = strip_snapshot(cur)) {
    cur = *s;
    out.emplace_back(cur);
  }
  return out;
}

PriceTable::PriceTable() : version_(kBuiltinPriceVersion) {}

PriceTable::PriceTable(const config::Config& cfg)
    : PriceTable(cfg.prices, [&] {
        std::map<std::string, std::string> k;
        for (const auto& [name, p] : cfg.providers) k[name] = p.kind;
        return k;
      }()) {}

PriceTable::PriceTable(const std::map<std::string, config::Price>& overrides,
                       std::map<std::string, std::string> provider_kinds)
    : version_(kBuiltinPriceVersion) {
  for (const auto& [k, v] : provider_kinds) kinds_.emplace(k, v);
  for (const auto& [key, p] : overrides)
    overrides_.emplace(
        key,
        ModelPrice{key, Rates{p.input, p.output, p.cached_input, p.cache_write}, 0, {}, "config"});
  if (!overrides_.empty()) version_ += "+config:" + hash_overrides(overrides_);
}

bool PriceTable::is_mock(std::string_view provider) const {
  auto it = kinds_.find(provider);
  if (it != kinds_.end()) return it->second == "mock";
  return provider == "mock";
}

std::string_view PriceTable::kind_of(std::string_view provider) const {
  auto it = kinds_.find(provider);
  return it != kinds_.end() ? std::string_view(it->second) : provider;
}

std::optional<ModelPrice> PriceTable::lookup(std::string_view provider,
                                             std::string_view model) const {
  if (provider.empty()) return std::nullopt;
  const auto& idx = builtin_index();
  std::string key;
  auto find = [&](std::string_view prefix, std::string_view m) -> std::optional<ModelPrice> {
    for (const auto& cand : model_candidates(m)) {
      key.assign(prefix).append("/").append(cand);
      if (auto it = overrides_.find(key); it != overrides_.end()) return it->second;
      if (auto it = idx.find(key); it != idx.end()) return from_builtin(*it->second);
    }
    return std::nullopt;
  };
  if (auto p = find(provider, model)) return p;
  // A cloud sells the vendor's model under its own name at the vendor's list price: look the
  // model up under the vendor, with the cloud's spelling made the vendor's.
  // Only clouds: an OpenAI-compatible server named "local" is not OpenAI.
  if (auto vendor = cloud_vendor_model(kind_of(provider), model))
    return find(vendor->first, vendor->second);
  if (is_mock(provider)) return ModelPrice{std::string(provider) + "/*", {}, 0, {}, "mock"};
  return std::nullopt;
}

std::optional<std::pair<std::string, std::string>> cloud_vendor_model(std::string_view kind,
                                                                      std::string_view model) {
  if (kind == "azure") return std::pair{std::string("openai"), std::string(model)};
  if (kind == "vertex") {
    // Vertex names Claude snapshots "claude-sonnet-4-5@20250929"; Anthropic "...-20250929".
    std::string m(model);
    std::replace(m.begin(), m.end(), '@', '-');
    return std::pair{std::string(m.starts_with("claude") ? "anthropic" : "gemini"), m};
  }
  if (kind == "bedrock") {
    // "arn:…:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0" →
    // "anthropic/claude-sonnet-4-5-20250929"; "amazon.nova-pro-v1:0" → "bedrock/amazon.nova-pro".
    std::string_view m = model;
    if (auto slash = m.rfind('/'); slash != std::string_view::npos) m.remove_prefix(slash + 1);
    for (std::string_view region : {"us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.",
                                    "ca."})  // cross-region inference profiles
      if (m.starts_with(region)) {
        m.remove_prefix(region.size());
        break;
      }
    if (auto v = m.rfind("-v"); v != std::string_view::npos && v + 2 < m.size() &&
                                std::isdigit(static_cast<unsigned char>(m[v + 2]))) {
      size_t end = v + 2;
      while (end < m.size() && std::isdigit(static_cast<unsigned char>(m[end]))) ++end;
      if (end == m.size() || m[end] == ':') m = m.substr(0, v);  // -v1, -v1:0, -v2:0:200k
    }
    if (m.starts_with("anthropic."))
      return std::pair{std::string("anthropic"), std::string(m.substr(10))};
    return std::pair{std::string("bedrock"), std::string(m)};
  }
  return std::nullopt;
}

PriceTable::Cost PriceTable::cost(std::string_view provider, std::string_view model,
                                  const api::Usage& u) const {
  auto p = lookup(provider, model);
  if (!p) return {std::nullopt, version_};
  return {cost_usd(*p, u), version_};
}

std::vector<ModelPrice> PriceTable::catalogue(std::string_view provider) const {
  std::map<std::string, ModelPrice> out;
  std::string prefix = std::string(provider) + "/";
  for (const auto& b : kTable)
    if (std::string_view(b.key).starts_with(prefix)) out[b.key] = from_builtin(b);
  for (const auto& [k, p] : overrides_)
    if (k.starts_with(prefix)) out[k] = p;  // the config wins
  std::vector<ModelPrice> v;
  for (auto& [k, p] : out) v.push_back(std::move(p));
  return v;
}

void price_outcome(Outcome& out, const PriceTable& prices) {
  out.price_version = prices.version();
  out.cost_usd =
      out.usage ? prices.cost(out.provider, out.model, *out.usage).usd : std::optional<double>(0.0);
}

}  // namespace gw::gateway
