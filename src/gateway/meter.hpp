// The meter stage: when a request is over (success or not) it hands one ledger row, priced
// by the gateway (price_outcome), to the background writer. Placed at the front of the chain
// so it sees every request, rejected ones included. Never throws, never touches the disk on
// the request path.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "gateway/filter.hpp"
#include "gateway/pricing.hpp"
#include "store/ledger.hpp"

namespace gw::gateway {

// The ledger row of one finished request: usage as reported (absent usage charges nothing),
// priced with `cost`.
store::LedgerRow make_ledger_row(const Outcome& out, const PriceTable::Cost& cost);

class Meter : public Filter {
 public:
  bool records_only() const override { return true; }  // the ledger row after the answer
  // Seam for PII redaction of stored bodies (a later issue): returns what may be stored.
  using BodyRedactor = std::function<std::string(std::string body, const RequestContext&)>;
  struct Options {
    bool log_bodies = false;
    BodyRedactor redact;  // empty: bodies are stored as they reach the meter
  };

  // `ledger` may be null (no store): costs are still computed for --stats.
  Meter(std::shared_ptr<const PriceTable> prices, std::shared_ptr<store::Ledger> ledger,
        Options opt);

  std::string_view name() const override { return "meter"; }
  Result<void> on_request(api::ChatRequest& req, RequestContext& ctx) override;
  void on_chunk(api::Editable<api::ChatChunk>& c, RequestContext& ctx) override;
  void on_response(api::Editable<api::ChatResponse>& r, RequestContext& ctx) override;
  void on_complete(const Outcome& out, RequestContext& ctx) override;

 private:
  void warn_unpriced(const std::string& provider, const std::string& model);
  std::string redact(std::string body, const RequestContext& ctx) const;

  std::shared_ptr<const PriceTable> prices_;
  std::shared_ptr<store::Ledger> ledger_;
  Options opt_;
  std::mutex warned_mu_;
  std::set<std::string> warned_;
};

}  // namespace gw::gateway
