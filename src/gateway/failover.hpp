// Retries and failover, the pipeline's `attempt` step: a route plan's targets are tried in
// order, each again (with backoff) while its failures are worth retrying; a target whose
// circuit is open is skipped; the client's own mistakes end the request at once. Every
// attempt is recorded in the outcome, and the health table learns from each.
#pragma once

#include <functional>
#include <string_view>

#include "api/error.hpp"
#include "gateway/context.hpp"
#include "gateway/health.hpp"
#include "gateway/router.hpp"
#include "providers/provider.hpp"

namespace gw::gateway {

// One upstream attempt on a target (the provider's complete or stream call).
using Attempt = std::function<Result<void>(const providers::Target&, providers::CallStats&)>;

class Failover {
 public:
  explicit Failover(Health& health) : health_(health) {}

  // Success as soon as one attempt succeeds; else the last failure, its message listing
  // every attempt when there were several. `requested` names the model in messages.
  Result<void> run(const RoutePlan& plan, std::string_view requested, Outcome& out,
                   const Attempt& attempt) const;

 private:
  Health& health_;
};

}  // namespace gw::gateway
