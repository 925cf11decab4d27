// POST /v1/chat/completions: OpenAI in, OpenAI out, any provider behind it.
#pragma once

#include "config/config.hpp"
#include "gateway/gateway.hpp"
#include "server/http_exchange.hpp"
#include "server/metrics.hpp"

namespace gw::server {

struct ChatEndpoint {
  const config::Config& cfg;
  gateway::Gateway& gateway;
  Metrics& metrics;

  void handle(const Request& http_req, Response& res) const;

 private:
  // The two answers, out of line and by reference: a stream's fiber parks inside
  // handle_stream for the stream's whole life, keeping every stack page its frames touched,
  // so the frames below it hold one copy of the request's state, not one per call.
  void handle_complete(api::ChatRequest& req, gateway::RequestContext& ctx, gateway::Outcome& out,
                       Response& res) const;
  void handle_stream(api::ChatRequest& req, gateway::RequestContext& ctx, gateway::Outcome& out,
                     Response& res) const;
};

}  // namespace gw::server
