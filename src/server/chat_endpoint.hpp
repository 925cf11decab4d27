// POST /v1/chat/completions: OpenAI in, OpenAI out, any provider behind it.
#pragma once

#include <httplib.h>

#include "config/config.hpp"
#include "gateway/gateway.hpp"
#include "server/elastic_pool.hpp"
#include "server/metrics.hpp"

namespace gw::server {

struct ChatEndpoint {
  const config::Config& cfg;
  gateway::Gateway& gateway;
  Metrics& metrics;
  ElasticPool& stream_pool;
  bool verbose = false;

  void handle(const httplib::Request& http_req, httplib::Response& res) const;

 private:
  void handle_stream(api::ChatRequest req, gateway::RequestContext ctx,
                     httplib::Response& res) const;
};

// Writes an OpenAI-shaped error with its status and retry hint.
void send_error(httplib::Response& res, const Error& e);

}  // namespace gw::server
