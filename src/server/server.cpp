#include "server/server.hpp"

#include <sys/socket.h>

#include <charconv>
#include <set>

#include "api/json_codec.hpp"
#include "server/chat_endpoint.hpp"
#include "server/elastic_pool.hpp"
#include "server/metrics.hpp"

namespace gw::server {
namespace {

constexpr int kListenBacklog = 4096;  // the Debian cpp-httplib build bakes in 5
constexpr size_t kMaxConnectionThreads = 4096;

Result<std::pair<std::string, int>> split_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return fail(
        Error{2, "usage_error", {}, {}, "listen address must be HOST:PORT, got '" + listen + "'"});
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  auto p = std::string_view(listen).substr(colon + 1);
  if (std::from_chars(p.data(), p.data() + p.size(), port).ec != std::errc() || port < 0 ||
      port > 65535)
    return fail(Error{2, "usage_error", {}, {}, "invalid port in listen address '" + listen + "'"});
  return std::make_pair(host.empty() ? std::string("127.0.0.1") : host, port);
}

}  // namespace

Server::Server(const config::Config& cfg, gateway::Gateway& gateway, Metrics& metrics)
    : cfg_(cfg),
      gateway_(gateway),
      metrics_(metrics),
      http_(std::make_unique<httplib::Server>()),
      stream_pool_(std::make_unique<ElasticPool>(kMaxConnectionThreads)) {
  size_t max_threads =
      cfg.server.threads > 0 ? static_cast<size_t>(cfg.server.threads) : kMaxConnectionThreads;
  http_->new_task_queue = [max_threads] { return new ElasticPool(max_threads); };
  http_->set_tcp_nodelay(true);  // else small responses stall ~40 ms (Nagle + delayed ACK)
  http_->set_keep_alive_max_count(100000);
  http_->set_payload_max_length(static_cast<size_t>(cfg.server.max_body_bytes));
  install_routes();
}

Server::~Server() = default;

void Server::install_routes() {
  auto chat = std::make_shared<ChatEndpoint>(ChatEndpoint{cfg_, gateway_, metrics_, *stream_pool_});
  auto chat_handler = [chat](const httplib::Request& req, httplib::Response& res) {
    chat->handle(req, res);
  };
  http_->Post("/v1/chat/completions", chat_handler);
  http_->Post("/chat/completions", chat_handler);  // clients whose base_url lacks /v1

  auto models = [this](const httplib::Request&, httplib::Response& res) {
    api::Json data = api::Json::array();
    std::set<std::string> seen;
    auto add = [&](const std::string& id, const std::string& owner) {
      if (!seen.insert(id).second) return;
      data.push_back({{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", owner}});
    };
    for (const auto& [name, r] : cfg_.routes) add(name, "gw");
    for (const auto& [name, r] : cfg_.routes)
      for (const auto& t : r.targets) add(t.model, t.model.substr(0, t.model.find('/')));
    for (const auto& [key, p] : cfg_.prices) add(key, key.substr(0, key.find('/')));
    for (const char* m : {"mock/echo", "mock/lorem"}) add(m, "mock");
    res.set_content(api::dump({{"object", "list"}, {"data", std::move(data)}}), "application/json");
  };
  http_->Get("/v1/models", models);
  http_->Get("/models", models);
  http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });

  // Every error, including the library's own (413, 404, 400), is OpenAI-shaped.
  http_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    Error e;
    e.status = res.status;
    e.type = "invalid_request_error";
    switch (res.status) {
      case 404:
        e.message = "Unknown request URL: " + req.method + " " + req.path + ".";
        e.code = "unknown_url";
        break;
      case 405:
        e.message = "Method not allowed: " + req.method + " " + req.path + ".";
        break;
      case 413:
        e.message = "Request body too large.";
        e.code = "request_too_large";
        break;
      default:
        e.message = "Bad request.";
        if (res.status >= 500) e.type = "server_error";
    }
    res.set_content(api::error_body(e), "application/json");
  });
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(api::error_body(Error::internal("internal error")), "application/json");
      });
}

Result<int> Server::bind(const std::string& listen) {
  auto hp = split_listen(listen);
  if (!hp) return fail(hp.error());
  auto [host, port] = *hp;
  int listen_fd = -1;
  http_->set_socket_options([&listen_fd](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = sock;
  });
  int bound = port;
  if (port == 0) {
    bound = http_->bind_to_any_port(host);
    if (bound < 0) bound = -1;
  } else if (!http_->bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound < 0)
    return fail(Error{3,
                      "config_error",
                      {},
                      {},
                      "cannot listen on " + listen + " (address in use or not local?)"});
  // Raise the backlog the library fixed at 5: a burst of connections must not be refused.
  if (listen_fd >= 0) ::listen(listen_fd, kListenBacklog);
  return bound;
}

void Server::run() {
  http_->listen_after_bind();
  stream_pool_->shutdown_within(std::chrono::seconds(10));
}

// The library ignores stop() until its accept loop runs, so a signal that arrives while
// starting up must be repeated; callers loop until run() has returned.
void Server::stop() {
  http_->stop();
}

}  // namespace gw::server
