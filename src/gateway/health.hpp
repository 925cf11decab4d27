// What the router knows about each target's recent behaviour: moving averages of TTFT and
// latency (for `fastest`) and a circuit breaker (skip a failing target for cooldown_s,
// then let one probe through: half-open).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "api/error.hpp"

namespace gw::gateway {

class Health {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kFailuresToOpen = 3;

  // False while the target's circuit is open. After the cooldown one caller is let through
  // (half-open); its result closes or re-opens the circuit.
  bool allow(const std::string& target, Clock::time_point now = Clock::now());
  void success(const std::string& target, double ttft_ms, double latency_ms);
  void failure(const std::string& target, const Error& e, double cooldown_s,
               Clock::time_point now = Clock::now());

  // Moving average: TTFT for streams, whole latency otherwise; nullopt with no samples.
  std::optional<double> speed_ms(const std::string& target, bool stream) const;
  bool is_open(const std::string& target, Clock::time_point now = Clock::now()) const;

 private:
  struct Stats {
    double ttft_ms = -1, latency_ms = -1;
    int consecutive_failures = 0;
    Clock::time_point open_until{};
    bool probing = false;
  };
  mutable std::mutex mu_;
  std::map<std::string, Stats> stats_;
};

}  // namespace gw::gateway
