// A pipeline stage (Envoy-style filter): metrics, meter, auth, limits and guard each implement
// the hooks they need; the Gateway calls them in the order build_pipeline() (pipeline.hpp)
// gives, around routing and the attempts (failover.hpp).
#pragma once

#include <string_view>

#include "api/chat.hpp"
#include "api/editable.hpp"
#include "api/error.hpp"
#include "gateway/context.hpp"

namespace gw::gateway {

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;
  // When the request arrives, before its body is parsed: who is calling (auth 401), and the
  // observers' start (in-flight). A stage sees on_complete exactly when it saw on_admit, so
  // a stage that reserves something in on_request must cope with on_request never running
  // for it (an earlier stage or the body rejected the request).
  virtual Result<void> on_admit(RequestContext&) { return {}; }
  // After the body is parsed, before routing; an error rejects the request (auth 401, limits 429,
  // PII block 400).
  virtual Result<void> on_request(api::ChatRequest&, RequestContext&) { return {}; }
  // Each streamed chunk on its way to the client, and a whole answer. A stage that changes
  // one calls edit() (PII restore); one that only reads (meter) calls get(), which keeps the
  // provider's own bytes as what the client receives.
  virtual void on_chunk(api::Editable<api::ChatChunk>&, RequestContext&) {}
  virtual void on_response(api::Editable<api::ChatResponse>&, RequestContext&) {}
  // Always called once the request is over, success or not (meter, limiter release).
  virtual void on_complete(const Outcome&, RequestContext&) {}
  // True for a stage that only records (meter, metrics): under gw serve its on_complete runs
  // once the answer is out (gateway::Settlement), so the client does not wait for it. A stage
  // whose on_complete the next request depends on (the limits' settlement, which must reach
  // a shared store before the client can ask again) keeps false and runs before the answer.
  virtual bool records_only() const { return false; }
  // True when this request's on_complete reads Outcome::cost_usd before the answer (the
  // limits' budgets): only then is the answer priced before it goes out; else afterwards.
  virtual bool reads_cost(const RequestContext&) const { return false; }
};

}  // namespace gw::gateway
