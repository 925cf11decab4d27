// A thread pool that grows on demand and shrinks when idle. An LLM gateway holds each
// streamed request for tens of seconds, so a fixed pool of 8 (cpp-httplib's baked-in
// default) would queue the ninth stream; a thousand pre-spawned threads would waste memory
// at idle. Threads are spawned when no worker is free, up to `max_threads`.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include <httplib.h>

namespace gw::server {

class ElasticPool final : public httplib::TaskQueue {
 public:
  explicit ElasticPool(size_t max_threads,
                       std::chrono::milliseconds idle_timeout = std::chrono::seconds(30));
  ~ElasticPool() override;

  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then waits (up to `grace`) for every worker to finish.
  void shutdown() override;
  void shutdown_within(std::chrono::milliseconds grace);

  size_t threads() const;
  size_t busy() const;

 private:
  void worker();

  const size_t max_threads_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::function<void()>> jobs_;
  size_t threads_ = 0, idle_ = 0;
  bool stopping_ = false;
};

}  // namespace gw::server
