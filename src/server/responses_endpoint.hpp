// POST /v1/responses and GET|DELETE /v1/responses/{id}: OpenAI's Responses API in and out
// (the openai SDK's responses.create, the Vercel AI SDK's default openai(model), coding
// agents), any provider behind it. The request is translated to the canonical one at the edge
// (providers/responses_inbound.hpp) and takes the same pipeline as chat: auth, limits, guard,
// routing and failover, one ledger row with endpoint "responses".
//
// Kept state (`store`, `previous_response_id`, GET by id) needs body storage on
// ([store] log_bodies = true), which hands this endpoint a ResponseStore; without one such a
// request is a 400 that says so. A response is readable only with the key that made it.
#pragma once

#include "gateway/auth.hpp"
#include "gateway/gateway.hpp"
#include "providers/responses_inbound.hpp"
#include "server/http_exchange.hpp"
#include "store/responses.hpp"

namespace gw::server {

struct ResponsesEndpoint {
  gateway::Gateway& gateway;
  gateway::Auth& auth;                   // GET and DELETE check the key without a model call
  store::ResponseStore* kept = nullptr;  // null: body storage is off

  void handle(const Request& http_req, Response& res) const;
  // GET and DELETE /v1/responses/{id}; `id` is the path's last segment.
  void retrieve(const Request& http_req, Response& res, std::string_view id) const;
  void remove(const Request& http_req, Response& res, std::string_view id) const;

 private:
  // One request's state, held by handle(); the answer paths take it by reference and out of
  // line, as in ChatEndpoint (a stream parks inside handle_stream for its whole life).
  struct Turn {
    api::ChatRequest& req;
    providers::responses::ResponsesCall& call;
    providers::responses::ResponseHead& head;
    api::Json& history;
    gateway::RequestContext& ctx;
    gateway::Outcome& out;
  };
  void handle_complete(Turn& t, Response& res) const;
  void handle_stream(Turn& t, Response& res) const;
  void keep(const providers::responses::ResponsesCall& call, const api::Json& history,
            api::Json answer, const api::Json& response, const gateway::RequestContext& ctx) const;
};

}  // namespace gw::server
