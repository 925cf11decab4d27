// What a request cost: a built-in table of vendor prices (USD per million tokens), config
// overrides on top, model-name lookup that sees through dated snapshots, and the arithmetic.
// Every cost is stamped with the table's version so a later price change never rewrites
// history.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/chat.hpp"
#include "config/config.hpp"
#include "gateway/context.hpp"

namespace gw::gateway {

// The date the built-in figures were last checked against the vendors' price pages.
inline constexpr const char* kBuiltinPriceVersion = "builtin-2025-11-24";

struct Rates {  // USD per million tokens
  double input = 0, output = 0;
  std::optional<double> cached_input;  // cache reads; default: input
  std::optional<double> cache_write;   // cache creation; default: input
};

struct ModelPrice {
  std::string key;  // "provider/model" as in the table or the config
  Rates rates;
  // Long-context tier (Gemini Pro, Claude Sonnet 4.x): when the prompt has more than
  // `long_above` tokens, the whole request is priced at `long_rates`.
  int64_t long_above = 0;  // 0: no tier
  Rates long_rates;
  std::string source;  // where the figure came from ("config" for overrides)
};

struct BuiltinPrice {
  const char* key;
  Rates rates;
  int64_t long_above;
  Rates long_rates;
  const char* source;
};
std::span<const BuiltinPrice> builtin_prices();

// cost = ((prompt − cached − cache_write) × input + cached × cached_input
//         + cache_write × cache_write_price + completion × output) / 1e6
// Reasoning tokens are part of completion and priced as output, as every vendor bills them.
double cost_usd(const Rates& r, const api::Usage& u);
double cost_usd(const ModelPrice& p, const api::Usage& u);  // picks the tier

// The names a model may be priced under, most specific first: the name itself, then with its
// snapshot suffix removed (gpt-4o-mini-2024-07-18 → gpt-4o-mini, claude-sonnet-4-5-20250929 →
// claude-sonnet-4-5, gemini-2.0-flash-001 → gemini-2.0-flash, *-latest → *).
std::vector<std::string> model_candidates(std::string_view model);

// The vendor and the vendor's model name behind a cloud provider kind ("azure" sells OpenAI's
// models, "vertex" Google's and Anthropic's), or nullopt for a kind that is not a cloud.
std::optional<std::pair<std::string, std::string>> cloud_vendor_model(std::string_view kind,
                                                                      std::string_view model);

class PriceTable {
 public:
  PriceTable();  // built-in table only
  // Overrides from [prices."provider/model"]; provider kinds tell which ones are `mock`.
  explicit PriceTable(const config::Config& cfg);
  PriceTable(const std::map<std::string, config::Price>& overrides,
             std::map<std::string, std::string> provider_kinds);

  // builtin version, plus "+config:<hash of the overrides>" when there are any.
  const std::string& version() const { return version_; }

  // Known price, or nullopt. Only the vendors' own provider names (openai, anthropic, gemini)
  // get built-in prices; any other provider is priced only by the config. Models of a `mock`
  // provider cost exactly 0.
  std::optional<ModelPrice> lookup(std::string_view provider, std::string_view model) const;

  struct Cost {
    std::optional<double> usd;  // nullopt: unknown price
    std::string version;
  };
  Cost cost(std::string_view provider, std::string_view model, const api::Usage& u) const;

  // For `gw models`: every priced model of a provider, built-in and configured.
  std::vector<ModelPrice> catalogue(std::string_view provider) const;
  bool is_mock(std::string_view provider) const;

 private:
  std::map<std::string, ModelPrice, std::less<>> overrides_;
  std::string_view kind_of(std::string_view provider) const;

  std::map<std::string, std::string, std::less<>> kinds_;
  std::string version_;
};

// Sets out.cost_usd and out.price_version from out.usage: what every filter (metrics, meter)
// and `gw chat --stats` report. No usage means nothing was charged: cost 0, whatever the price.
// An unknown price leaves cost_usd empty.
void price_outcome(Outcome& out, const PriceTable& prices);

}  // namespace gw::gateway
