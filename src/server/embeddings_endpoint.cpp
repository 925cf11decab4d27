#include "server/embeddings_endpoint.hpp"

#include <optional>

#include "api/json_codec.hpp"
#include "api/percent.hpp"
#include "net/io.hpp"
#include "server/response_head.hpp"

namespace gw::server {

void EmbeddingsEndpoint::handle(const Request& http_req, Response& res) const {
  gateway::RequestContext ctx = request_context(http_req, res, "embeddings");
  gateway::Outcome out;
  gateway::Settlement settle(gateway, ctx, out);  // the books after the answer
  if (auto a = gateway.admit(ctx, out); !a) {     // the key before a byte of the body is read
    set_stage_headers(res, ctx);
    return send_error(res, a.error());
  }
  auto req = api::parse_embedding_request(http_req.body);
  if (!req) {
    gateway.reject(ctx, out, req.error(), {});
    return send_error(res, req.error());
  }
  if (!req->user.empty()) ctx.caller.user = req->user;
  const bool base64 = req->base64();
  std::optional<net::HangupGuard> watch(std::in_place, res.client());
  auto resp = gateway.embed(std::move(*req), ctx, out);
  watch.reset();
  set_answer_headers(res, out, ctx);
  if (!resp) return send_error(res, resp.error());
  if (!resp->raw.empty())
    res.send(200, resp->raw);  // an OpenAI-compatible upstream's answer, as it came
  else
    res.send(200, api::serialize(*resp, base64));
}

std::optional<std::string> model_id_of_path(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  std::string_view raw = path.substr(prefix.size());
  if (auto q = raw.find_first_of("?#"); q != std::string_view::npos) raw = raw.substr(0, q);
  auto id = api::percent_decode(raw, /*strict=*/true);
  if (!id) return std::nullopt;
  if (!gateway::valid_model_name(*id)) return std::nullopt;
  return id;
}

}  // namespace gw::server
