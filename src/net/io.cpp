#include "net/io.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "net/event_loop.hpp"

namespace gw::net {
namespace {

int poll_timeout_ms(Deadline d) {
  if (d == kNoDeadline) return -1;
  auto now = Clock::now();
  if (d <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d - now).count();
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

// A plain thread waits with poll(); slices of at most a minute until the deadline.
Ready poll_wait(int fd, Want w, Deadline d) {
  pollfd p{fd, static_cast<short>(w == Want::read ? POLLIN : POLLOUT), 0};
  for (;;) {
    int n = ::poll(&p, 1, poll_timeout_ms(d));
    if (n > 0) return Ready::yes;
    if (n < 0 && errno != EINTR) return Ready::yes;  // the next call reports the error
    if (n == 0 && Clock::now() >= d) return Ready::timeout;
  }
}

}  // namespace

Socket::Socket(int fd) : fd_(fd) {
  int flags = ::fcntl(fd_, F_GETFL, 0);
  if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = std::exchange(o.fd_, -1);
    loop_ = std::exchange(o.loop_, nullptr);
    idle_ = std::exchange(o.idle_, {});
    drained_ = std::exchange(o.drained_, {});
  }
  return *this;
}

// The kernel drops a closed socket from every epoll set, so the loop needs no word.
void Socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  loop_ = nullptr;
  idle_ = drained_ = {};
}

void Socket::take(Mark& m) const {
  m.loop = loop_ && loop_ == EventLoop::current() ? loop_ : nullptr;
  if (m.loop) m.at = m.loop->mark_fd(fd_);
}

bool Socket::here(const Mark& m) const {
  return m.loop && m.loop == loop_ && m.loop == EventLoop::current();
}

bool Socket::attach() {
  EventLoop* loop = EventLoop::current();
  if (!loop) return false;
  if (loop_ != loop) {
    if (!loop->add_fd(fd_)) return false;
    loop_ = loop;
  }
  return true;
}

Ready Socket::wait(Want w, Deadline d, bool interruptible) {
  if (!attach()) return poll_wait(fd_, w, d);
  return loop_->wait_fd(fd_, w, d, interruptible);
}

// Edge-triggered, the socket raises an edge for every arrival after the read that emptied
// it: none counted since means nothing came, or an edge still on its way, which the loop's
// next poll delivers to this fiber's wait.
bool Socket::known_empty() const {
  return here(drained_) && drained_.loop->no_edge_since(fd_, drained_.at);
}

ssize_t Socket::read_some(char* buf, size_t cap, Deadline d, int& err, bool interruptible) {
  for (bool ask = !known_empty();; ask = true) {
    if (ask) {
      ssize_t n = ::recv(fd_, buf, cap, 0);
      // A short read: the socket held no more. (Urgent data would stop it short too; gw's
      // peers send none, and one that did would only stall its own connection.)
      if (n > 0 && static_cast<size_t>(n) < cap) take(drained_);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        err = errno;
        return -1;
      }
    }
    Ready r = wait(Want::read, d, interruptible);
    if (r == Ready::timeout) {
      err = ETIMEDOUT;
      return -1;
    }
    if (r == Ready::cancelled) {
      err = ECANCELED;
      return -1;
    }
  }
}

bool Socket::write_all(std::string_view data, Deadline d, int& err) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      err = errno;
      return false;
    }
    Ready r = wait(Want::write, d);
    if (r != Ready::yes) {
      err = r == Ready::timeout ? ETIMEDOUT : ECANCELED;
      return false;
    }
  }
  return true;
}

void Socket::mark_idle() {
  take(idle_);
}

bool Socket::peer_closed_or_readable() const {
  // Registered edge-triggered, the socket raises an edge for every arrival (bytes, FIN, RST):
  // none since it went idle, with the loop polling in between, means nothing came.
  if (here(idle_) && idle_.loop->quiet_since(fd_, idle_.at)) return false;
  char c;
  ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;  // EOF, or bytes nobody asked for
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

namespace {

// One non-blocking connect attempt to one address.
std::expected<Socket, ConnectError> connect_addr(const sockaddr* sa, socklen_t len, Deadline d) {
  int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected(ConnectError{false, std::strerror(errno)});
  Socket s(fd);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // no Nagle stalls
  if (::connect(fd, sa, len) == 0) return s;
  if (errno != EINPROGRESS) return std::unexpected(ConnectError{false, std::strerror(errno)});
  for (;;) {
    Ready r = s.wait(Want::write, d);
    if (r == Ready::timeout) return std::unexpected(ConnectError{true, "timed out"});
    if (r == Ready::cancelled) return std::unexpected(ConnectError{false, "shutting down"});
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr != 0) return std::unexpected(ConnectError{false, std::strerror(soerr)});
    sockaddr_storage peer{};
    socklen_t pl = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl) == 0) return s;
    if (errno != ENOTCONN) return std::unexpected(ConnectError{false, std::strerror(errno)});
    // A wake that was not the connection completing: wait again.
  }
}

}  // namespace

std::expected<Socket, ConnectError> connect_tcp(const std::string& host, int port, Deadline d) {
  // Literal addresses (the usual local upstream) skip the resolver.
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1)
    return connect_addr(reinterpret_cast<sockaddr*>(&v4), sizeof(v4), d);
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1)
    return connect_addr(reinterpret_cast<sockaddr*>(&v6), sizeof(v6), d);

  // getaddrinfo blocks the thread; it runs once per new upstream connection (they are pooled).
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port_s = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), port_s.c_str(), &hints, &res);
  if (rc != 0)
    return std::unexpected(
        ConnectError{false, std::string("cannot resolve host: ") + ::gai_strerror(rc)});
  ConnectError last{false, "no address"};
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    auto s = connect_addr(ai->ai_addr, ai->ai_addrlen, d);
    if (s) {
      ::freeaddrinfo(res);
      return s;
    }
    last = s.error();
    if (last.timeout) break;
  }
  ::freeaddrinfo(res);
  return std::unexpected(last);
}

void sleep_for(std::chrono::milliseconds ms, bool interruptible) {
  if (EventLoop* loop = EventLoop::current())
    return loop->sleep_until(Clock::now() + ms, interruptible);
  std::this_thread::sleep_for(ms);
}

bool on_loop_fiber() {
  return EventLoop::current() != nullptr;
}

HangupGuard::HangupGuard(Socket& client) : fd_(-1) {
  if (!client.attach()) return;  // off a loop (the CLI): nothing to watch
  fd_ = client.fd();
  EventLoop::current()->guard_fd(fd_);
}

HangupGuard::~HangupGuard() {
  if (fd_ < 0) return;
  if (auto* loop = EventLoop::current()) loop->unguard_fd(fd_);
}

bool client_hung_up() {
  auto* loop = EventLoop::current();
  return loop && loop->abandoned();
}

}  // namespace gw::net
