// `gw serve`: the localhost gateway. SIGINT/SIGTERM stop accepting, let in-flight requests
// finish (bounded), flush the ledger, and exit 0.
#include "cli/serve.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/runtime.hpp"
#include "gateway/auth.hpp"
#include "gateway/limits.hpp"
#include "server/metrics.hpp"
#include "server/server.hpp"

namespace gw::cli {
namespace {

struct ServeOptions {
  std::string listen;
  bool verbose = false;
};

int run_serve(const GlobalOptions& g, const ServeOptions& opt) {
  // Block the stop signals before any thread starts, so only the waiter below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // The HTTP front's own stages: /metrics counters and virtual keys; and limits whose spend
  // starts from every key, user and tenant in the ledger (a key's budget may come later).
  server::Metrics* metrics = nullptr;
  gateway::Auth* keys = nullptr;
  gateway::Limits* limits = nullptr;
  auto rt = Runtime::open(g, false, [&](Runtime& r, gateway::PipelineParts& parts) {
    auto m = std::make_unique<server::Metrics>(server::MetricLabels(r.config(), r.prices_shared()));
    if (store::Ledger* ledger = r.ledger())
      m->set_ledger_failure_source([ledger] {
        return static_cast<double>(ledger->write_failures() + ledger->rows_dropped());
      });
    auto auth = gateway::Auth::open(r.config(), print_warning);
    metrics = m.get();
    keys = auth.get();
    parts.metrics = std::move(m);
    parts.auth = std::move(auth);
    auto lim = gateway::Limits::open(r.config(), r.prices_shared(), gateway::Limits::Seed::kAll,
                                     print_warning);
    limits = lim.get();
    if (lim->store().health().shared)  // [limits] redis: its state in /metrics
      metrics->set_limit_store_source([l = lim.get()] { return l->store().health(); });
    parts.limits = std::move(lim);
  });
  if (!rt) return kConfig;
  server::Server srv(rt->config(), rt->gateway(), *metrics, *keys, *limits);
  std::string listen = opt.listen.empty() ? rt->config().server.listen : opt.listen;
  auto port = srv.bind(listen);
  if (!port) {
    print_error(port.error());
    return exit_code_for(port.error());
  }
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty()) host = "127.0.0.1";
  std::printf("gw serve: listening on http://%s:%d (OpenAI base_url: http://%s:%d/v1)\n",
              host.c_str(), *port, host.c_str(), *port);
  std::fflush(stdout);
  if (host != "127.0.0.1" && host != "localhost" && host != "::1" && host != "[::1]")
    print_warning("listening on " + host + ": reachable from other machines");

  std::atomic<bool> finished{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (!finished)
      std::fprintf(stderr, "gw serve: %s received, finishing in-flight requests\n",
                   sig == SIGINT ? "SIGINT" : "SIGTERM");
    while (!finished) {  // a signal during start-up: repeat until the server has stopped
      srv.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  srv.run();
  finished = true;
  // run() returned without a signal (e.g. a listen failure): wake the waiter ourselves.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return kOk;  // Runtime's destructor flushes the ledger
}

}  // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto opt = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the OpenAI-compatible gateway on localhost");
  cmd->add_option(
      "-l,--listen", opt->listen,
      "HOST:PORT to listen on (default: [server].listen, 127.0.0.1:4000; port 0 picks a free one)");
  cmd->callback([&g, &exit_code, opt] { exit_code = run_serve(g, *opt); });
}

}  // namespace gw::cli
