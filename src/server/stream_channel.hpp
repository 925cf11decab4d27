// Hands a stream from the thread that reads the upstream to the thread that writes the
// client. Bounded, so a slow-reading client slows the upstream read (TCP back-pressure)
// instead of making gw buffer without limit.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "api/error.hpp"

namespace gw::server {

class StreamChannel {
 public:
  explicit StreamChannel(size_t max_bytes = 1 << 20) : max_bytes_(max_bytes) {}

  // Producer side. Blocks while full; false once the consumer has gone.
  bool push(std::string frame) {
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [&] { return closed_ || bytes_ < max_bytes_; });
    if (closed_) return false;
    bytes_ += frame.size();
    frames_.push_back(std::move(frame));
    data_cv_.notify_one();
    return true;
  }
  // Producer is done; `error` set when the stream failed before any frame was pushed.
  void finish(std::optional<Error> early_error = std::nullopt) {
    std::lock_guard lock(mu_);
    finished_ = true;
    early_error_ = std::move(early_error);
    data_cv_.notify_all();
  }

  // Consumer side: the client went away; wakes and fails the producer.
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    space_cv_.notify_all();
    data_cv_.notify_all();
  }

  enum class Wait { frame, finished, timeout };
  // Waits up to `timeout` for the first frame or the end, without taking anything.
  Wait wait_ready(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    data_cv_.wait_for(lock, timeout, [&] { return !frames_.empty() || finished_; });
    if (!frames_.empty()) return Wait::frame;
    return finished_ ? Wait::finished : Wait::timeout;
  }
  // Moves every ready frame into `out`; Wait tells whether more may come.
  Wait take(std::string& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    data_cv_.wait_for(lock, timeout, [&] { return !frames_.empty() || finished_ || closed_; });
    if (frames_.empty()) return finished_ || closed_ ? Wait::finished : Wait::timeout;
    while (!frames_.empty()) {
      out += frames_.front();
      bytes_ -= frames_.front().size();
      frames_.pop_front();
    }
    space_cv_.notify_all();
    return Wait::frame;
  }
  std::optional<Error> early_error() {
    std::lock_guard lock(mu_);
    return early_error_;
  }

 private:
  const size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable data_cv_, space_cv_;
  std::deque<std::string> frames_;
  size_t bytes_ = 0;
  bool finished_ = false, closed_ = false;
  std::optional<Error> early_error_;
};

}  // namespace gw::server
