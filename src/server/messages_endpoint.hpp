// POST /v1/messages and /v1/messages/count_tokens: Anthropic's Messages API in and out (the
// Anthropic SDK, Claude Code), any provider behind it. The request is translated to the
// canonical one at the edge (providers/anthropic_inbound.hpp) and takes the same pipeline as
// chat: auth, limits, guard, routing and failover, one ledger row with endpoint "messages".
#pragma once

#include "gateway/gateway.hpp"
#include "server/http_exchange.hpp"

namespace gw::server {

struct MessagesEndpoint {
  gateway::Gateway& gateway;

  void handle(const Request& http_req, Response& res) const;
  void count_tokens(const Request& http_req, Response& res) const;

 private:
  // Out of line and by reference, as in ChatEndpoint: a stream parks inside handle_stream.
  void handle_complete(api::ChatRequest& req, gateway::RequestContext& ctx, gateway::Outcome& out,
                       Response& res) const;
  void handle_stream(api::ChatRequest& req, gateway::RequestContext& ctx, gateway::Outcome& out,
                     Response& res) const;
};

}  // namespace gw::server
