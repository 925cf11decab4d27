// One event loop per thread: an epoll set, a timer heap and the fibers it runs. A fiber is a
// small stackful coroutine: code on it reads like blocking code (the gateway, the providers,
// the HTTP client) but parks instead of blocking, so a loop thread serves thousands of
// connections and a stream costs a fiber stack, not two threads.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/io.hpp"

namespace gw::net {

class Fiber;

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs fn on a new fiber of this loop. From the loop's own thread it starts at the next
  // turn; from any other thread it is handed over (thread-safe).
  void spawn(std::function<void()> fn);

  // Runs until stop() has been called and every fiber has finished, or `drain` has passed
  // since stop() (fibers still parked then are abandoned). Call on the loop's thread.
  void run(std::chrono::milliseconds drain = std::chrono::seconds(10));
  // Thread-safe. Wakes interruptible waits (idle connections) with Ready::cancelled.
  void stop();
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  // The loop whose fiber is running on this thread; nullptr on plain threads.
  static EventLoop* current();

  // ---- used by Socket and sleep_for (on this loop's fibers only) ----
  Ready wait_fd(int fd, Want w, Deadline d, bool interruptible);
  void sleep_until(Deadline d, bool interruptible = false);
  // Registers a socket with this loop's epoll set (edge-triggered, both directions).
  bool add_fd(int fd);
  // Runs `fn` every time the running fiber is about to park, until cleared with nullptr:
  // write coalescing (stream chunks read together leave in one write, sent before the
  // fiber waits for more).
  void set_park_hook(std::function<void()> fn);

  // While the running fiber waits on other things (an upstream), a hang-up of `fd` (its
  // client) marks it abandoned and ends its wait with Ready::cancelled, as every later wait
  // ends: the upstream call is cancelled at once. A hang-up that came
  // before the call counts too. unguard_fd when the answer is ready to be written.
  void guard_fd(int fd);
  void unguard_fd(int fd);

  // What the loop has seen of a socket, to ask later whether anything came since: a pooled
  // upstream connection, idle between requests, is known untouched without a syscall (as
  // nginx's keepalive pool learns of a close from its read handler).
  FdMark mark_fd(int fd) const;
  // The loop has polled since `m` was taken and saw no input, hang-up or error edge on `fd`
  // since. False when it cannot tell (an edge on its way arrives with the next poll).
  bool quiet_since(int fd, FdMark m) const;
  // No input, hang-up or error edge on `fd` counted since `m`, polled or not: one still on
  // its way is delivered by the next poll to whoever waits on `fd`.
  bool no_edge_since(int fd, FdMark m) const;
  bool abandoned() const;

  size_t fibers() const { return live_; }

 private:
  struct FdWaiter {
    Fiber* fiber = nullptr;
    uint32_t events = 0;
    Fiber* guard = nullptr;  // told when the peer hangs up (guard_fd)
    // The socket reported a hang-up (RDHUP, HUP or ERR) since add_fd: sticky, so guard_fd
    // knows of one that came while nobody watched without asking the socket again.
    bool hung_up = false;
    uint64_t added_at = 0;  // polls_ when add_fd registered it
    uint64_t edges = 0;     // input, hang-up and error edges seen (mark_fd, quiet_since)
  };
  static constexpr size_t kCachedFibers = 256;  // finished fibers kept with their stacks
  struct Timer {
    Deadline at;
    uint64_t id;
    bool operator>(const Timer& o) const { return at > o.at; }
  };

  FdWaiter& waiter(int fd);        // fd's slot, the table grown to hold it (fd >= 0)
  Ready park(Deadline d, int fd);  // suspends the running fiber until woken or the deadline
  bool run_park_hook();
  void wake(Fiber* f, Ready r);
  void run_ready();
  void fire_timers();
  int next_timeout_ms(Deadline cap) const;
  void drain_posted();
  void start(std::function<void()> fn);
  void reap(Fiber* f);
  void cancel_waits(bool all);

  int epfd_ = -1;
  int wakefd_ = -1;  // eventfd: spawn() from other threads and stop()
  std::atomic<bool> stopping_{false};
  bool cancel_all_ = false;                     // the drain time is over: every wait ends at once
  std::vector<FdWaiter> waiters_;               // by fd
  std::vector<Fiber*> ready_;                   // to resume this turn
  std::vector<Timer> timers_;                   // min-heap on `at`
  std::unordered_map<uint64_t, Fiber*> timed_;  // timer id → the fiber it would wake
  uint64_t next_timer_id_ = 1;
  Fiber* running_ = nullptr;
  size_t live_ = 0;
  uint64_t polls_ = 0;  // epoll_wait calls so far: has the loop seen a socket's edges yet?
  std::vector<std::unique_ptr<Fiber>> fibers_;  // running or parked
  std::vector<std::unique_ptr<Fiber>> free_;    // finished fibers with their stacks, for reuse
  std::atomic<std::thread::id> owner_{};        // the thread in run()

  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
};

}  // namespace gw::net
