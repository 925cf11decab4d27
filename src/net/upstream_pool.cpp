#include "net/upstream_pool.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdlib>

namespace gw::net {
namespace {

constexpr size_t kMaxIdlePerHost = 256;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// NO_PROXY: comma list of host suffixes, or "*". Loopback is never proxied.
bool bypass_proxy(const std::string& host) {
  if (host == "127.0.0.1" || host == "localhost" || host == "::1") return true;
  std::string np = env("NO_PROXY");
  if (np.empty()) np = env("no_proxy");
  size_t start = 0;
  while (start <= np.size()) {
    size_t end = np.find(',', start);
    if (end == std::string::npos) end = np.size();
    std::string item = np.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item == "*") return true;
    if (!item.empty() && item.front() == '.') item.erase(0, 1);
    if (!item.empty() &&
        (host == item || (host.size() > item.size() && host.ends_with("." + item))))
      return true;
    start = end + 1;
  }
  return false;
}

void configure_proxy(httplib::Client& c, const Url& base) {
  if (bypass_proxy(base.host)) return;
  std::string proxy = base.scheme == "https" ? env("HTTPS_PROXY") : env("HTTP_PROXY");
  if (proxy.empty()) proxy = base.scheme == "https" ? env("https_proxy") : env("http_proxy");
  if (proxy.empty()) return;
  Url p;
  if (!proxy.starts_with("http")) proxy = "http://" + proxy;
  if (parse_url(proxy, p)) c.set_proxy(p.host, p.port);
}

Headers to_headers(const httplib::Headers& h) {
  Headers out;
  out.reserve(h.size());
  for (const auto& [k, v] : h) out.emplace_back(k, v);
  return out;
}

Error transport_error(httplib::Error err, std::string_view provider, const Url& base) {
  std::string who =
      std::string(provider) + " (" + base.host + ":" + std::to_string(base.port) + ")";
  switch (err) {
    case httplib::Error::Connection:
      return Error::upstream(502,
                             "cannot connect to " + who + ": connection refused or unreachable",
                             "upstream_connect_error");
    case httplib::Error::ConnectionTimeout:
      return Error::upstream(504, "timed out connecting to " + who, "timeout");
    case httplib::Error::Read:
      return Error::upstream(504, who + " did not answer in time (or closed the connection)",
                             "timeout");
    case httplib::Error::Write:
      return Error::upstream(502, "failed sending the request to " + who, "upstream_connect_error");
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
      return Error::upstream(502,
                             "TLS failure talking to " + who + " (" + httplib::to_string(err) + ")",
                             "upstream_tls_error");
    default:
      return Error::upstream(502,
                             "transport error talking to " + who + ": " + httplib::to_string(err),
                             "upstream_connect_error");
  }
}

template <class D>
void split_seconds(double s, D&& set) {
  if (s <= 0) s = 0.001;
  auto sec = static_cast<time_t>(s);
  auto usec = static_cast<time_t>((s - static_cast<double>(sec)) * 1e6);
  set(sec, usec);
}

}  // namespace

UpstreamPool::UpstreamPool() = default;
UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<httplib::Client> UpstreamPool::acquire(const Url& base, Host*& host) {
  std::string origin = base.origin();
  {
    std::lock_guard lock(mu_);
    auto& slot = hosts_[origin];
    if (!slot) slot = std::make_unique<Host>();
    host = slot.get();
  }
  {
    std::lock_guard lock(host->mu);
    if (!host->idle.empty()) {
      auto c = std::move(host->idle.back());
      host->idle.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<httplib::Client>(origin);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // else small writes stall ~40 ms on Nagle + delayed ACK
  c->enable_server_certificate_verification(true);
  configure_proxy(*c, base);
  return c;
}

void UpstreamPool::release(Host* host, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(host->mu);
  if (host->idle.size() < kMaxIdlePerHost) host->idle.push_back(std::move(client));
}

Result<TransportStatus> UpstreamPool::post(const Url& base, const std::string& path,
                                           const Headers& headers, const std::string& body,
                                           const Timeouts& t, std::string_view provider,
                                           const OnHead& on_head, const OnBody& on_body) {
  Host* host = nullptr;
  auto client = acquire(base, host);
  split_seconds(t.connect_s, [&](time_t s, time_t u) { client->set_connection_timeout(s, u); });
  split_seconds(t.first_byte_s, [&](time_t s, time_t u) { client->set_read_timeout(s, u); });
  split_seconds(t.connect_s + 30, [&](time_t s, time_t u) { client->set_write_timeout(s, u); });

  httplib::Request req;
  req.method = "POST";
  req.path = base.path + path;
  for (const auto& [k, v] : headers) req.headers.emplace(k, v);
  req.body = body;
  if (!req.headers.count("Content-Type")) req.headers.emplace("Content-Type", "application/json");

  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(t.total_s * 1000));
  bool timed_out = false, cancelled = false;
  req.response_handler = [&](const httplib::Response& r) {
    on_head(UpstreamHead{r.status, to_headers(r.headers)});
    return true;
  };
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      return false;
    }
    if (!on_body(data, len)) {
      cancelled = true;
      return false;
    }
    return true;
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool ok = client->send(req, res, err);
  if (ok && !cancelled && !timed_out) {
    release(host, std::move(client));
    return TransportStatus::ok;
  }
  // The connection is in an unknown state: drop the client rather than reuse it.
  if (timed_out)
    return fail(
        Error::upstream(504, std::string(provider) + ": upstream exceeded timeout_s", "timeout"));
  if (cancelled) return TransportStatus::cancelled;
  return fail(transport_error(err, provider, base));
}

Result<std::pair<UpstreamHead, std::string>> UpstreamPool::get(const Url& base,
                                                               const std::string& path,
                                                               const Headers& headers,
                                                               const Timeouts& t,
                                                               std::string_view provider) {
  Host* host = nullptr;
  auto client = acquire(base, host);
  split_seconds(t.connect_s, [&](time_t s, time_t u) { client->set_connection_timeout(s, u); });
  split_seconds(t.first_byte_s, [&](time_t s, time_t u) { client->set_read_timeout(s, u); });
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  auto res = client->Get(base.path + path, h);
  if (!res) return fail(transport_error(res.error(), provider, base));
  std::pair<UpstreamHead, std::string> out{UpstreamHead{res->status, to_headers(res->headers)},
                                           std::move(res->body)};
  release(host, std::move(client));
  return out;
}

}  // namespace gw::net
