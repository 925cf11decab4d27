// The request pipeline: the stages, then routing, then the attempts. `gw chat`, `gw compare`
// and `gw serve` all call it, so one request takes one path and leaves one ledger row
// whichever front it came through. build_pipeline() (pipeline.hpp) assembles it.
#pragma once

#include <memory>
#include <vector>

#include "api/chat.hpp"
#include "api/embeddings.hpp"
#include "api/error.hpp"
#include "config/config.hpp"
#include "gateway/context.hpp"
#include "gateway/failover.hpp"
#include "gateway/filter.hpp"
#include "gateway/pricing.hpp"
#include "gateway/router.hpp"
#include "providers/provider.hpp"
#include "providers/registry.hpp"

namespace gw::gateway {

class Gateway {
 public:
  // The stages run in the order given (build_pipeline's). A stage sees on_complete only if
  // the request reached its on_admit, so observers go first. Every outcome is priced with
  // `prices` (may be null) before the stages see it complete, so metrics, the ledger and
  // `--stats` report one figure; the router's `cheapest` uses it too.
  Gateway(const config::Config& cfg, std::vector<std::unique_ptr<Filter>> stages,
          std::shared_ptr<const PriceTable> prices = nullptr);
  ~Gateway();

  // The stages' on_admit, before the body is parsed (the HTTP front calls it first, so a
  // request without a valid key is refused unread). On failure the request is over: it has
  // been recorded like any other. complete() and stream() admit on their own when the
  // caller did not.
  Result<void> admit(RequestContext& ctx, Outcome& out);
  // Ends an admitted request that never reached the pipeline (an unreadable body): recorded
  // with `e` like any other, so every request leaves one ledger row.
  void reject(RequestContext& ctx, Outcome& out, const Error& e, std::string_view requested_model);
  // Ends an admitted request gw answered itself, without an upstream (count_tokens): recorded
  // as a success with no usage.
  void answered(RequestContext& ctx, Outcome& out, std::string_view requested_model);

  // Runs the recording stages' on_complete (Filter::records_only: meter, metrics) for a
  // request that ended while ctx.settle_after_answer was set; nothing otherwise. Settlement
  // calls it once the answer is out.
  void settle(RequestContext& ctx, Outcome& out);

  Result<api::ChatResponse> complete(api::ChatRequest req, RequestContext& ctx, Outcome& out);
  // Chunks reach `sink` as they arrive. The usage chunk is passed on only when the client
  // asked (stream_options.include_usage); usage is always recorded.
  Result<void> stream(api::ChatRequest req, RequestContext& ctx, const providers::ChunkSink& sink,
                      Outcome& out);
  // POST /v1/embeddings through the same path as complete(): the stages see the request as a
  // chat view (embedding_view: one user message per input string, no output), so limits ask
  // for the input tokens alone and the guard masks or blocks the input strings; then the
  // router, failover and the provider's embed(). Usage is input tokens only (estimated when
  // the upstream reports none).
  Result<api::EmbeddingResponse> embed(api::EmbeddingRequest req, RequestContext& ctx,
                                       Outcome& out);

  // The stages' names in the order they run (for tests and `gw config`-style listings).
  std::vector<std::string_view> stage_names() const {
    std::vector<std::string_view> names;
    for (const auto& f : filters_) names.push_back(f->name());
    return names;
  }
  Router& router() { return router_; }
  // The providers by kind (tests put a provider of their own in place of one).
  providers::Registry& providers() { return registry_; }
  const config::Config& config() const { return cfg_; }

 private:
  Result<void> run(api::ChatRequest& req, RequestContext& ctx, Outcome& out,
                   const Attempt& attempt);
  void start(RequestContext& ctx, Outcome& out, std::string_view requested_model);
  void finish(RequestContext& ctx, Outcome& out);
  void end(RequestContext& ctx, Outcome& out, const Error* e);

  const config::Config& cfg_;
  providers::Registry registry_;
  Router router_;
  Failover failover_;
  std::vector<std::unique_ptr<Filter>> filters_;
  std::shared_ptr<const PriceTable> prices_;
};

// How the HTTP front records a request after its answer. Declared after the request's context
// and outcome, it marks them so the request's end defers the recording stages' on_complete
// (the ledger row, metrics; the limits still settle before the answer), and runs it when the
// handler returns, whichever way it returned: after the answer has been written.
class Settlement {
 public:
  Settlement(Gateway& gateway, RequestContext& ctx, Outcome& out)
      : gateway_(gateway), ctx_(ctx), out_(out) {
    ctx.settle_after_answer = true;
  }
  // A destructor must not throw (it may run while an exception unwinds the handler): a
  // recorder that fails here (out of memory) loses its record, never the process.
  ~Settlement() {
    try {
      gateway_.settle(ctx_, out_);
    } catch (...) {
    }
  }
  Settlement(const Settlement&) = delete;
  Settlement& operator=(const Settlement&) = delete;

 private:
  Gateway& gateway_;
  RequestContext& ctx_;
  Outcome& out_;
};

std::string new_request_id();

// The neutral view of an embedding request the stages and the router read: its model and user,
// and one user message per input string (token arrays have no text to scan).
api::ChatRequest embedding_view(const api::EmbeddingRequest& req);

// The one grammar of a model name: letters, digits and -._:/@+=, 1 to 256 bytes ('=' for
// option suffixes such as the test upstream's "+words=50"), and never "..". Anything else never
// reaches routing, a header, a URL or a log: 400 invalid_model.
bool valid_model_name(std::string_view name);

}  // namespace gw::gateway
