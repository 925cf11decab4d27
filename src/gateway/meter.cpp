#include "gateway/meter.hpp"

#include <cstdio>

#include "api/json_codec.hpp"
#include "api/printable.hpp"

namespace gw::gateway {
store::LedgerRow make_ledger_row(const Outcome& out, const PriceTable::Cost& cost) {
  store::LedgerRow r;
  r.ts_ms = out.started_unix_ms;
  r.request_id = out.request_id;
  r.key_id = out.caller.key_id;
  r.key_name = out.caller.key_name;
  r.user = out.caller.user;
  r.tenant = out.caller.tenant;
  r.requested_model = out.requested_model;
  r.route = out.route;
  r.provider = out.provider;
  r.model = out.model;
  r.status = out.status;
  r.error_type = out.error_type;
  r.error_code = out.error_code;
  if (out.usage) {
    r.input_tokens = out.usage->prompt_tokens;
    r.cached_tokens = out.usage->cached_tokens;
    r.cache_write_tokens = out.usage->cache_write_tokens;
    r.output_tokens = out.usage->completion_tokens;
    r.reasoning_tokens = out.usage->reasoning_tokens;
    r.usage_estimated = out.usage_estimated;
    r.cost_usd = cost.usd;
  } else {
    r.cost_usd = 0.0;  // no usage: the upstream charged nothing, whatever the model's price
  }
  r.price_version = cost.version;
  r.latency_ms = out.latency_ms;
  if (out.ttft_ms >= 0) r.ttft_ms = out.ttft_ms;
  r.attempts = static_cast<int>(out.attempts.size());
  r.stream = out.stream;
  r.cancelled = out.client_cancelled;
  r.client = out.client;
  r.endpoint = out.endpoint;
  r.client_family = out.client_family;
  return r;
}

Meter::Meter(std::shared_ptr<const PriceTable> prices, std::shared_ptr<store::Ledger> ledger,
             Options opt)
    : prices_(std::move(prices)), ledger_(std::move(ledger)), opt_(std::move(opt)) {}

std::string Meter::redact(std::string body, const RequestContext& ctx) const {
  return opt_.redact ? opt_.redact(std::move(body), ctx) : body;
}

Result<void> Meter::on_request(api::ChatRequest& req, RequestContext& ctx) {
  if (!opt_.log_bodies || !ledger_) return {};
  try {
    ctx.state.logged_request = api::dump(api::to_json(req));
  } catch (...) {  // a body we cannot serialize is not worth failing the request for
  }
  return {};
}

void Meter::on_chunk(api::Editable<api::ChatChunk>& c, RequestContext& ctx) {
  if (!opt_.log_bodies || !ledger_) return;
  for (const auto& ch : c.get().choices)
    if (ch.content) ctx.state.streamed_text.append(*ch.content);
}

// The gateway hands a whole answer to the stages apart from on_complete (before it under gw
// serve, whose Settlement settles after the answer; after it in the CLI), so its body is
// written as a second half that the store merges by request id.
void Meter::on_response(api::Editable<api::ChatResponse>& r, RequestContext& ctx) {
  if (!opt_.log_bodies || !ledger_) return;
  try {
    store::BodyRow b;
    b.request_id = ctx.request_id;
    b.response = redact(api::dump(api::to_json(r.get())), ctx);
    ledger_->enqueue(std::move(b));
  } catch (...) {
  }
}

void Meter::on_complete(const Outcome& out, RequestContext& ctx) {
  try {
    // The gateway may have priced the outcome already (price_outcome); the same figure
    // then reaches /metrics, --stats and the ledger.
    PriceTable::Cost cost{out.cost_usd, out.price_version};
    if (out.price_version.empty()) {
      cost = out.usage ? prices_->cost(out.provider, out.model, *out.usage)
                       : PriceTable::Cost{0.0, prices_->version()};
    }
    bool priced = cost.usd.has_value();
    if (!priced && out.usage) warn_unpriced(out.provider, out.model);
    store::LedgerRow row = make_ledger_row(out, cost);
    row.pii = ctx.state.pii_counts;
    if (!ledger_) return;
    int64_t ts = row.ts_ms;
    ledger_->enqueue(std::move(row));
    if (opt_.log_bodies) {
      store::BodyRow b;
      b.request_id = out.request_id;
      b.ts_ms = ts;
      if (!ctx.state.logged_request.empty())
        b.request = redact(std::move(ctx.state.logged_request), ctx);
      if (out.stream)
        b.response = redact(
            api::dump(api::Json{{"role", "assistant"}, {"content", ctx.state.streamed_text}}), ctx);
      ledger_->enqueue(std::move(b));
    }
  } catch (...) {  // metering must never fail or crash a request that already happened
  }
}

void Meter::warn_unpriced(const std::string& provider, const std::string& model) {
  constexpr size_t kMaxWarned = 1000;  // client-chosen names must not grow this without end
  std::string key = api::printable(provider + "/" + model);
  {
    std::lock_guard lk(warned_mu_);
    if (warned_.size() >= kMaxWarned || !warned_.insert(key).second) return;
    if (warned_.size() == kMaxWarned) {
      std::fprintf(stderr, "gw: warning: %zu models without a price; no more are named\n",
                   kMaxWarned);
      return;
    }
  }
  std::fprintf(stderr,
               "gw: warning: no price known for %s; its cost is recorded as unknown (add "
               "[prices.\"%s\"] to the config)\n",
               key.c_str(), key.c_str());
}

}  // namespace gw::gateway
