#include "server/chat_endpoint.hpp"

#include <cmath>
#include <cstdio>

#include "api/json_codec.hpp"
#include "net/http_types.hpp"
#include "server/stream_channel.hpp"

namespace gw::server {
namespace {

using namespace std::chrono_literals;

constexpr auto kKeepAliveEvery = 15s;  // an SSE comment during long upstream silences

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

// Header values must stay on one line.
std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

// x-gw-request-id is set as soon as the request arrives; these follow routing.
void set_gw_headers(httplib::Response& res, const Head& h) {
  if (!h.provider.empty()) {
    res.set_header("x-gw-provider", h.provider);
    res.set_header("x-gw-model", h.model);
  }
  res.set_header("x-gw-attempts", std::to_string(h.attempts));
  if (!h.route_reason.empty()) res.set_header("x-gw-route-reason", one_line(h.route_reason));
}

std::string sse_frame(const std::string& json) {
  std::string f;
  f.reserve(json.size() + 8);
  f += "data: ";
  f += json;
  f += "\n\n";
  return f;
}

struct StreamState {
  StreamChannel channel;
  gateway::RequestContext ctx;
  gateway::Outcome out;
  std::mutex head_mu;
  Head head;
};

}  // namespace

void send_error(httplib::Response& res, const Error& e) {
  res.status = e.status >= 400 && e.status < 600 ? e.status : 500;
  if (e.retry_after_ms >= 0)
    res.set_header("retry-after",
                   std::to_string(static_cast<long>(std::ceil(e.retry_after_ms / 1000.0))));
  res.set_content(api::error_body(e), "application/json");
}

void ChatEndpoint::handle(const httplib::Request& http_req, httplib::Response& res) const {
  auto req = api::parse_chat_request(http_req.body);
  gateway::RequestContext ctx;
  ctx.request_id = gateway::new_request_id();
  ctx.client = "serve";
  res.set_header("x-gw-request-id", ctx.request_id);
  if (!req) {
    metrics.count_rejected(req.error().status);
    return send_error(res, req.error());
  }
  ctx.caller.user = req->user.empty() ? http_req.get_header_value("x-gw-user") : req->user;
  ctx.task = http_req.get_header_value("x-gw-task");
  std::string auth = http_req.get_header_value("Authorization");
  if (auth.size() > 7 && net::iequals(std::string_view(auth).substr(0, 7), "bearer "))
    ctx.presented_key = auth.substr(7);
  else
    ctx.presented_key = http_req.get_header_value("x-api-key");
  if (req->stream) return handle_stream(std::move(*req), std::move(ctx), res);

  gateway::Outcome out;
  auto resp = gateway.complete(std::move(*req), ctx, out);
  set_gw_headers(res, head_of(out, false));
  if (!resp) return send_error(res, resp.error());
  res.set_content(api::dump(api::to_json(*resp)), "application/json");
}

void ChatEndpoint::handle_stream(api::ChatRequest req, gateway::RequestContext ctx,
                                 httplib::Response& res) const {
  auto state = std::make_shared<StreamState>();
  state->ctx = std::move(ctx);

  // The upstream is read on its own thread so that this one can answer with a proper
  // error status when every attempt fails before the first byte (failover stays invisible).
  stream_pool.enqueue([state, req = std::move(req), gw = &gateway]() mutable {
    bool pushed = false;
    auto sink = [&](const api::ChatChunk& c) -> bool {
      if (!pushed) {
        std::lock_guard lock(state->head_mu);
        state->head = head_of(state->out, true);
      }
      pushed = true;
      return state->channel.push(sse_frame(c.raw.empty() ? api::dump(api::to_json(c)) : c.raw));
    };
    auto r = gw->stream(std::move(req), state->ctx, sink, state->out);
    if (r) {
      state->channel.push("data: [DONE]\n\n");
      state->channel.finish();
    } else if (!pushed) {
      state->channel.finish(r.error());
    } else {
      // After the first byte: an explicit error event, never a clean end (PROTOCOLS 5.8).
      state->channel.push(sse_frame(api::error_body(r.error())));
      state->channel.finish();
    }
  });

  while (state->channel.wait_ready(1s) == StreamChannel::Wait::timeout) {
  }
  if (auto early = state->channel.early_error()) {
    set_gw_headers(res, head_of(state->out, false));
    return send_error(res, *early);
  }
  {
    std::lock_guard lock(state->head_mu);
    set_gw_headers(res, state->head);
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",  // exactly this: cpp-httplib would gzip any other text/* and buffer
      [state, last_write = std::chrono::steady_clock::now()](size_t,
                                                             httplib::DataSink& sink) mutable {
        std::string buf;
        auto w = state->channel.take(buf, 250ms);
        auto now = std::chrono::steady_clock::now();
        if (!buf.empty()) {
          if (!sink.write(buf.data(), buf.size())) return false;
          last_write = now;
        }
        if (w == StreamChannel::Wait::finished) {
          sink.done();
          return true;
        }
        if (w == StreamChannel::Wait::timeout) {
          if (!sink.is_writable()) return false;  // the client has gone
          if (now - last_write > kKeepAliveEvery) {
            static constexpr char kPing[] = ": keep-alive\n\n";
            if (!sink.write(kPing, sizeof(kPing) - 1)) return false;
            last_write = now;
          }
        }
        return true;
      },
      [state](bool) { state->channel.close(); });  // wakes a producer blocked on a full channel
}

}  // namespace gw::server
