#include "server/responses_endpoint.hpp"

#include <cctype>
#include <chrono>
#include <optional>

#include "api/json_codec.hpp"
#include "net/io.hpp"
#include "server/response_head.hpp"

namespace gw::server {
namespace {

namespace inbound = providers::responses;
using api::Json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error needs_storage(const std::string& param) {
  return Error::bad_request(
      "'" + param +
          "' needs responses kept on the gateway, and this gw keeps no prompt text: its operator "
          "can turn that on with [store] log_bodies = true. Send the whole conversation as "
          "`input` (and store: false) instead.",
      param, "unsupported_parameter");
}

Error not_found(std::string_view id, std::string param = {}) {
  Error e = Error::not_found("Response with id '" + std::string(id) + "' not found.",
                             "response_not_found");
  e.param = std::move(param);
  return e;
}

// Response ids gw hands out are resp_ and letters and digits; anything else is not one.
bool plausible_id(std::string_view id) {
  if (id.size() < 6 || id.size() > 128 || !id.starts_with("resp_")) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

void ResponsesEndpoint::handle(const Request& http_req, Response& res) const {
  gateway::RequestContext ctx = request_context(http_req, res, "responses");
  gateway::Outcome out;
  gateway::Settlement settle(gateway, ctx, out);  // the books after the answer
  if (auto a = gateway.admit(ctx, out); !a) {
    set_stage_headers(res, ctx);
    return send_error(res, a.error());
  }
  auto refuse = [&](const Error& e, std::string_view model) {
    gateway.reject(ctx, out, e, model);
    send_error(res, e);
  };
  auto call = inbound::read_responses_request(http_req.body);
  if (!call) return refuse(call.error(), {});
  const std::string model = call->chat.value("model", "");
  bool stored = call->store.value_or(kept != nullptr);
  if (stored && !kept) return refuse(needs_storage("store"), model);

  Json history = Json::array();
  if (!call->previous_response_id.empty()) {
    if (!kept) return refuse(needs_storage("previous_response_id"), model);
    auto prev = kept->get(call->previous_response_id, ctx.caller.key_id);
    if (!prev) return refuse(prev.error(), model);
    if (!*prev) {
      Error e = not_found(call->previous_response_id, "previous_response_id");
      e.status = 400;  // as OpenAI answers a bad reference in a request body
      return refuse(e, model);
    }
    history = api::parse_json_bounded((*prev)->conversation);
  }
  auto req = inbound::chat_request_for(*call, history);
  if (!req) return refuse(req.error(), model);
  if (!req->user.empty()) ctx.caller.user = req->user;

  inbound::ResponseHead head{inbound::new_response_id(), now_ms() / 1000, model, nullptr, stored};
  Turn turn{*req, *call, head, history, ctx, out};
  if (req->stream) return handle_stream(turn, res);
  handle_complete(turn, res);
}

[[gnu::noinline]] void ResponsesEndpoint::handle_complete(Turn& t, Response& res) const {
  auto& [req, call, head, history, ctx, out] = t;
  head.call = &call;
  std::optional<net::HangupGuard> watch(std::in_place, res.client());
  auto resp = gateway.complete(std::move(req), ctx, out);
  watch.reset();
  set_answer_headers(res, out, ctx);
  if (!resp) return send_error(res, resp.error());
  Json object = inbound::response_object(head, *resp);
  if (head.stored) keep(call, history, inbound::assistant_message(*resp), object, ctx);
  res.send(200, api::dump(object));
}

// As for chat: the head goes out with the first event, so a failure before it (every attempt
// failed) is an ordinary error answer; after it, an `error` event ends the stream.
[[gnu::noinline]] void ResponsesEndpoint::handle_stream(Turn& t, Response& res) const {
  auto& [req, call, head, history, ctx, out] = t;
  head.call = &call;
  const bool stored = head.stored;
  inbound::ResponsesStreamWriter writer(std::move(head));
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
    if (stored) keep(call, history, writer.assistant_message(), writer.final_response(), ctx);
  } else if (!res.sent()) {
    set_answer_headers(res, out, ctx);
    return send_error(res, r.error());
  } else {
    res.write(writer.error(r.error()));
  }
  res.end_stream();
}

// A kept response that cannot be written is logged by nobody and costs the client nothing
// but the later previous_response_id: the answer itself has gone out.
void ResponsesEndpoint::keep(const inbound::ResponsesCall& call, const Json& history, Json answer,
                             const Json& response, const gateway::RequestContext& ctx) const {
  Json conversation = history.is_array() ? history : Json::array();
  for (const auto& m : call.input) conversation.push_back(m);
  conversation.push_back(std::move(answer));
  (void)kept->put({response.value("id", ""), now_ms(), ctx.caller.key_id, api::dump(conversation),
                   api::dump(response)});
}

void ResponsesEndpoint::retrieve(const Request& http_req, Response& res,
                                 std::string_view id) const {
  gateway::RequestContext ctx = request_context(http_req, res, "responses");
  if (auto a = auth.on_admit(ctx); !a) return send_error(res, a.error());
  if (!kept) return send_error(res, needs_storage("response_id"));
  if (!plausible_id(id)) return send_error(res, not_found(id));
  auto r = kept->get(std::string(id), ctx.caller.key_id);
  if (!r) return send_error(res, r.error());
  if (!*r) return send_error(res, not_found(id));
  res.send(200, (*r)->response);
}

void ResponsesEndpoint::remove(const Request& http_req, Response& res, std::string_view id) const {
  gateway::RequestContext ctx = request_context(http_req, res, "responses");
  if (auto a = auth.on_admit(ctx); !a) return send_error(res, a.error());
  if (!kept) return send_error(res, needs_storage("response_id"));
  if (!plausible_id(id)) return send_error(res, not_found(id));
  auto r = kept->remove(std::string(id), ctx.caller.key_id);
  if (!r) return send_error(res, r.error());
  if (!*r) return send_error(res, not_found(id));
  res.send(200, api::dump(Json{{"id", id}, {"object", "response.deleted"}, {"deleted", true}}));
}

}  // namespace gw::server
