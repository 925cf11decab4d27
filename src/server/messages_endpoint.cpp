#include "server/messages_endpoint.hpp"

#include <cctype>
#include <optional>

#include "api/json_codec.hpp"
#include "net/io.hpp"
#include "providers/anthropic_inbound.hpp"
#include "server/response_head.hpp"

namespace gw::server {
namespace {

namespace inbound = providers::anthropic;

// Errors on this endpoint are Anthropic-shaped, with Anthropic's statuses (529 overloaded),
// so the SDK's typed errors and retries work.
void send_anthropic_error(Response& res, const Error& e) {
  send_error(res, e, inbound::messages_error_status(e), inbound::messages_error_body(e));
}

// The client's anthropic-beta features, for an Anthropic upstream: only what a feature list
// can hold (names of letters, digits, - _ . separated by commas), at most 1 KB; anything else
// is not passed on.
std::string beta_header(std::string_view v) {
  if (v.size() > 1024) return {};
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ',' || c == ' '))
      return {};
  return std::string(v);
}

}  // namespace

void MessagesEndpoint::handle(const Request& http_req, Response& res) const {
  gateway::RequestContext ctx = request_context(http_req, res, "messages");
  gateway::Outcome out;
  gateway::Settlement settle(gateway, ctx, out);  // the books after the answer
  if (auto a = gateway.admit(ctx, out); !a) {
    set_stage_headers(res, ctx);
    return send_anthropic_error(res, a.error());
  }
  auto req = inbound::chat_request_from_messages(http_req.body);
  if (!req) {
    gateway.reject(ctx, out, req.error(), {});
    return send_anthropic_error(res, req.error());
  }
  if (!req->user.empty()) ctx.caller.user = req->user;
  req->anthropic_beta = beta_header(http_req.header("anthropic-beta"));
  if (req->stream) return handle_stream(*req, ctx, out, res);
  handle_complete(*req, ctx, out, res);
}

[[gnu::noinline]] void MessagesEndpoint::handle_complete(api::ChatRequest& req,
                                                         gateway::RequestContext& ctx,
                                                         gateway::Outcome& out,
                                                         Response& res) const {
  const std::string model = req.model;
  std::optional<net::HangupGuard> watch(std::in_place, res.client());
  auto resp = gateway.complete(std::move(req), ctx, out);
  watch.reset();
  set_answer_headers(res, out, ctx);
  if (!resp) return send_anthropic_error(res, resp.error());
  res.send(200, inbound::messages_response_from_chat(*resp, model));
}

// As for chat: the head goes out with the first event, so a failure before it (every attempt
// failed) is an ordinary error answer; after it, an `error` event ends the stream.
[[gnu::noinline]] void MessagesEndpoint::handle_stream(api::ChatRequest& req,
                                                       gateway::RequestContext& ctx,
                                                       gateway::Outcome& out, Response& res) const {
  inbound::MessagesStreamWriter writer(req.model);
  auto start = [&] { begin_event_stream(res, out, ctx); };
  auto sink = [&](const api::ChatChunk& c) -> bool {
    std::string events = writer.on_chunk(c);
    if (events.empty()) return true;
    if (!res.sent()) start();
    return res.write(events);
  };
  auto r = gateway.stream(std::move(req), ctx, sink, out);
  if (r) {
    if (!res.sent()) start();
    res.write(writer.finish(out.usage, out.finish_reason));
  } else if (!res.sent()) {
    set_answer_headers(res, out, ctx);
    return send_anthropic_error(res, r.error());
  } else {
    res.write(writer.error(r.error()));
  }
  res.end_stream();
}

// Exact where the model's first target is an Anthropic upstream (its own count_tokens), else
// gw's estimate; the x-gw-token-count header says which. An upstream that cannot count right
// now (down, rate-limited) gets the estimate too: a count is advice, not a call to fail.
void MessagesEndpoint::count_tokens(const Request& http_req, Response& res) const {
  gateway::RequestContext ctx = request_context(http_req, res, "count_tokens");
  gateway::Outcome out;
  gateway::Settlement settle(gateway, ctx, out);  // the books after the answer
  if (auto a = gateway.admit(ctx, out); !a) return send_anthropic_error(res, a.error());
  auto req = inbound::count_tokens_request(http_req.body);
  if (!req) {
    gateway.reject(ctx, out, req.error(), {});
    return send_anthropic_error(res, req.error());
  }
  std::optional<int64_t> exact;
  if (gateway::valid_model_name(req->model))
    if (auto plan = gateway.router().plan(*req, ctx); plan && !plan->targets.empty()) {
      const auto& target = plan->targets.front();
      auto n = gateway.providers().for_kind(target.provider->kind).count_tokens(*req, target);
      if (n && *n) exact = **n;
    }
  gateway.answered(ctx, out, req->model);  // one ledger row, no tokens spent
  res.set_header("x-gw-token-count", exact ? "exact" : "estimate");
  res.send(200, exact ? api::dump(api::Json{{"input_tokens", *exact}})
                      : inbound::count_tokens_estimate(*req));
}

}  // namespace gw::server
