// gw's own HTTP/1.1 server: one event loop per thread, each with its own SO_REUSEPORT
// listening socket, a fiber per connection. Handlers are written as plain blocking code;
// every wait in them (the upstream, a slow client, a backoff) parks the fiber, so one
// thread holds thousands of streams and nothing is handed between threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/error.hpp"
#include "server/http_exchange.hpp"

namespace gw::net {
class EventLoop;
}

namespace gw::server {

struct HttpServerOptions {
  size_t max_body_bytes = 4 << 20;
  int threads = 0;                // event-loop threads; 0 = one per CPU
  double idle_timeout_s = 60;     // a keep-alive connection with no request for this long
  double request_timeout_s = 30;  // to receive one request's head and body
};

class HttpServer {
 public:
  using Handler = std::function<void(const Request&, Response&)>;
  // Renders the answer for an error the server itself detects (404, 405, 413, 400, ...).
  using ErrorPage = std::function<void(int status, const Request*, Response&)>;

  HttpServer(HttpServerOptions opt, ErrorPage error_page);
  ~HttpServer();

  void route(std::string method, std::string path, Handler h);
  // Every path that starts with `prefix` and goes on past it (GET /v1/models/{id}); exact
  // routes win. The handler reads the rest of the path itself, as hostile input.
  void route_prefix(std::string method, std::string prefix, Handler h);

  // Binds host:port (port 0 picks one) on every loop. Returns the bound port.
  Result<int> bind(const std::string& host, int port);
  // Serves until stop(); then lets in-flight requests finish (bounded by `drain`).
  void run(std::chrono::milliseconds drain = std::chrono::seconds(10));
  // Thread-safe; may come before run().
  void stop();

 private:
  struct Route {
    std::string method, path;
    Handler handler;
    bool prefix = false;  // path is a prefix (route_prefix)
  };
  struct Worker;

  void accept_loop(Worker& w);
  void serve_connection(Worker& w, int fd);
  void dispatch(const Request& req, Response& res);

  HttpServerOptions opt_;
  ErrorPage error_page_;
  std::vector<Route> routes_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace gw::server
