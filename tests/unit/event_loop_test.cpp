// The fiber event loop: parking on sockets and timers, shutdown, and the same Socket calls
// working on a plain thread.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <atomic>
#include <string>
#include <thread>

#include "net/event_loop.hpp"
#include "net/io.hpp"

using namespace gw::net;
using namespace std::chrono_literals;

namespace {

std::pair<Socket, Socket> socket_pair() {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  return {Socket(fds[0]), Socket(fds[1])};
}

}  // namespace

TEST_CASE("event_loop: fibers ping-pong over a socket pair on one thread") {
  EventLoop loop;
  auto [a, b] = socket_pair();
  std::string got_a, got_b;
  loop.spawn([&, &b = b] {
    char buf[64];
    int err = 0;
    for (int i = 0; i < 100; ++i) {
      ssize_t n = b.read_some(buf, sizeof(buf), deadline_in(5), err);
      REQUIRE(n > 0);
      got_b.assign(buf, static_cast<size_t>(n));
      REQUIRE(b.write_all("pong", deadline_in(5), err));
    }
  });
  loop.spawn([&, &a = a] {
    char buf[64];
    int err = 0;
    for (int i = 0; i < 100; ++i) {
      REQUIRE(a.write_all("ping", deadline_in(5), err));
      ssize_t n = a.read_some(buf, sizeof(buf), deadline_in(5), err);
      REQUIRE(n > 0);
      got_a.assign(buf, static_cast<size_t>(n));
    }
    loop.stop();
  });
  loop.run();
  CHECK(got_a == "pong");
  CHECK(got_b == "ping");
  CHECK(loop.fibers() == 0);
}

TEST_CASE("event_loop: a read times out at its deadline, sleeps park the fiber") {
  EventLoop loop;
  auto [a, b] = socket_pair();
  int err = 0;
  ssize_t n = 1;
  std::vector<int> order;
  loop.spawn([&, &a = a] {
    char buf[8];
    auto t0 = Clock::now();
    n = a.read_some(buf, sizeof(buf), Clock::now() + 50ms, err);
    CHECK(Clock::now() - t0 >= 45ms);
    order.push_back(2);
  });
  loop.spawn([&] {
    sleep_for(10ms);
    order.push_back(1);
    CHECK(on_loop_fiber());
  });
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    loop.stop();
  });
  loop.run();
  stopper.join();
  CHECK(n == -1);
  CHECK(err == ETIMEDOUT);
  CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("event_loop: stop cancels idle waits, the drain time ends the rest") {
  EventLoop loop;
  auto [a, b] = socket_pair();
  auto [c, d] = socket_pair();
  int idle_err = 0, busy_err = 0;
  loop.spawn([&, &a = a] {
    char buf[8];
    a.read_some(buf, sizeof(buf), kNoDeadline, idle_err, /*interruptible=*/true);
  });
  loop.spawn([&, &c = c] {
    char buf[8];
    c.read_some(buf, sizeof(buf), kNoDeadline, busy_err);
  });
  loop.spawn([&] { loop.stop(); });
  auto t0 = Clock::now();
  loop.run(100ms);
  CHECK(idle_err == ECANCELED);
  CHECK(busy_err == ECANCELED);
  CHECK(Clock::now() - t0 >= 90ms);
  CHECK(loop.fibers() == 0);
}

TEST_CASE("event_loop: spawn from another thread, many fibers, stacks reused") {
  EventLoop loop;
  std::atomic<int> done{0};
  std::thread t([&] {
    for (int i = 0; i < 500; ++i)
      loop.spawn([&] {
        sleep_for(1ms);
        if (++done == 500) loop.stop();
      });
  });
  loop.run();
  t.join();
  CHECK(done == 500);
}

TEST_CASE("event_loop: the park hook runs before a fiber waits") {
  EventLoop loop;
  int flushed = 0;
  loop.spawn([&] {
    loop.set_park_hook([&] { ++flushed; });
    sleep_for(1ms);
    sleep_for(1ms);
    loop.set_park_hook(nullptr);
    sleep_for(1ms);
    loop.stop();
  });
  loop.run();
  CHECK(flushed == 2);
}

TEST_CASE("io: sockets work on a plain thread (poll) and connect_tcp reports refusals") {
  auto [a, b] = socket_pair();
  int err = 0;
  CHECK(a.write_all("hello", deadline_in(1), err));
  char buf[16];
  ssize_t n = b.read_some(buf, sizeof(buf), deadline_in(1), err);
  CHECK(std::string(buf, static_cast<size_t>(n)) == "hello");
  n = b.read_some(buf, sizeof(buf), Clock::now() + 20ms, err);
  CHECK(n == -1);
  CHECK(err == ETIMEDOUT);
  CHECK_FALSE(on_loop_fiber());

  // Port 1 on loopback: nothing listens there.
  auto s = connect_tcp("127.0.0.1", 1, deadline_in(2));
  REQUIRE_FALSE(s);
  CHECK_FALSE(s.error().timeout);
  a.close();
  CHECK(b.peer_closed_or_readable());
}

TEST_CASE("event_loop: readiness that arrives while the park hook itself parks is not lost") {
  EventLoop loop;
  auto [a, b] = socket_pair();
  ssize_t n = -1;
  int err = 0;
  auto t0 = Clock::now();
  loop.spawn([&, &a = a] {
    // Like a stream flushing to a slow client before it waits for the upstream: the hook
    // parks (here: sleeps) and the data the fiber will wait for arrives meanwhile.
    loop.set_park_hook([] { sleep_for(30ms); });
    char buf[16];
    n = a.read_some(buf, sizeof(buf), Clock::now() + 3s, err);
    loop.set_park_hook(nullptr);
    loop.stop();
  });
  loop.spawn([&, &b = b] {
    sleep_for(10ms);
    int e = 0;
    b.write_all("late", deadline_in(1), e);
  });
  loop.run();
  CHECK(n == 4);
  CHECK(Clock::now() - t0 < 1s);
}

TEST_CASE("io: an idle socket is stale once its peer writes or closes, as the loop saw it") {
  EventLoop loop;
  auto [a, b] = socket_pair();
  auto [c, d] = socket_pair();
  bool quiet = true, after_write = false, after_close = false, unwatched = false;
  loop.spawn([&, &a = a, &b = b, &c = c, &d = d] {
    REQUIRE(a.attach());
    REQUIRE(c.attach());
    a.mark_idle();  // a pooled connection between requests
    c.mark_idle();
    sleep_for(10ms);  // the loop polls: nothing came
    quiet = a.peer_closed_or_readable() || c.peer_closed_or_readable();
    ::send(b.fd(), "x", 1, MSG_NOSIGNAL);  // bytes nobody asked for
    d.close();                             // the upstream closes an idle connection
    sleep_for(10ms);
    after_write = a.peer_closed_or_readable();
    after_close = c.peer_closed_or_readable();
    a.mark_idle();  // marked again with the byte still unread, and the loop not polled since
    unwatched = a.peer_closed_or_readable();  // the socket is asked
    loop.stop();
  });
  loop.run();
  CHECK_FALSE(quiet);
  CHECK(after_write);
  CHECK(after_close);
  CHECK(unwatched);
}

TEST_CASE("io: a socket a short read emptied waits without a read, and misses nothing after") {
  EventLoop loop;
  auto [a, b] = socket_pair();
  std::string first, pending, polled, tail;
  ssize_t at_close = -1;
  int err = 0;
  loop.spawn([&, &a = a, &b = b] {
    char buf[64];
    auto read = [&](std::string& into) {
      ssize_t n = a.read_some(buf, sizeof(buf), deadline_in(1), err);
      if (n > 0) into.assign(buf, static_cast<size_t>(n));
      return n;
    };
    REQUIRE(a.attach());
    ::send(b.fd(), "one", 3, MSG_NOSIGNAL);
    sleep_for(10ms);
    read(first);  // short: the socket is known empty now
    // Bytes that arrive with the loop not polled since: their edge reaches the wait.
    ::send(b.fd(), "two", 3, MSG_NOSIGNAL);
    read(pending);
    // Bytes whose edge the loop saw while nobody waited: the count moved, so it reads at once
    // (a wait would never end: edge-triggered, that edge is gone).
    ::send(b.fd(), "three", 5, MSG_NOSIGNAL);
    sleep_for(10ms);
    read(polled);
    ::send(b.fd(), "four", 4, MSG_NOSIGNAL);
    sleep_for(10ms);
    read(tail);
    b.close();  // and a hang-up after a short read is seen
    at_close = read(tail);
    loop.stop();
  });
  loop.run();
  CHECK(first == "one");
  CHECK(pending == "two");
  CHECK(polled == "three");
  CHECK(tail == "four");
  CHECK(at_close == 0);
  CHECK(err == 0);
}
