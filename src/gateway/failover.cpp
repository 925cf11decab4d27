#include "gateway/failover.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "net/io.hpp"
#include "providers/adapter_util.hpp"

namespace gw::gateway {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxBackoffMs = 8000;
constexpr int kMaxRetryAfterMs = 30000;  // longer hints move on to the next target instead

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Exponential backoff with full jitter, or the upstream's own hint when it gave one.
int backoff_ms(int attempt, int retry_after_ms) {
  if (retry_after_ms >= 0) return std::min(retry_after_ms, kMaxRetryAfterMs);
  auto& rng = providers::thread_rng();
  int cap = std::min(kMaxBackoffMs, 250 << std::min(attempt, 5));
  return cap / 2 + static_cast<int>(rng() % static_cast<unsigned>(cap / 2 + 1));
}

std::string short_reason(const Error& e) {
  std::string s = std::to_string(e.status);
  if (!e.code.empty()) s += " " + e.code;
  return s;
}

}  // namespace

Result<void> Failover::run(const RoutePlan& plan, std::string_view requested, Outcome& out,
                           const Attempt& attempt) const {
  const auto t0 = out.started;
  std::optional<Error> last;
  // When every attempt was rate-limited, the client gets the 429 whose hint is the soonest,
  // so its SDK waits just long enough (docs/ARCHITECTURE.md §4.5).
  std::optional<Error> soonest_429;
  bool all_429 = true;
  const bool breaker = plan.targets.size() > 1;  // a lone target is always tried
  for (const auto& target : plan.targets) {
    const std::string label = target.label();
    if (breaker && !health_.allow(label)) {
      out.attempts.push_back({label, 0, "circuit open", 0});
      out.route_reason += "; skipped " + label + " (circuit open)";
      continue;
    }
    out.provider = target.provider->name;
    out.model = target.model;
    for (int n = 0; n <= plan.retries; ++n) {
      providers::CallStats stats;
      auto a0 = Clock::now();
      auto r = attempt(target, stats);
      out.attempts.push_back({label, r ? 200 : r.error().status, r ? "" : short_reason(r.error()),
                              ms_between(a0, Clock::now())});
      if (r) {
        health_.success(label, stats.ttft_ms, out.attempts.back().latency_ms);
        if (stats.ttft_ms >= 0) out.ttft_ms = ms_between(t0, a0) + stats.ttft_ms;
        if (out.attempts.size() > 1)
          out.route_reason += "; answered by " + label + " after " +
                              std::to_string(out.attempts.size() - 1) + " failed attempt(s)";
        return {};
      }
      Error e = std::move(r.error());
      if (net::client_hung_up()) {  // not the upstream's failure: nothing to retry for anyone
        out.client_cancelled = true;
        return fail(Error::client_cancelled());
      }
      // After the first byte reached the client nothing can be retried.
      if (e.after_first_byte) return fail(std::move(e));
      // A bad upstream key or missing key: this target is useless, another may work.
      bool target_broken = e.type == "config_error" || e.type == "upstream_auth_error";
      if (!e.retryable() && !target_broken) return fail(std::move(e));  // the client's fault
      health_.failure(label, e, plan.cooldown_s);
      if (e.status != 429) {
        all_429 = false;
      } else if (!soonest_429 ||
                 (e.retry_after_ms >= 0 && (soonest_429->retry_after_ms < 0 ||
                                            e.retry_after_ms < soonest_429->retry_after_ms))) {
        soonest_429 = e;
      }
      // With somewhere else to go, a rate-limited or now-open target is left at once.
      bool retry_same = e.retryable() && n < plan.retries && e.retry_after_ms <= kMaxRetryAfterMs &&
                        !(breaker && (e.status == 429 || health_.is_open(label)));
      last = std::move(e);
      if (!retry_same) break;
      net::sleep_for(std::chrono::milliseconds(backoff_ms(n, last->retry_after_ms)));
    }
  }
  if (all_429 && soonest_429) last = std::move(soonest_429);
  Error e = last ? std::move(*last)
                 : Error::upstream(503,
                                   "every target of '" + std::string(requested) +
                                       "' is cooling down after failures (circuit open)",
                                   "circuit_open");
  if (out.attempts.size() > 1) {
    std::string list;
    for (const auto& a : out.attempts)
      list += (list.empty() ? "" : ", ") + a.target + " " + (a.error.empty() ? "ok" : a.error);
    e.message = "all " + std::to_string(out.attempts.size()) + " attempts failed (" + list +
                "); last: " + e.message;
  }
  return fail(std::move(e));
}

}  // namespace gw::gateway
