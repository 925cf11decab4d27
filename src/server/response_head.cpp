#include "server/response_head.hpp"

#include <algorithm>
#include <cmath>

#include "api/json_codec.hpp"
#include "gateway/gateway.hpp"
#include "server/client_family.hpp"

namespace gw::server {

gateway::RequestContext request_context(const Request& http_req, Response& res,
                                        std::string_view endpoint) {
  gateway::RequestContext ctx;
  ctx.request_id = gateway::new_request_id();
  ctx.client = "serve";
  ctx.endpoint = std::string(endpoint);
  ctx.client_family = std::string(client_family(http_req.header("User-Agent")));
  res.set_header("x-gw-request-id", ctx.request_id);
  ctx.caller.user = std::string(http_req.header("x-gw-user"));
  ctx.task = std::string(http_req.header("x-gw-task"));
  ctx.presented_key = http_req.presented_key();
  return ctx;
}

Head head_of(const gateway::Outcome& out, bool in_progress) {
  size_t tried = 0;  // targets skipped with an open circuit are not attempts
  for (const auto& a : out.attempts) tried += a.status != 0;
  Head h{out.provider, out.model, out.route_reason, tried + (in_progress ? 1 : 0)};
  if (in_progress && h.attempts > 1)
    h.route_reason += "; failover to " + out.provider + "/" + out.model + " after " +
                      std::to_string(h.attempts - 1) + " failed attempt(s)";
  return h;
}

void set_gw_headers(Response& res, const Head& h) {
  if (!h.provider.empty()) {
    res.set_header("x-gw-provider", h.provider);
    res.set_header("x-gw-model", h.model);
  }
  res.set_header("x-gw-attempts", std::to_string(h.attempts));
  if (!h.route_reason.empty()) res.set_header("x-gw-route-reason", h.route_reason);
}

void send_error(Response& res, const Error& e) {
  send_error(res, e, e.status >= 400 && e.status < 600 ? e.status : 500, api::error_body(e));
}

void send_error(Response& res, const Error& e, int status, std::string_view body) {
  if (e.retry_after_ms >= 0 && !res.has_header("retry-after")) {
    res.set_header("retry-after",
                   std::to_string(static_cast<long>(std::ceil(e.retry_after_ms / 1000.0))));
    if (e.status == 429) res.set_header("retry-after-ms", std::to_string(e.retry_after_ms));
  }
  // A rate-limited upstream's own hints; gw's own x-ratelimit-* (set first) win.
  for (const auto& [name, value] : e.headers)
    if (!res.has_header(name)) res.set_header(name, value);
  res.send(status, body);
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

void set_answer_headers(Response& res, const gateway::Outcome& out,
                        const gateway::RequestContext& ctx) {
  set_gw_headers(res, head_of(out, false));
  set_stage_headers(res, ctx);
}

void begin_event_stream(Response& res, const gateway::Outcome& out,
                        const gateway::RequestContext& ctx) {
  set_gw_headers(res, head_of(out, true));
  set_stage_headers(res, ctx);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.begin_stream(200, "text/event-stream");
}

}  // namespace gw::server
