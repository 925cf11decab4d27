#include "net/event_loop.hpp"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "net/fiber.hpp"

namespace gw::net {
namespace {

// Sanitizers make frames several times larger; the reservation costs address space only.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStackBytes = 1024 * 1024;
#else
constexpr size_t kStackBytes = 256 * 1024;
#endif

thread_local EventLoop* tl_loop = nullptr;  // set while one of the loop's fibers runs

}  // namespace

EventLoop::EventLoop() {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wakefd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || wakefd_ < 0) throw std::runtime_error("cannot create an event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wakefd_;
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakefd_, &ev);
}

EventLoop::~EventLoop() {
  ::close(wakefd_);
  ::close(epfd_);
}

EventLoop* EventLoop::current() {
  return tl_loop;
}

void EventLoop::spawn(std::function<void()> fn) {
  if (tl_loop == this || owner_.load(std::memory_order_acquire) == std::this_thread::get_id()) {
    start(std::move(fn));
    return;
  }
  {
    std::lock_guard lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wakefd_, &one, sizeof(one));
}

void EventLoop::stop() {
  stopping_.store(true, std::memory_order_relaxed);
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wakefd_, &one, sizeof(one));
}

void EventLoop::start(std::function<void()> fn) {
  std::unique_ptr<Fiber> f;
  if (!free_.empty()) {
    f = std::move(free_.back());
    free_.pop_back();
  } else {
    f = std::make_unique<Fiber>(kStackBytes);
  }
  f->reset(std::move(fn));
  f->abandoned = false;
  f->index = fibers_.size();
  ready_.push_back(f.get());
  fibers_.push_back(std::move(f));
  ++live_;
}

void EventLoop::reap(Fiber* f) {
  size_t i = f->index;
  std::unique_ptr<Fiber> owned = std::move(fibers_[i]);
  if (i + 1 != fibers_.size()) {
    fibers_[i] = std::move(fibers_.back());
    fibers_[i]->index = i;
  }
  fibers_.pop_back();
  --live_;
  if (free_.size() < kCachedFibers) {
    free_.push_back(std::move(owned));
  }  // else the stack is unmapped here: memory goes back after a burst
}

void EventLoop::drain_posted() {
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard lock(posted_mu_);
    fns.swap(posted_);
  }
  for (auto& fn : fns) start(std::move(fn));
}

void EventLoop::run_ready() {
  // Fibers woken while this batch runs wait for the next turn, after epoll has been polled.
  std::vector<Fiber*> batch;
  batch.swap(ready_);
  for (Fiber* f : batch) {
    running_ = f;
    tl_loop = this;
    f->resume();
    tl_loop = nullptr;
    running_ = nullptr;
    if (f->finished()) reap(f);
  }
  if (ready_.empty()) {  // keep the capacity for the next turn
    batch.clear();
    ready_.swap(batch);
  }
}

void EventLoop::wake(Fiber* f, Ready r) {
  if (f->timer_id) {
    timed_.erase(f->timer_id);
    f->timer_id = 0;
  }
  if (f->wait_fd >= 0) {
    waiters_[static_cast<size_t>(f->wait_fd)].fiber = nullptr;
    f->wait_fd = -1;
  }
  f->woke = r;
  ready_.push_back(f);
}

// True when the hook itself parked: readiness that arrived meanwhile may have been reported
// to nobody (edge-triggered), so the caller's EAGAIN is stale and it must try again.
bool EventLoop::run_park_hook() {
  Fiber* f = running_;
  if (!f->park_hook || f->in_park_hook) return false;
  f->in_park_hook = true;  // the hook's own writes may park: no recursion
  uint64_t parks = f->parks;
  f->park_hook();
  f->in_park_hook = false;
  return f->parks != parks;
}

void EventLoop::set_park_hook(std::function<void()> fn) {
  if (running_) running_->park_hook = std::move(fn);
}

Ready EventLoop::park(Deadline d, int fd) {
  Fiber* f = running_;
  if (d != kNoDeadline) {
    // Ended waits leave their entries in the heap until due; drop them in bulk once they
    // outnumber the live ones, or a busy server would hold one per request for minutes.
    if (timers_.size() > 1024 && timers_.size() > 4 * timed_.size()) {
      std::erase_if(timers_, [&](const Timer& t) { return !timed_.contains(t.id); });
      std::make_heap(timers_.begin(), timers_.end(), std::greater<>());
    }
    f->timer_id = next_timer_id_++;
    timers_.push_back({d, f->timer_id});
    std::push_heap(timers_.begin(), timers_.end(), std::greater<>());
    timed_.emplace(f->timer_id, f);
  }
  f->wait_fd = fd;
  ++f->parks;
  f->suspend();
  return f->woke;
}

EventLoop::FdWaiter& EventLoop::waiter(int fd) {
  if (static_cast<size_t>(fd) >= waiters_.size()) waiters_.resize(static_cast<size_t>(fd) + 64);
  return waiters_[static_cast<size_t>(fd)];
}

bool EventLoop::add_fd(int fd) {
  if (fd < 0) return false;
  auto& w = waiter(fd);
  w.hung_up = false;  // a new socket that reuses the number
  w.added_at = polls_;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.fd = fd;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0) return true;
  return errno == EEXIST && ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

Ready EventLoop::wait_fd(int fd, Want w, Deadline d, bool interruptible) {
  if (run_park_hook()) return Ready::yes;
  if (cancel_all_ || (interruptible && stopping()) || running_->abandoned) return Ready::cancelled;
  auto& slot = waiter(fd);
  slot.fiber = running_;
  slot.events = w == Want::read ? (EPOLLIN | EPOLLRDHUP) : EPOLLOUT;
  running_->interruptible = interruptible;
  return park(d, fd);
}

void EventLoop::guard_fd(int fd) {
  if (!running_ || fd < 0) return;
  auto& w = waiter(fd);
  w.guard = running_;
  // A hang-up's edge before now was seen by the loop and kept (hung_up); one still on its way
  // arrives with the next epoll_wait and finds the guard set. No syscall on the request path,
  // unless the loop has not polled since the socket joined it: then ask the socket (0 bytes =
  // the peer's FIN).
  if (w.hung_up) {
    running_->abandoned = true;
  } else if (w.added_at == polls_) {
    char c;
    ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
      running_->abandoned = true;
  }
}

FdMark EventLoop::mark_fd(int fd) const {
  if (fd < 0 || static_cast<size_t>(fd) >= waiters_.size()) return {polls_, 0};
  return {polls_, waiters_[static_cast<size_t>(fd)].edges};
}

bool EventLoop::quiet_since(int fd, FdMark m) const {
  return polls_ > m.poll && no_edge_since(fd, m);
}

bool EventLoop::no_edge_since(int fd, FdMark m) const {
  if (fd < 0 || static_cast<size_t>(fd) >= waiters_.size()) return false;
  const auto& w = waiters_[static_cast<size_t>(fd)];
  return w.edges == m.edges && !w.hung_up;
}

bool EventLoop::abandoned() const {
  return running_ && running_->abandoned;
}

void EventLoop::unguard_fd(int fd) {
  if (fd >= 0 && static_cast<size_t>(fd) < waiters_.size())
    waiters_[static_cast<size_t>(fd)].guard = nullptr;
}

void EventLoop::sleep_until(Deadline d, bool interruptible) {
  run_park_hook();
  if (cancel_all_ || (interruptible && stopping()) || running_->abandoned) return;
  running_->interruptible = interruptible;
  park(d, -1);
}

void EventLoop::fire_timers() {
  auto now = Clock::now();
  while (!timers_.empty() && timers_.front().at <= now) {
    uint64_t id = timers_.front().id;
    std::pop_heap(timers_.begin(), timers_.end(), std::greater<>());
    timers_.pop_back();
    auto it = timed_.find(id);
    if (it == timed_.end()) continue;  // that wait ended another way
    wake(it->second, Ready::timeout);
  }
}

int EventLoop::next_timeout_ms(Deadline cap) const {
  if (!ready_.empty()) return 0;
  Deadline next = cap;
  if (!timers_.empty()) next = std::min(next, timers_.front().at);
  if (next == kNoDeadline) return -1;
  auto now = Clock::now();
  if (next <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

// Wakes parked fibers with Ready::cancelled: the idle ones at shutdown, all of them once
// the drain time is over (their I/O then fails and they unwind normally).
void EventLoop::cancel_waits(bool all) {
  for (auto& w : waiters_)
    if (w.fiber && (all || w.fiber->interruptible)) wake(w.fiber, Ready::cancelled);
  std::vector<Fiber*> sleepers;
  for (auto& [id, f] : timed_)
    if (f->wait_fd < 0 && (all || f->interruptible)) sleepers.push_back(f);
  for (Fiber* f : sleepers) wake(f, Ready::cancelled);
}

void EventLoop::run(std::chrono::milliseconds drain) {
  owner_.store(std::this_thread::get_id(), std::memory_order_release);
  drain_posted();
  bool saw_stop = false;
  Deadline drain_until = kNoDeadline;
  epoll_event events[256];
  for (;;) {
    run_ready();
    if (stopping() && !saw_stop) {
      saw_stop = true;
      drain_until = Clock::now() + drain;
      cancel_waits(false);
      continue;
    }
    if (saw_stop && live_ == 0) break;
    if (saw_stop && !cancel_all_ && Clock::now() >= drain_until) {
      cancel_all_ = true;
      cancel_waits(true);
      continue;
    }
    int n =
        ::epoll_wait(epfd_, events, 256, next_timeout_ms(cancel_all_ ? kNoDeadline : drain_until));
    ++polls_;
    if (n < 0 && errno != EINTR) {  // cannot happen with valid arguments; end every wait
      std::perror("gw: epoll_wait");
      cancel_all_ = true;
      cancel_waits(true);
      if (live_ == 0) break;
      continue;
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wakefd_) {
        uint64_t v;
        [[maybe_unused]] auto r = ::read(wakefd_, &v, sizeof(v));
        drain_posted();
        continue;
      }
      if (static_cast<size_t>(fd) >= waiters_.size()) continue;
      auto& w = waiters_[static_cast<size_t>(fd)];
      const bool hup = events[i].events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP);
      if (hup || (events[i].events & EPOLLIN)) ++w.edges;
      if (hup) w.hung_up = true;
      if (w.guard && hup) {
        Fiber* g = std::exchange(w.guard, nullptr);
        g->abandoned = true;
        bool parked_elsewhere = g != w.fiber && (g->wait_fd >= 0 || g->timer_id != 0);
        if (parked_elsewhere) wake(g, Ready::cancelled);
      }
      if (w.fiber && (events[i].events & (w.events | EPOLLERR | EPOLLHUP)))
        wake(w.fiber, Ready::yes);
    }
    fire_timers();
  }
  owner_.store({}, std::memory_order_release);
  for (auto& f : free_) f->release_pages();
}

}  // namespace gw::net
