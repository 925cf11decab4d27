// Log of received requests for GET /_fake/requests; tests inspect what gw actually sent.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>

namespace fake {

class Recorder {
 public:
  static constexpr std::size_t kMaxEntries = 10000;

  void add(nlohmann::json entry);
  nlohmann::json list() const;  // JSON array, oldest first
  void clear();

 private:
  mutable std::mutex mu_;  // held only to push/pop/copy, never while serving a request
  std::deque<nlohmann::json> entries_;
};

Recorder& recorder();

}  // namespace fake
