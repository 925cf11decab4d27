// The request pipeline of DESIGN 1. `gw chat`, `gw compare` and `gw serve` all call it, so
// one request takes one path and leaves one ledger row whichever front it came through.
#pragma once

#include <memory>
#include <vector>

#include "api/chat.hpp"
#include "api/error.hpp"
#include "config/config.hpp"
#include "gateway/context.hpp"
#include "gateway/filter.hpp"
#include "gateway/pricing.hpp"
#include "gateway/router.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace gw::gateway {

class Gateway {
 public:
  explicit Gateway(const config::Config& cfg);
  ~Gateway();

  // Stages run in the order added (metrics, meter, auth, limits, guard): a stage sees
  // on_complete only if the request reached its on_admit, so observers go first.
  void add_filter(std::unique_ptr<Filter> f) { filters_.push_back(std::move(f)); }
  void add_filter_front(std::unique_ptr<Filter> f) {
    filters_.insert(filters_.begin(), std::move(f));
  }

  // The stages' on_admit, before the body is parsed (the HTTP front calls it first, so a
  // request without a valid key is refused unread). On failure the request is over: it has
  // been recorded like any other. complete() and stream() admit on their own when the
  // caller did not.
  Result<void> admit(RequestContext& ctx, Outcome& out);
  // Ends an admitted request that never reached the pipeline (an unreadable body): recorded
  // with `e` like any other, so every request leaves one ledger row.
  void reject(RequestContext& ctx, Outcome& out, const Error& e, std::string_view requested_model);

  Result<api::ChatResponse> complete(api::ChatRequest req, RequestContext& ctx, Outcome& out);
  // Chunks reach `sink` as they arrive. The usage chunk is passed on only when the client
  // asked (stream_options.include_usage); usage is always recorded.
  Result<void> stream(api::ChatRequest req, RequestContext& ctx, const providers::ChunkSink& sink,
                      Outcome& out);

  // Every outcome is priced with this table before the stages see it complete, so metrics,
  // the ledger and `--stats` report one figure; the router's `cheapest` uses it too.
  void set_prices(std::shared_ptr<const PriceTable> prices);

  Router& router() { return router_; }
  const config::Config& config() const { return cfg_; }

 private:
  template <class Call>
  Result<void> run(api::ChatRequest& req, RequestContext& ctx, Outcome& out, Call&& call);
  void start(RequestContext& ctx, Outcome& out, std::string_view requested_model);
  void finish(RequestContext& ctx, Outcome& out);
  void end(RequestContext& ctx, Outcome& out, const Error* e);

  const config::Config& cfg_;
  providers::Registry registry_;
  Router router_;
  // A stage that rewrites chunks (PII restore) rewrites whole answers too: the upstream's
  // own text then no longer holds, and every chunk is handed to it.
  bool rewriting_stage() const {
    for (const auto& f : filters_)
      if (f->wants_chunks()) return true;
    return false;
  }
  std::vector<std::unique_ptr<Filter>> filters_;
  std::shared_ptr<const PriceTable> prices_;
};

std::string new_request_id();

// The one grammar of a model name: letters, digits and -._:/@+=, 1 to 256 bytes ('=' for
// option suffixes such as the test upstream's "+words=50"), and never "..". Anything else never
// reaches routing, a header, a URL or a log: 400 invalid_model.
bool valid_model_name(std::string_view name);

}  // namespace gw::gateway
