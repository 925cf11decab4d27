#include "gateway/health.hpp"

#include <algorithm>

namespace gw::gateway {
namespace {
constexpr double kAlpha = 0.3;  // weight of the newest sample in the moving averages
double ewma(double prev, double sample) {
  return prev < 0 ? sample : prev + kAlpha * (sample - prev);
}
}  // namespace

bool Health::allow(const std::string& target, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = stats_.find(target);
  if (it == stats_.end() || it->second.open_until == Clock::time_point{}) return true;
  Stats& s = it->second;
  if (now < s.open_until) return false;
  if (s.probing) return false;  // one half-open probe at a time
  s.probing = true;
  return true;
}

void Health::success(const std::string& target, double ttft_ms, double latency_ms) {
  std::lock_guard lock(mu_);
  Stats& s = stats_[target];
  s.consecutive_failures = 0;
  s.open_until = {};
  s.probing = false;
  if (ttft_ms >= 0) s.ttft_ms = ewma(s.ttft_ms, ttft_ms);
  if (latency_ms >= 0) s.latency_ms = ewma(s.latency_ms, latency_ms);
}

void Health::failure(const std::string& target, const Error& e, double cooldown_s,
                     Clock::time_point now) {
  std::lock_guard lock(mu_);
  Stats& s = stats_[target];
  ++s.consecutive_failures;
  bool was_probe = s.probing;
  s.probing = false;
  // A 429 that says how long to wait opens the circuit at once for that long.
  double open_s = 0;
  if (e.status == 429 && e.retry_after_ms > 0)
    open_s = std::max(cooldown_s, e.retry_after_ms / 1000.0);
  else if (s.consecutive_failures >= kFailuresToOpen || was_probe)
    open_s = cooldown_s;
  if (open_s > 0)
    s.open_until = now + std::chrono::milliseconds(static_cast<int64_t>(open_s * 1000));
}

std::optional<double> Health::speed_ms(const std::string& target, bool stream) const {
  std::lock_guard lock(mu_);
  auto it = stats_.find(target);
  if (it == stats_.end()) return std::nullopt;
  double v = stream && it->second.ttft_ms >= 0 ? it->second.ttft_ms : it->second.latency_ms;
  return v < 0 ? std::nullopt : std::optional<double>(v);
}

bool Health::is_open(const std::string& target, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = stats_.find(target);
  return it != stats_.end() && it->second.open_until != Clock::time_point{} &&
         now < it->second.open_until;
}

}  // namespace gw::gateway
