// gw_fake_upstream: an offline stand-in for the OpenAI, Anthropic and Gemini APIs.
// Usage: gw_fake_upstream [--port N] [--host 127.0.0.1] [--threads N]
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <httplib.h>

#include "routes.hpp"

namespace {

// Exposes the listening socket: Debian's compiled httplib listens with a backlog of 5,
// far too small for benchmarks opening a thousand connections at once.
class FakeServer : public httplib::Server {
 public:
  int listen_socket() const { return static_cast<int>(svr_sock_); }
};

[[noreturn]] void usage_error(const char* msg) {
  std::fprintf(stderr,
               "gw_fake_upstream: %s\nusage: gw_fake_upstream [--port N] [--host ADDR] "
               "[--threads N]\n",
               msg);
  std::exit(2);
}

int parse_number(std::string_view s, const char* what) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) usage_error(what);
  return v;
}

// Nothing to flush or persist, so a signal may end the process on the spot.
void on_signal(int) {
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  int threads = 64;
  std::string host = "127.0.0.1";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage_error("missing value");
      return argv[++i];
    };
    if (arg == "--port")
      port = parse_number(value(), "bad --port");
    else if (arg == "--host")
      host = std::string(value());
    else if (arg == "--threads")
      threads = parse_number(value(), "bad --threads");
    else if (arg == "--help" || arg == "-h")
      usage_error("help");
    else
      usage_error("unknown argument");
  }
  if (port > 65535) usage_error("bad --port");
  if (threads < 1) threads = 1;

  std::signal(SIGPIPE, SIG_IGN);  // a client hanging up mid-stream must not kill the fake
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  FakeServer server;
  // One thread per connection in cpp-httplib: size the pool so streams never queue.
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  server.set_tcp_nodelay(true);  // otherwise small responses stall ~40 ms (Nagle + delayed ACK)
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(10);
  server.set_read_timeout(30);
  server.set_write_timeout(30);
  server.set_payload_max_length(64u << 20);
  fake::install_routes(server);

  int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "gw_fake_upstream: cannot bind %s:%d\n", host.c_str(), port);
    return 1;
  }
  // Linux lets listen() be called again on a listening socket to raise its backlog.
  ::listen(server.listen_socket(), 4096);
  std::printf("PORT %d\n", bound);
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}
