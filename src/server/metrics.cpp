#include "server/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <mutex>
#include <sstream>

namespace gw::server {

using prometheus::Histogram;

struct Metrics::Series {
  prometheus::Counter* requests;
  prometheus::Counter* input_tokens;
  prometheus::Counter* output_tokens;
  prometheus::Counter* cached_tokens;
  prometheus::Counter* upstream_errors;
  prometheus::Histogram* latency;
  prometheus::Histogram* ttft;
  // gw_cost_usd_total's series, made at the first priced answer (an unpriced model has none);
  // Family::Add returns the one counter for its labels, so two threads racing here agree.
  std::atomic<prometheus::Counter*> cost{nullptr};
};

namespace {
const Histogram::BucketBoundaries kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                     1,     2.5,  5,     10,   30,  60,   120};
}

Metrics::Metrics(MetricLabels labels)
    : labels_(std::move(labels)), registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("gw_requests_total")
                   .Help("Chat completion requests by provider, model and HTTP status")
                   .Register(*registry_);
  tokens_ = &prometheus::BuildCounter()
                 .Name("gw_tokens_total")
                 .Help("Tokens by provider, model and type (input includes cached)")
                 .Register(*registry_);
  cost_ = &prometheus::BuildCounter()
               .Name("gw_cost_usd_total")
               .Help("Spend in USD by provider and model (requests with a known price)")
               .Register(*registry_);
  upstream_errors_ = &prometheus::BuildCounter()
                          .Name("gw_upstream_errors_total")
                          .Help("Failed upstream attempts by provider, model and status")
                          .Register(*registry_);
  latency_ = &prometheus::BuildHistogram()
                  .Name("gw_request_duration_seconds")
                  .Help("Whole-request latency")
                  .Register(*registry_);
  ttft_ = &prometheus::BuildHistogram()
               .Name("gw_time_to_first_token_seconds")
               .Help("Time to the first streamed token")
               .Register(*registry_);
  in_flight_ = &prometheus::BuildGauge()
                    .Name("gw_requests_in_flight")
                    .Help("Requests being processed")
                    .Register(*registry_)
                    .Add({});
  ledger_failures_ =
      &prometheus::BuildGauge()
           .Name("gw_ledger_write_failures")
           .Help("Failed ledger batch writes (each is retried) plus ledger rows dropped")
           .Register(*registry_)
           .Add({});
}

Metrics::~Metrics() = default;

void Metrics::set_limit_store_source(std::function<gateway::LimitStore::Health()> f) {
  limit_store_source_ = std::move(f);
  limit_store_up_ = &prometheus::BuildGauge()
                         .Name("gw_limit_store_up")
                         .Help("1 when the shared limit store ([limits] redis) answers, else 0")
                         .Register(*registry_)
                         .Add({});
  limit_store_fallbacks_ =
      &prometheus::BuildCounter()
           .Name("gw_limit_store_fallback_total")
           .Help("Limited requests decided without the shared limit store (its outages)")
           .Register(*registry_)
           .Add({});
}

Metrics::Series& Metrics::series(const std::string& provider, const std::string& model,
                                 const std::string& status) {
  std::string key = provider + '\x1f' + model + '\x1f' + status;
  {
    std::shared_lock lock(mu_);
    if (auto it = series_.find(key); it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto& slot = series_[key];
  if (!slot) {
    prometheus::Labels pm{{"provider", provider}, {"model", model}};
    prometheus::Labels pms{{"provider", provider}, {"model", model}, {"status", status}};
    auto with = [&](const char* type) {
      auto l = pm;
      l["type"] = type;
      return l;
    };
    slot = std::make_unique<Series>(
        &requests_->Add(pms), &tokens_->Add(with("input")), &tokens_->Add(with("output")),
        &tokens_->Add(with("cached")), &upstream_errors_->Add(pms),
        &latency_->Add(pm, kLatencyBuckets), &ttft_->Add(pm, kLatencyBuckets));
  }
  return *slot;
}

Result<void> Metrics::on_admit(gateway::RequestContext&) {
  in_flight_->Increment();
  return {};
}

void Metrics::on_complete(const gateway::Outcome& out, gateway::RequestContext&) {
  in_flight_->Decrement();
  auto [provider, model] = labels_.of(out.provider, out.model);
  Series& s = series(provider, model, std::to_string(out.status));
  s.requests->Increment();
  s.latency->Observe(out.latency_ms / 1000.0);
  if (out.ttft_ms >= 0 && out.stream) s.ttft->Observe(out.ttft_ms / 1000.0);
  if (out.usage) {
    s.input_tokens->Increment(static_cast<double>(out.usage->prompt_tokens));
    s.output_tokens->Increment(static_cast<double>(out.usage->completion_tokens));
    s.cached_tokens->Increment(static_cast<double>(out.usage->cached_tokens));
  }
  if (out.cost_usd && *out.cost_usd > 0) {
    // Cached: Family::Add builds a label map and takes the family's lock on every call.
    prometheus::Counter* cost = s.cost.load(std::memory_order_acquire);
    if (!cost) {
      cost = &cost_->Add({{"provider", provider}, {"model", model}});
      s.cost.store(cost, std::memory_order_release);
    }
    cost->Increment(*out.cost_usd);
  }
  for (const auto& a : out.attempts) {
    if (a.status == 200 || a.status == 0) continue;
    std::string_view target = a.target;
    auto slash = target.find('/');
    auto l = labels_.of(target.substr(0, slash), target.substr(slash + 1));
    series(l.provider, l.model, std::to_string(a.status)).upstream_errors->Increment();
  }
}

std::string Metrics::render() const {
  if (ledger_failures_source_) ledger_failures_->Set(ledger_failures_source_());
  if (limit_store_source_) {
    auto h = limit_store_source_();
    limit_store_up_->Set(h.up ? 1 : 0);
    // A counter only goes up: add what the store counted since the last scrape.
    uint64_t seen = fallbacks_seen_.exchange(h.fallbacks);
    if (h.fallbacks > seen)
      limit_store_fallbacks_->Increment(static_cast<double>(h.fallbacks - seen));
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace gw::server
