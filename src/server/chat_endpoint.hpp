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
  void handle_stream(api::ChatRequest req, gateway::RequestContext ctx, gateway::Outcome out,
                     Response& res) const;
};

}  // namespace gw::server
