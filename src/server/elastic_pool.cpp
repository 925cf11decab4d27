#include "server/elastic_pool.hpp"

#include <thread>

namespace gw::server {

ElasticPool::ElasticPool(size_t max_threads, std::chrono::milliseconds idle_timeout)
    : max_threads_(max_threads ? max_threads : 1), idle_timeout_(idle_timeout) {}

ElasticPool::~ElasticPool() {
  shutdown_within(std::chrono::seconds(5));
}

void ElasticPool::enqueue(std::function<void()> fn) {
  std::unique_lock lock(mu_);
  if (stopping_) return;
  jobs_.push_back(std::move(fn));
  if (idle_ >= jobs_.size() || threads_ >= max_threads_) {
    work_cv_.notify_one();
    return;
  }
  ++threads_;
  lock.unlock();
  std::thread([this] { worker(); }).detach();
}

void ElasticPool::worker() {
  std::unique_lock lock(mu_);
  while (true) {
    if (jobs_.empty()) {
      if (stopping_) break;
      ++idle_;
      bool got =
          work_cv_.wait_for(lock, idle_timeout_, [&] { return !jobs_.empty() || stopping_; });
      --idle_;
      if (!got || (jobs_.empty() && stopping_)) break;  // idle too long: let the thread go
      if (jobs_.empty()) continue;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // release captured state outside the lock
    lock.lock();
  }
  --threads_;
  done_cv_.notify_all();
}

void ElasticPool::shutdown() {
  shutdown_within(std::chrono::seconds(30));
}

void ElasticPool::shutdown_within(std::chrono::milliseconds grace) {
  std::unique_lock lock(mu_);
  stopping_ = true;
  work_cv_.notify_all();
  done_cv_.wait_for(lock, grace, [&] { return threads_ == 0; });
}

size_t ElasticPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}

size_t ElasticPool::busy() const {
  std::lock_guard lock(mu_);
  return threads_ - idle_;
}

}  // namespace gw::server
