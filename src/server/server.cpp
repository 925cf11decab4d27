#include "server/server.hpp"

#include <openssl/crypto.h>

#include <charconv>
#include <cstdio>

#include "api/json_codec.hpp"
#include "gateway/catalogue.hpp"
#include "server/chat_endpoint.hpp"
#include "server/dashboard.hpp"
#include "server/embeddings_endpoint.hpp"
#include "server/http_server.hpp"
#include "server/messages_endpoint.hpp"
#include "server/metrics.hpp"
#include "server/response_head.hpp"
#include "server/responses_endpoint.hpp"

namespace gw::server {
namespace {

Result<std::pair<std::string, int>> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return fail(Error::usage("listen address must be HOST:PORT, got '" + listen + "'"));
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  auto p = std::string_view(listen).substr(colon + 1);
  if (std::from_chars(p.data(), p.data() + p.size(), port).ec != std::errc() || port < 0 ||
      port > 65535)
    return fail(Error::usage("invalid port in listen address '" + listen + "'"));
  return std::make_pair(host.empty() ? std::string("127.0.0.1") : host, port);
}

// Every error the server itself detects is OpenAI-shaped, like the gateway's own.
void error_page(int status, const Request* req, Response& res) {
  Error e;
  e.status = status;
  e.type = "invalid_request_error";
  std::string what = req ? req->method() + " " + std::string(req->path()) : "";
  switch (status) {
    case 404:
      e.message = "Unknown request URL: " + what + ".";
      e.code = "unknown_url";
      break;
    case 405:
      e.message = "Method not allowed: " + what + ".";
      break;
    case 413:
      e.message = "Request body too large.";
      e.code = "request_too_large";
      break;
    case 431:
      e.message = "Request header fields too large.";
      break;
    case 501:
      e.message = "Transfer-Encoding not supported.";
      break;
    case 505:
      e.message = "HTTP version not supported.";
      break;
    case 500:
      e = Error::internal("internal error");
      break;
    default:
      e.message = "Bad request.";
  }
  if (status >= 400 && status != 404 && status != 405) res.close_after();
  res.send(status, api::error_body(e));
}

// Constant time in the secret's bytes (OpenSSL's CRYPTO_memcmp): the comparison must not tell
// how much of a guess was right.
bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Server::Server(const config::Config& cfg, gateway::Gateway& gateway, Metrics& metrics,
               gateway::Auth& auth, const gateway::Limits& limits)
    : cfg_(cfg), gateway_(gateway), metrics_(metrics), auth_(auth), limits_(limits) {
  HttpServerOptions opt;
  opt.max_body_bytes = static_cast<size_t>(cfg.server.max_body_bytes);
  opt.threads = cfg.server.threads;
  http_ = std::make_unique<HttpServer>(opt, error_page);
  install_routes();
}

Server::~Server() = default;

void Server::install_routes() {
  auto chat = std::make_shared<ChatEndpoint>(ChatEndpoint{cfg_, gateway_, metrics_});
  auto chat_handler = [chat](const Request& req, Response& res) { chat->handle(req, res); };
  http_->route("POST", "/v1/chat/completions", chat_handler);
  http_->route("POST", "/chat/completions", chat_handler);  // clients whose base_url lacks /v1

  // Anthropic's Messages API (the Anthropic SDK and Claude Code put /v1 in the path).
  auto messages = std::make_shared<MessagesEndpoint>(MessagesEndpoint{gateway_});
  http_->route("POST", "/v1/messages",
               [messages](const Request& req, Response& res) { messages->handle(req, res); });
  http_->route("POST", "/v1/messages/count_tokens",
               [messages](const Request& req, Response& res) { messages->count_tokens(req, res); });

  // OpenAI's Responses API; kept answers only with body storage on.
  if (cfg_.store.log_bodies) {
    if (auto kept = store::ResponseStore::open(cfg_.store))
      kept_responses_ = std::move(*kept);
    else
      std::fprintf(stderr, "gw: responses cannot be kept: %s\n", kept.error().message.c_str());
  }
  auto responses = std::make_shared<ResponsesEndpoint>(
      ResponsesEndpoint{gateway_, auth_, kept_responses_.get()});
  auto responses_handler = [responses](const Request& req, Response& res) {
    responses->handle(req, res);
  };
  http_->route("POST", "/v1/responses", responses_handler);
  http_->route("POST", "/responses", responses_handler);
  for (std::string prefix : {"/v1/responses/", "/responses/"}) {
    http_->route_prefix("GET", prefix, [responses, prefix](const Request& req, Response& res) {
      responses->retrieve(req, res, req.path().substr(prefix.size()));
    });
    http_->route_prefix("DELETE", prefix, [responses, prefix](const Request& req, Response& res) {
      responses->remove(req, res, req.path().substr(prefix.size()));
    });
  }

  // OpenAI's embeddings, to OpenAI-compatible and Gemini upstreams.
  auto embeddings = std::make_shared<EmbeddingsEndpoint>(EmbeddingsEndpoint{gateway_});
  auto embeddings_handler = [embeddings](const Request& req, Response& res) {
    embeddings->handle(req, res);
  };
  http_->route("POST", "/v1/embeddings", embeddings_handler);
  http_->route("POST", "/embeddings", embeddings_handler);

  auto models = [this](const Request& req, Response& res) {
    // The catalogue is only for callers who may use it (with keys required, a valid key), and
    // lists only what their key, tenant and user may use.
    gateway::RequestContext ctx;
    ctx.presented_key = req.presented_key();
    ctx.caller.user = std::string(req.header("x-gw-user"));
    if (auto a = auth_.on_admit(ctx); !a) return send_error(res, a.error());
    api::Json data = api::Json::array();
    for (const auto& m : gateway::catalogue_of(cfg_).models)
      if (limits_.allows(ctx.caller, m.id))
        data.push_back(
            {{"id", m.id}, {"object", "model"}, {"created", 0}, {"owned_by", m.owned_by}});
    res.send(200, api::dump({{"object", "list"}, {"data", std::move(data)}}));
  };
  http_->route("GET", "/v1/models", models);
  http_->route("GET", "/models", models);
  // One model of the same catalogue, under the same filter: a name the caller may not use is
  // as unknown as one that does not exist.
  auto model = [this](const Request& req, Response& res, std::string_view prefix) {
    gateway::RequestContext ctx;
    ctx.presented_key = req.presented_key();
    ctx.caller.user = std::string(req.header("x-gw-user"));
    if (auto a = auth_.on_admit(ctx); !a) return send_error(res, a.error());
    auto id = model_id_of_path(req.path(), prefix);
    if (id && limits_.allows(ctx.caller, *id))
      for (const auto& m : gateway::catalogue_of(cfg_).models)
        if (m.id == *id)
          return void(res.send(
              200,
              api::dump(
                  {{"id", m.id}, {"object", "model"}, {"created", 0}, {"owned_by", m.owned_by}})));
    send_error(res, Error::not_found("The model `" + (id ? *id : std::string("?")) +
                                     "` does not exist or you do not have access to it."));
  };
  http_->route_prefix("GET", "/v1/models/", [model](const Request& req, Response& res) {
    model(req, res, "/v1/models/");
  });
  http_->route_prefix("GET", "/models/",
                      [model](const Request& req, Response& res) { model(req, res, "/models/"); });
  http_->route("GET", "/healthz",
               [](const Request&, Response& res) { res.send(200, R"({"status":"ok"})"); });
  http_->route("GET", "/metrics", [this](const Request& req, Response& res) {
    const std::string& token = cfg_.server.metrics_token;
    if (!token.empty()) {
      std::string_view auth = req.header("Authorization");
      if (!auth.starts_with("Bearer ") || !same_secret(auth.substr(7), token)) {
        Error e = Error::make(401, "invalid_request_error", "invalid_api_key",
                              "GET /metrics needs Authorization: Bearer <the token in "
                              "[server] metrics_token_env>");
        return send_error(res, e);
      }
    }
    res.send(200, metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  install_dashboard(*http_, cfg_, auth_);  // /ui, /v1/gw/usage (server/dashboard.cpp)
}

Result<int> Server::bind(const std::string& listen) {
  auto hp = split_listen(listen);
  if (!hp) return fail(hp.error());
  auto bound = http_->bind(hp->first, hp->second);
  if (!bound)
    return fail(Error::config("cannot listen on " + listen + " (address in use or not local?)"));
  return bound;
}

void Server::run() {
  http_->run();
}

void Server::stop() {
  http_->stop();
}

}  // namespace gw::server
