// `gw serve`: the OpenAI-compatible HTTP front on the gateway pipeline (docs/PROTOCOLS.md §3,
// docs/ARCHITECTURE.md §3).
#pragma once

#include <memory>
#include <string>

#include "api/error.hpp"
#include "config/config.hpp"
#include "gateway/auth.hpp"
#include "gateway/gateway.hpp"
#include "gateway/limits.hpp"
#include "store/responses.hpp"

namespace gw::server {

class HttpServer;
class Metrics;

class Server {
 public:
  // `metrics` must already be a filter of `gateway` (so it sees every request).
  // `auth` checks the key of endpoints outside the pipeline (/v1/models), and `limits` says
  // which models that key may see.
  Server(const config::Config& cfg, gateway::Gateway& gateway, Metrics& metrics,
         gateway::Auth& auth, const gateway::Limits& limits);
  ~Server();

  // Binds the listen address ("host:port"; port 0 picks one). Returns the bound port.
  Result<int> bind(const std::string& listen);
  // Serves until stop(); then waits (bounded) for in-flight requests.
  void run();
  void stop();  // thread-safe; may come before run()

 private:
  void install_routes();

  const config::Config& cfg_;
  gateway::Gateway& gateway_;
  Metrics& metrics_;
  gateway::Auth& auth_;
  const gateway::Limits& limits_;
  std::unique_ptr<HttpServer> http_;
  // Kept Responses API answers, with [store] log_bodies only (server/responses_endpoint.hpp).
  std::unique_ptr<store::ResponseStore> kept_responses_;
};

}  // namespace gw::server
