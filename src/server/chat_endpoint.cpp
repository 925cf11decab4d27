#include "server/chat_endpoint.hpp"

#include "api/json_codec.hpp"
#include "net/io.hpp"
#include "server/response_head.hpp"

namespace gw::server {

void ChatEndpoint::handle(const Request& http_req, Response& res) const {
  gateway::RequestContext ctx = request_context(http_req, res, "chat");
  // Who is calling is settled before a byte of the body is read as JSON.
  gateway::Outcome out;
  gateway::Settlement settle(gateway, ctx, out);  // the books after the answer
  if (auto a = gateway.admit(ctx, out); !a) {
    set_stage_headers(res, ctx);
    return send_error(res, a.error());
  }
  auto req = api::parse_chat_request(http_req.body);
  if (!req) {
    gateway.reject(ctx, out, req.error(), {});
    return send_error(res, req.error());
  }
  if (!req->user.empty()) ctx.caller.user = req->user;
  if (req->stream) return handle_stream(*req, ctx, out, res);
  handle_complete(*req, ctx, out, res);
}

[[gnu::noinline]] void ChatEndpoint::handle_complete(api::ChatRequest& req,
                                                     gateway::RequestContext& ctx,
                                                     gateway::Outcome& out, Response& res) const {
  // A client that leaves while the upstream works cancels the call at once.
  std::optional<net::HangupGuard> watch(std::in_place, res.client());
  auto resp = gateway.complete(std::move(req), ctx, out);
  watch.reset();
  set_answer_headers(res, out, ctx);
  if (!resp) return send_error(res, resp.error());
  if (!resp->raw.empty())
    res.send(200, resp->raw);  // an OpenAI-compatible upstream's answer, as it came
  else
    res.send(200, api::serialize(*resp));
}

// The stream's head goes out with its first chunk, so an error before that (every attempt
// failed, failover included) is still an ordinary HTTP error answer.
[[gnu::noinline]] void ChatEndpoint::handle_stream(api::ChatRequest& req,
                                                   gateway::RequestContext& ctx,
                                                   gateway::Outcome& out, Response& res) const {
  auto start = [&] { begin_event_stream(res, out, ctx); };
  auto sink = [&](const api::ChatChunk& c) -> bool {
    if (!res.sent()) start();
    if (!c.raw.empty()) return res.write("data: ", c.raw, "\n\n");
    return res.write("data: ", api::serialize(c), "\n\n");
  };
  auto r = gateway.stream(std::move(req), ctx, sink, out);
  if (r) {
    if (!res.sent()) start();
    res.write("data: [DONE]\n\n");
  } else if (!res.sent()) {
    set_answer_headers(res, out, ctx);
    return send_error(res, r.error());
  } else {
    // After the first byte: an explicit error event, never a clean end (docs/PROTOCOLS.md §7.6).
    res.write("data: ", api::error_body(r.error()), "\n\n");
  }
  res.end_stream();
}

}  // namespace gw::server
