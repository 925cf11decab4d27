// What every endpoint's answer carries besides its body: the x-gw-* facts of routing, the
// stages' headers (x-ratelimit-*), and an error's status, retry hint and an upstream's own
// rate-limit headers. Shared by the OpenAI and the Anthropic endpoints.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "api/error.hpp"
#include "gateway/context.hpp"
#include "server/http_exchange.hpp"

namespace gw::server {

// A request's context as every endpoint starts it: a new request id (already on the
// response), gw serve as the client, the endpoint, the client family from the User-Agent, the
// x-gw-user and x-gw-task headers and the presented key (Bearer or x-api-key).
gateway::RequestContext request_context(const Request& http_req, Response& res,
                                        std::string_view endpoint);

// The x-gw-* facts a response carries; for streams they are taken at the first chunk.
struct Head {
  std::string provider, model, route_reason;
  size_t attempts = 0;
};
Head head_of(const gateway::Outcome& out, bool in_progress);
// x-gw-request-id is set as soon as the request arrives; these follow routing.
void set_gw_headers(Response& res, const Head& h);
// The headers the pipeline's stages added (x-ratelimit-*), on an answer or an error.
void set_stage_headers(Response& res, const gateway::RequestContext& ctx);
// Both of the above for a request that is over (an answer, or an error before any byte).
void set_answer_headers(Response& res, const gateway::Outcome& out,
                        const gateway::RequestContext& ctx);
// A stream's head, sent with its first event: the x-gw-* facts of the attempt in progress,
// the stages' headers, no caching or proxy buffering.
void begin_event_stream(Response& res, const gateway::Outcome& out,
                        const gateway::RequestContext& ctx);

// An OpenAI-shaped error with its status, retry hint and an upstream's rate-limit headers.
void send_error(Response& res, const Error& e);
// The same headers with another protocol's `body` and `status` (Anthropic's /v1/messages).
void send_error(Response& res, const Error& e, int status, std::string_view body);

}  // namespace gw::server
