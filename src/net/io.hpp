// Sockets that work the same on an event-loop fiber and on a plain thread. On a fiber of an
// EventLoop a wait parks the fiber and the loop runs others (one thread serves thousands of
// connections); anywhere else (the CLI) the calling thread poll()s. Sockets are always
// non-blocking, so the code above (HTTP client and server, TLS) never knows the difference.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace gw::net {

class EventLoop;

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

inline Deadline deadline_in(double seconds) {
  return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

enum class Ready {
  yes,        // the socket is ready (or has an error / hang-up the next call will report)
  timeout,    // the deadline passed
  cancelled,  // the loop is shutting down (only waits marked interruptible)
};

enum class Want { read, write };

// What an event loop had seen of a socket at one moment (EventLoop::mark_fd).
struct FdMark {
  uint64_t poll = 0, edges = 0;
};

// An owned, non-blocking socket. Move-only; closed on destruction. The first wait on an
// event-loop fiber registers it with that loop; it must then only be used on that loop.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd);  // takes ownership and makes it non-blocking
  ~Socket() { close(); }
  Socket(Socket&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)),
        loop_(std::exchange(o.loop_, nullptr)),
        idle_(std::exchange(o.idle_, {})),
        drained_(std::exchange(o.drained_, {})) {}
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void close();

  // Waits for readiness. Call only after a read/write reported EAGAIN (the loop is
  // edge-triggered). `interruptible` waits (idle keep-alive) end early on shutdown.
  Ready wait(Want w, Deadline d, bool interruptible = false);

  // Reads what is there (waiting up to `d` for at least one byte). Returns bytes read,
  // 0 at EOF, -1 on error with `err` set (ETIMEDOUT for the deadline, ECANCELED on shutdown).
  // A socket a read left empty, with no edge on the loop since, is waited on without asking
  // it first: the next request on a kept-alive connection, an upstream's answer just asked
  // for, cost no syscall that could only say EAGAIN.
  ssize_t read_some(char* buf, size_t cap, Deadline d, int& err, bool interruptible = false);
  // Writes everything (waiting as needed). False on error / deadline, with `err` set.
  bool write_all(std::string_view data, Deadline d, int& err);
  // True when the peer has closed or sent something unexpected (a pooled connection that
  // went stale): a non-blocking peek, unless the loop has watched the socket since
  // mark_idle() and seen nothing arrive.
  bool peer_closed_or_readable() const;
  // The socket goes idle now (a pooled connection between requests).
  void mark_idle();
  // Registers with the running fiber's loop (done by the first wait otherwise). False off a
  // loop or when epoll refuses the descriptor.
  bool attach();

 private:
  int fd_ = -1;
  EventLoop* loop_ = nullptr;  // the loop it is registered with, if any
  // What the loop had seen of the socket at a moment (EventLoop::mark_fd), with that loop.
  struct Mark {
    EventLoop* loop = nullptr;
    FdMark at;
  };
  Mark idle_;     // when it went idle (mark_idle)
  Mark drained_;  // when a short read took everything it held

  // Takes `m` now, if the socket is registered with the loop running this fiber.
  void take(Mark& m) const;
  // `m` was taken on the loop that runs this socket and this fiber: its counts still apply.
  bool here(const Mark& m) const;
  bool known_empty() const;
};

// Connects a TCP socket (host name or address; the first address that answers wins).
// Errors are messages for the caller to wrap: "connection refused", "timed out", ...
struct ConnectError {
  bool timeout = false;
  std::string message;
};
std::expected<Socket, ConnectError> connect_tcp(const std::string& host, int port, Deadline d);

// Sleeps: parks the fiber on a loop, else the thread. An interruptible sleep on a loop ends
// early when the loop shuts down.
void sleep_for(std::chrono::milliseconds ms, bool interruptible = false);

// True when called on an event-loop fiber.
bool on_loop_fiber();

// While alive, a hang-up of the client socket `fd` cancels the running fiber's waits (an
// upstream call in progress, a backoff sleep): see EventLoop::guard_fd. Off a loop, nothing.
class HangupGuard {
 public:
  explicit HangupGuard(Socket& client);
  ~HangupGuard();
  HangupGuard(const HangupGuard&) = delete;
  HangupGuard& operator=(const HangupGuard&) = delete;

 private:
  int fd_;
};
// True when the client of the running fiber has hung up (so its request is cancelled).
bool client_hung_up();

}  // namespace gw::net
