// Pooled keep-alive HTTP(S) connections to upstream providers. A cpp-httplib Client is not
// safe for concurrent requests and holds one connection, so the pool keeps idle clients per
// origin and lends each to one request at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/error.hpp"
#include "net/http_types.hpp"

namespace httplib {
class Client;
}

namespace gw::net {

struct Timeouts {
  double connect_s = 10;
  double first_byte_s = 120;  // also the longest silence allowed between body bytes
  double total_s = 600;
};

struct UpstreamHead {
  int status = 0;
  Headers headers;
};

// Called once when the status line and headers have arrived.
using OnHead = std::function<void(const UpstreamHead&)>;
// Called with each piece of body as it arrives; return false to cancel the request.
using OnBody = std::function<bool(const char* data, size_t len)>;

enum class TransportStatus { ok, cancelled };

class UpstreamPool {
 public:
  UpstreamPool();
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // POSTs `body` to `base.path + path`. Transport failures (refused, TLS, timeouts) come
  // back as OpenAI-shaped 502/504 errors naming the provider; HTTP error statuses are not
  // failures here: the caller reads them through on_head/on_body.
  Result<TransportStatus> post(const Url& base, const std::string& path, const Headers& headers,
                               const std::string& body, const Timeouts& timeouts,
                               std::string_view provider, const OnHead& on_head,
                               const OnBody& on_body);

  // GET for small control requests (model lists); whole body returned.
  Result<std::pair<UpstreamHead, std::string>> get(const Url& base, const std::string& path,
                                                   const Headers& headers, const Timeouts& timeouts,
                                                   std::string_view provider);

 private:
  struct Host {
    std::mutex mu;
    std::vector<std::unique_ptr<httplib::Client>> idle;
  };
  std::unique_ptr<httplib::Client> acquire(const Url& base, Host*& host);
  void release(Host* host, std::unique_ptr<httplib::Client> client);

  std::mutex mu_;  // guards hosts_ (the map only; each Host has its own lock)
  std::map<std::string, std::unique_ptr<Host>> hosts_;
};

}  // namespace gw::net
