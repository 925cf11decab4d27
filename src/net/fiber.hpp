// A stackful coroutine on its own mmap'd stack (Boost.Context does the register switch).
// Only EventLoop uses it: the loop resumes a fiber, the fiber suspends back to the loop.
// Stacks are reserved large and touched lazily, so a parked stream costs the few pages
// its call chain used, not the reservation.
#pragma once

#include <boost/context/fiber.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "net/io.hpp"

namespace gw::net {

class Fiber {
 public:
  explicit Fiber(size_t stack_bytes);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Prepares a new run of `fn` on this fiber's stack (the fiber must be finished or new).
  void reset(std::function<void()> fn);
  // Loop side: runs the fiber until it suspends or finishes.
  void resume();
  // Fiber side: returns control to the loop.
  void suspend();
  bool finished() const { return finished_; }
  // Gives the stack's touched pages back to the kernel (a cached fiber keeps only its
  // reservation).
  void release_pages();

  // The loop's bookkeeping of what this fiber is parked on.
  uint64_t timer_id = 0;
  int wait_fd = -1;
  bool interruptible = false;  // a wait that shutdown may end early
  Ready woke = Ready::yes;
  size_t index = 0;  // position in the loop's active list
  std::function<void()> park_hook;
  bool in_park_hook = false;
  uint64_t parks = 0;  // how often it parked (a hook that parked is told apart by this)
  // The client this fiber serves has hung up (see EventLoop::guard_fd): its waits end at once.
  bool abandoned = false;

 private:
  boost::context::fiber self_;    // the fiber's continuation while it is suspended
  boost::context::fiber caller_;  // the loop's continuation while the fiber runs
  std::function<void()> fn_;
  char* base_ = nullptr;  // the mapping, guard page first
  size_t mapped_ = 0;
  bool finished_ = true;
  // AddressSanitizer must be told about stack switches, or it reports false overflows.
  void* fake_stack_ = nullptr;
  const void* caller_bottom_ = nullptr;
  size_t caller_size_ = 0;
};

}  // namespace gw::net
