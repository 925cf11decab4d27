#include "server/chat_endpoint.hpp"

#include <algorithm>
#include <cmath>

#include "api/json_codec.hpp"
#include "net/http_types.hpp"
#include "net/io.hpp"
#include "server/client_family.hpp"

namespace gw::server {
namespace {

// The x-gw-* facts a response carries; for streams they are taken at the first chunk.
struct Head {
  std::string provider, model, route_reason;
  size_t attempts = 0;
};

Head head_of(const gateway::Outcome& out, bool in_progress) {
  size_t tried = 0;  // targets skipped with an open circuit are not attempts
  for (const auto& a : out.attempts) tried += a.status != 0;
  Head h{out.provider, out.model, out.route_reason, tried + (in_progress ? 1 : 0)};
  if (in_progress && h.attempts > 1)
    h.route_reason += "; failover to " + out.provider + "/" + out.model + " after " +
                      std::to_string(h.attempts - 1) + " failed attempt(s)";
  return h;
}

// x-gw-request-id is set as soon as the request arrives; these follow routing.
void set_gw_headers(Response& res, const Head& h) {
  if (!h.provider.empty()) {
    res.set_header("x-gw-provider", h.provider);
    res.set_header("x-gw-model", h.model);
  }
  res.set_header("x-gw-attempts", std::to_string(h.attempts));
  if (!h.route_reason.empty()) res.set_header("x-gw-route-reason", h.route_reason);
}

std::string header_string(const Request& r, std::string_view name) {
  return std::string(r.header(name));
}

}  // namespace

void send_error(Response& res, const Error& e) {
  int status = e.status >= 400 && e.status < 600 ? e.status : 500;
  if (e.retry_after_ms >= 0 && !res.has_header("retry-after")) {
    res.set_header("retry-after",
                   std::to_string(static_cast<long>(std::ceil(e.retry_after_ms / 1000.0))));
    if (e.status == 429) res.set_header("retry-after-ms", std::to_string(e.retry_after_ms));
  }
  // A rate-limited upstream's own hints; gw's own x-ratelimit-* (set first) win.
  for (const auto& [name, value] : e.headers)
    if (!res.has_header(name)) res.set_header(name, value);
  res.send(status, api::error_body(e));
}

namespace {

// OpenAI's way of writing a reset time: "20ms", "1s", "6m0s", "1h2m3s".
std::string duration_text(int64_t ms) {
  if (ms < 1000) return std::to_string(std::max<int64_t>(ms, 0)) + "ms";
  int64_t s = (ms + 999) / 1000;
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s >= 60) out += std::to_string(s / 60 % 60) + "m";
  return out + std::to_string(s % 60) + "s";
}

void set_rate_headers(Response& res, const gateway::RateView& v, const char* limit,
                      const char* remaining, const char* reset) {
  if (v.limit == 0) return;
  res.set_header(limit, std::to_string(v.limit));
  res.set_header(remaining, std::to_string(v.remaining));
  res.set_header(reset, duration_text(v.reset_ms));
}

}  // namespace

void set_stage_headers(Response& res, const gateway::RequestContext& ctx) {
  set_rate_headers(res, ctx.rate_limits.requests, "x-ratelimit-limit-requests",
                   "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests");
  set_rate_headers(res, ctx.rate_limits.tokens, "x-ratelimit-limit-tokens",
                   "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens");
  for (const auto& [name, value] : ctx.response_headers) res.set_header(name, value);
}

void ChatEndpoint::handle(const Request& http_req, Response& res) const {
  gateway::RequestContext ctx;
  ctx.request_id = gateway::new_request_id();
  ctx.client = "serve";
  ctx.client_family = std::string(client_family(http_req.header("User-Agent")));
  res.set_header("x-gw-request-id", ctx.request_id);
  ctx.caller.user = header_string(http_req, "x-gw-user");
  ctx.task = header_string(http_req, "x-gw-task");
  ctx.presented_key = http_req.presented_key();
  // Who is calling is settled before a byte of the body is read as JSON.
  gateway::Outcome out;
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
  if (req->stream) return handle_stream(std::move(*req), std::move(ctx), std::move(out), res);

  // A client that leaves while the upstream works cancels the call at once.
  std::optional<net::HangupGuard> watch(std::in_place, res.client());
  auto resp = gateway.complete(std::move(*req), ctx, out);
  watch.reset();
  set_gw_headers(res, head_of(out, false));
  set_stage_headers(res, ctx);
  if (!resp) return send_error(res, resp.error());
  if (!resp->raw.empty())
    res.send(200, resp->raw);  // an OpenAI-compatible upstream's answer, as it came
  else
    res.send(200, api::serialize(*resp));
}

// The stream's head goes out with its first chunk, so an error before that (every attempt
// failed, failover included) is still an ordinary HTTP error answer.
void ChatEndpoint::handle_stream(api::ChatRequest req, gateway::RequestContext ctx,
                                 gateway::Outcome out, Response& res) const {
  auto start = [&] {
    set_gw_headers(res, head_of(out, true));
    set_stage_headers(res, ctx);
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.begin_stream(200, "text/event-stream");
  };
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
    set_gw_headers(res, head_of(out, false));
    set_stage_headers(res, ctx);
    return send_error(res, r.error());
  } else {
    // After the first byte: an explicit error event, never a clean end (docs/PROTOCOLS.md §7.6).
    res.write("data: ", api::error_body(r.error()), "\n\n");
  }
  res.end_stream();
}

}  // namespace gw::server
