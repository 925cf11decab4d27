// interleave: latency at one connection per path, with the paths' requests interleaved.
//
// wrk measures one path at a time, so a stall of the machine (on a shared VM, tens of ms a
// few times a minute) lands in whichever path is running and decides its p99. Here every
// round sends one request down each path in turn (the order rotates every round), so a stall
// hits all paths alike and the differences between them are the paths' own.
//
//   interleave SECONDS MAX_ROUNDS NAME=PORT:PATH:BODYFILE[:KEY] ...
//
// The first path is the reference (the direct call). One line per path on stdout:
//   INTERLEAVE name=gw n=... p50=... p90=... p99=... p999=... max=... added_p50=... added_p99=...
// in microseconds; added_* are the path's percentile minus the reference's. Exit 1 when a path
// fails (a non-200 answer, a closed connection, 10 s without a byte). 127.0.0.1 only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Path {
  std::string name;
  int port = 0;
  std::string request;  // the whole HTTP request, sent with one write
  int fd = -1;
  std::string in;  // the answer being read
  std::vector<double> us;
};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "interleave: %s\n", why.c_str());
  std::exit(1);
}

int connect_local(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    die("cannot connect to 127.0.0.1:" + std::to_string(port));
  int one = 1;  // as wrk and every HTTP client: no Nagle delay on the request
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// Appends what the socket has to p.in, waiting at most 10 s for it.
void read_more(Path& p) {
  pollfd pfd{p.fd, POLLIN, 0};
  if (::poll(&pfd, 1, 10000) != 1) die(p.name + ": no answer within 10 s");
  char buf[65536];
  ssize_t n = ::read(p.fd, buf, sizeof buf);
  if (n <= 0) die(p.name + ": the connection closed");
  p.in.append(buf, static_cast<size_t>(n));
}

// One HTTP/1.1 answer, framed by Content-Length or chunked (SSE streams), read to its end.
void read_answer(Path& p) {
  p.in.clear();
  size_t head_end;
  while ((head_end = p.in.find("\r\n\r\n")) == std::string::npos) read_more(p);
  if (p.in.compare(0, 12, "HTTP/1.1 200") != 0)
    die(p.name + ": answered " + p.in.substr(0, std::min<size_t>(p.in.find('\r'), 80)));
  std::string head = p.in.substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = head_end + 4;
  if (size_t cl = head.find("\ncontent-length:"); cl != std::string::npos) {
    size_t len = std::strtoul(head.c_str() + cl + 16, nullptr, 10);
    while (p.in.size() < at + len) read_more(p);
    return;
  }
  if (head.find("\ntransfer-encoding: chunked") == std::string::npos)
    die(p.name + ": an answer with neither Content-Length nor chunked framing");
  while (true) {
    size_t eol;
    while ((eol = p.in.find("\r\n", at)) == std::string::npos) read_more(p);
    size_t len = std::strtoul(p.in.c_str() + at, nullptr, 16);
    at = eol + 2;
    while (p.in.size() < at + len + 2) read_more(p);
    at += len + 2;
    if (len == 0) return;
  }
}

Path make_path(const std::string& spec) {
  // NAME=PORT:PATH:BODYFILE[:KEY]
  size_t eq = spec.find('=');
  if (eq == std::string::npos) die("a path is NAME=PORT:PATH:BODYFILE[:KEY], not " + spec);
  Path p;
  p.name = spec.substr(0, eq);
  std::vector<std::string> f;
  std::stringstream ss(spec.substr(eq + 1));
  for (std::string part; std::getline(ss, part, ':');) f.push_back(part);
  if (f.size() < 3) die("a path is NAME=PORT:PATH:BODYFILE[:KEY], not " + spec);
  p.port = std::atoi(f[0].c_str());
  std::ifstream in(f[2], std::ios::binary);
  if (!in) die("cannot read " + f[2]);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string key = f.size() > 3 ? f[3] : "sk-bench";
  p.request = "POST " + f[1] +
              " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              "Authorization: Bearer " +
              key + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  p.fd = connect_local(p.port);
  return p;
}

double percentile(std::vector<double> v, double pct) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(pct / 100.0 * static_cast<double>(v.size()));
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: interleave SECONDS MAX_ROUNDS NAME=PORT:PATH:BODYFILE[:KEY] ...\n");
    return 2;
  }
  const double seconds = std::atof(argv[1]);
  const long max_rounds = std::atol(argv[2]);
  std::vector<Path> paths;
  for (int i = 3; i < argc; ++i) paths.push_back(make_path(argv[i]));

  // One warm-up round outside the figures: the first request of a connection is not typical.
  for (auto& p : paths) {
    if (::write(p.fd, p.request.data(), p.request.size()) != static_cast<ssize_t>(p.request.size()))
      die(p.name + ": write failed");
    read_answer(p);
  }
  const auto start = Clock::now();
  const size_t n = paths.size();
  for (long round = 0; round < max_rounds; ++round) {
    if (std::chrono::duration<double>(Clock::now() - start).count() >= seconds) break;
    for (size_t k = 0; k < n; ++k) {
      Path& p = paths[(k + static_cast<size_t>(round)) % n];
      auto t0 = Clock::now();
      if (::write(p.fd, p.request.data(), p.request.size()) !=
          static_cast<ssize_t>(p.request.size()))
        die(p.name + ": write failed");
      read_answer(p);
      p.us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
  }
  const Path& ref = paths.front();
  for (const auto& p : paths) {
    double p50 = percentile(p.us, 50), p99 = percentile(p.us, 99);
    std::printf(
        "INTERLEAVE name=%s n=%zu p50=%.0f p90=%.0f p99=%.0f p999=%.0f max=%.0f added_p50=%.0f "
        "added_p99=%.0f\n",
        p.name.c_str(), p.us.size(), p50, percentile(p.us, 90), p99, percentile(p.us, 99.9),
        percentile(p.us, 100), p50 - percentile(ref.us, 50), p99 - percentile(ref.us, 99));
  }
  for (auto& p : paths) ::close(p.fd);
  return 0;
}
