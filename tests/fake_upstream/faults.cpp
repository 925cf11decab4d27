#include "faults.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

namespace fake {

namespace {

using Clock = std::chrono::steady_clock;

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
  return -1;
}

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

int find_socket(int local_port, int remote_port) {
  if (local_port < 0 || remote_port < 0) return -1;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    sockaddr_storage a{};
    socklen_t len = sizeof(a);
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
        port_of(a) != local_port)
      continue;
    len = sizeof(a);
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
        port_of(a) != remote_port)
      continue;
    found = static_cast<int>(fd);
    break;
  }
  ::closedir(dir);
  return found;
}

void reset_connection(int fd) {
  if (fd < 0) return;
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  // Disconnecting a connected TCP socket sends a RST at once; httplib's own close of the
  // descriptor comes later and does no harm.
  sockaddr sa{};
  sa.sa_family = AF_UNSPEC;
  (void)::connect(fd, &sa, sizeof(sa));
}

bool write_endless(httplib::DataSink& sink, std::string_view prefix) {
  if (!sink.write(prefix.data(), prefix.size())) return false;
  const std::string block(64 * 1024, 'a');
  const auto until = Clock::now() + std::chrono::seconds(120);
  for (std::size_t sent = 0; sent < (std::size_t{1} << 30) && Clock::now() < until;
       sent += block.size()) {
    if (!sink.is_writable() || !sink.write(block.data(), block.size())) break;
  }
  return false;
}

void insert_deep(std::string& text, int n) {
  auto brace = text.rfind('}');
  if (brace == std::string::npos || n <= 0) return;
  std::string field = ",\"deep\":";
  field.append(static_cast<std::size_t>(n), '[');
  field.append(static_cast<std::size_t>(n), ']');
  text.insert(brace, field);
}

void stall_before_answer(Exchange& ex) {
  const int ms = ex.behavior.stall_ms;
  if (ms <= 0) return;
  const auto t0 = Clock::now();
  const auto until = t0 + std::chrono::milliseconds(ms);
  const int fd = find_socket(ex.req.local_port, ex.req.remote_port);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return;
    if (fd < 0) return sleep_ms(static_cast<int>(left));
    pollfd p{fd, POLLRDHUP, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (r < 0 && errno != EINTR) return sleep_ms(static_cast<int>(left));
    if (r > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))) {
      ex.peer_gone_ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
      return;
    }
    if (r > 0) sleep_ms(10);  // readable for another reason: do not spin
  }
}

void apply_body_faults(Exchange& ex) {
  const Behavior& b = ex.behavior;
  httplib::Response& res = ex.res;
  if (b.no_retry_after) {
    res.headers.erase("retry-after");
    res.headers.erase("retry-after-ms");
  }
  if (b.errbody && res.status >= 400) {
    res.status = 200;  // the dialect's error body, as some servers send it: with a 200
    return;
  }
  // Only a whole answer: a stream's body comes from its content provider.
  if (res.status != 200 || res.body.empty()) return;
  if (b.deep > 0) insert_deep(res.body, b.deep);
  if (!b.reset && b.stall_mid_ms <= 0 && !b.endless) return;

  std::string type = res.get_header_value("Content-Type");
  res.headers.erase("Content-Type");
  auto body = std::make_shared<std::string>(std::move(res.body));
  res.body.clear();
  if (b.endless) {
    res.set_chunked_content_provider(type, [](std::size_t, httplib::DataSink& sink) {
      return write_endless(
          sink, R"({"id":"chatcmpl-endless","object":"chat.completion","choices":[{"index":0,)"
                R"("message":{"role":"assistant","content":")");
    });
    return;
  }
  const int local = ex.req.local_port, remote = ex.req.remote_port;
  const bool reset = b.reset;
  const int stall = b.stall_mid_ms;
  res.set_content_provider(body->size(), type,
                           [=](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                             const std::size_t half = body->size() / 2;
                             if (offset < half) {  // the first half, then the fault
                               if (!sink.write(body->data() + offset, half - offset)) return false;
                               if (reset) {
                                 reset_connection(find_socket(local, remote));
                                 return false;
                               }
                               sleep_ms(stall);
                               return true;
                             }
                             return sink.write(body->data() + offset, body->size() - offset);
                           });
}

void apply_stream_faults(const Exchange& ex, StreamPlan& plan) {
  const Behavior& b = ex.behavior;
  plan.reset = b.reset;
  plan.stall_mid_ms = b.stall_mid_ms;
  plan.endless = b.endless;
  plan.local_port = ex.req.local_port;
  plan.remote_port = ex.req.remote_port;
  if (b.deep <= 0) return;
  for (auto& ev : plan.events) {
    if (!ev.content) continue;
    insert_deep(ev.bytes, b.deep);
    break;
  }
}

}  // namespace fake
