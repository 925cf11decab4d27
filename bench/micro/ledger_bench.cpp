// Ledger benchmark (not a test): what metering costs on the request path, how fast the
// background writer drains, and how long `gw report` takes on a large ledger.
//   ledger_bench [report_rows=1000000] [dir=/tmp]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "gateway/meter.hpp"
#include "store/ledger.hpp"
#include "store/report.hpp"
#include "store/sqlite_conn.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double cpu_ms() {  // this process's CPU time: robust to a busy machine, unlike wall time
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

gw::gateway::Outcome outcome(int i) {
  gw::gateway::Outcome o;
  o.request_id = "req_" + std::to_string(1'000'000'000 + i);
  o.started_unix_ms = now_ms();
  o.requested_model = "openai/gpt-4o-mini";
  o.provider = "openai";
  o.model = "gpt-4o-mini-2024-07-18";
  o.status = 200;
  gw::api::Usage u;
  u.prompt_tokens = 1200 + i % 100;
  u.completion_tokens = 300;
  u.cached_tokens = 256;
  o.usage = u;
  o.latency_ms = 812.5;
  o.ttft_ms = 210.0;
  o.attempts.push_back({"openai/gpt-4o-mini", 200, "", 812.5});
  o.stream = true;
  o.client = "serve";
  o.caller = {"key_0123456789", "ci", "user" + std::to_string(i % 1000),
              "tenant" + std::to_string(i % 20)};
  return o;
}

// The request-path cost: Meter::on_complete = price lookup + row build + enqueue.
void bench_meter(const std::string& dir) {
  auto ledger = gw::store::Ledger::open(dir + "/meter.db");
  if (!ledger) {
    std::fprintf(stderr, "%s\n", ledger.error().message.c_str());
    std::exit(1);
  }
  gw::gateway::Meter meter(std::make_shared<const gw::gateway::PriceTable>(), *ledger, {});
  const int n = 200'000;
  std::vector<gw::gateway::Outcome> outs;
  outs.reserve(n);
  for (int i = 0; i < n; ++i) outs.push_back(outcome(i));
  std::vector<double> lat(n);
  gw::gateway::RequestContext ctx;
  auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto a = Clock::now();
    meter.on_complete(outs[static_cast<size_t>(i)], ctx);
    lat[static_cast<size_t>(i)] =
        std::chrono::duration<double, std::micro>(Clock::now() - a).count();
  }
  double total = us_since(t0);
  auto f0 = Clock::now();
  (*ledger)->flush();
  double drain = us_since(f0);
  std::sort(lat.begin(), lat.end());
  std::printf(
      "meter on_complete (request path): mean %.2f us, p50 %.2f us, p99 %.2f us, max %.1f us over "
      "%d requests\n",
      total / n, lat[n / 2], lat[n * 99 / 100], lat.back(), n);
  std::printf(
      "background writer: %d rows on disk %.0f ms after the last enqueue (%.0f rows/s overall), "
      "%llu failures\n",
      n, drain / 1000, n / ((total + drain) / 1e6),
      static_cast<unsigned long long>((*ledger)->write_failures()));
}

// A synthetic ledger (one transaction, far faster than the real writer): 1000 users, 20 tenants, 8
// models, spread over the last 30 days.
void fill(const std::string& path, int rows) {
  auto conn = gw::store::open_sqlite(path, true);
  if (!conn) std::exit(1);
  gw::store::Db& db = (*conn)->db();
  (void)db.exec("BEGIN");
  auto st = db.prepare(
      "INSERT INTO ledger (ts_ms, request_id, key_id, user, tenant, requested_model, provider, "
      "model, status, input_tokens, cached_tokens, output_tokens, cost_usd, price_version, "
      "latency_ms, attempts, client) VALUES "
      "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,1,'serve')");
  const char* models[] = {"gpt-4o",           "gpt-4o-mini",       "gpt-4.1",
                          "o4-mini",          "claude-sonnet-4-5", "claude-haiku-4-5",
                          "gemini-2.5-flash", "gemini-2.5-pro"};
  const char* provs[] = {"openai",    "openai",    "openai", "openai",
                         "anthropic", "anthropic", "gemini", "gemini"};
  int64_t now = now_ms(), span = 30LL * 86'400'000 - 60'000;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < rows; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int m = static_cast<int>(x % 8);
    st->reset();
    st->bind(1, now - span + span / rows * i);  // appended in time order, as a real ledger is
    st->bind(2, "req_" + std::to_string(i));
    st->bind(3, "key_" + std::to_string(x % 50));
    st->bind(4, "user" + std::to_string((x >> 8) % 1000));
    st->bind(5, "tenant" + std::to_string((x >> 20) % 20));
    st->bind(6, std::string(provs[m]) + "/" + models[m]);
    st->bind(7, provs[m]);
    st->bind(8, models[m]);
    st->bind(9, (x >> 30) % 50 == 0 ? 502 : 200);
    st->bind(10, static_cast<int64_t>(500 + (x >> 12) % 3000));
    st->bind(11, static_cast<int64_t>((x >> 14) % 200));
    st->bind(12, static_cast<int64_t>(100 + (x >> 16) % 800));
    st->bind(13, 0.000123 * static_cast<double>(1 + (x >> 18) % 50));
    st->bind(14, gw::gateway::kBuiltinPriceVersion);
    st->bind(15, 700.0);
    st->step();
  }
  (void)db.exec("COMMIT");
}

void bench_report(const std::string& dir, int rows) {
  std::string path = dir + "/report.db";
  auto f0 = Clock::now();
  fill(path, rows);
  std::printf("synthetic ledger: %d rows written in %.1f s\n", rows, us_since(f0) / 1e6);
  auto db = gw::store::open_sqlite(path, false);
  if (!db) std::exit(1);
  (void)(*db)->exec("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
  auto run = [&](const char* label, std::vector<std::string> by, std::optional<std::string> user,
                 int days) {
    gw::store::ReportQuery q;
    q.by = std::move(by);
    q.until_ms = now_ms() + 1;
    q.since_ms = q.until_ms - days * 86'400'000LL;
    q.user = std::move(user);
    double best = 1e18, best_cpu = 1e18;
    size_t groups = 0;
    int64_t reqs = 0;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = Clock::now();
      double c0 = cpu_ms();
      auto r = gw::store::run_report(**db, q);
      best = std::min(best, us_since(t0));
      best_cpu = std::min(best_cpu, cpu_ms() - c0);
      if (!r) std::exit(1);
      groups = r->rows.size();
      reqs = r->total.requests;
    }
    std::printf("report %-32s %8.1f ms wall, %8.1f ms cpu  (%zu groups, %lld requests)\n", label,
                best / 1000, best_cpu, groups, static_cast<long long>(reqs));
  };
  run("--by user,model (30d)", {"user", "model"}, std::nullopt, 30);
  run("--by user (30d)", {"user"}, std::nullopt, 30);
  run("--by day (30d)", {"day"}, std::nullopt, 30);
  run("--by tenant,month (30d)", {"tenant", "month"}, std::nullopt, 30);
  run("--by model --user user7 (30d)", {"model"}, std::string("user7"), 30);
  run("--by user,model (1d)", {"user", "model"}, std::nullopt, 1);
}

}  // namespace

int main(int argc, char** argv) {
  int rows = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  std::string base = argc > 2 ? argv[2] : "/tmp";
  std::string dir = base + "/gw_ledger_bench_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  bench_meter(dir);
  bench_report(dir, rows);
  std::filesystem::remove_all(dir);
}
