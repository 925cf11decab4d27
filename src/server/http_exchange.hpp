// One HTTP exchange as a handler sees it: the parsed request, and a Response that either
// sends a whole answer in one write or streams a chunked body (SSE). Stream writes are
// coalesced: they collect in a buffer that leaves when the fiber is about to wait for more
// input, so chunks read together from the upstream reach the client in one write.
#pragma once

#include <string>
#include <string_view>

#include "net/http1.hpp"
#include "net/io.hpp"

namespace gw::server {

struct Request {
  const net::http1::RequestHead& head;
  std::string_view body;

  const std::string& method() const { return head.method; }
  std::string_view path() const { return head.path(); }
  // Case-insensitive; empty when absent.
  std::string_view header(std::string_view name) const {
    return net::header_value(head.headers, name);
  }
  // The client's key: `Authorization: Bearer …`, else `x-api-key` (Anthropic clients).
  std::string presented_key() const;
};

class StreamRegistry;

class Response {
 public:
  Response(net::Socket& sock, bool keep_alive, StreamRegistry* streams)
      : sock_(sock), keep_alive_(keep_alive), streams_(streams) {}
  ~Response();
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;

  // The value is made printable and bounded: no client or upstream string can split the head.
  void set_header(std::string name, std::string value);
  bool has_header(std::string_view name) const;
  // HEAD: the head of the answer GET would give, without its body.
  void omit_body() { head_only_ = true; }
  // An HTTP/1.0 client knows no chunked encoding: a stream is then delimited by the close.
  void use_http10() { http10_ = true; }
  // A whole answer. False when the client has gone.
  bool send(int status, std::string_view body, std::string_view content_type = "application/json");

  // A chunked stream: the head goes out with the first flush.
  void begin_stream(int status, std::string_view content_type);
  bool write(std::string_view data);  // false once the client has gone
  // One chunk made of three pieces (an SSE frame: "data: ", the JSON, "\n\n") without
  // joining them first.
  bool write(std::string_view a, std::string_view b, std::string_view c);
  bool end_stream();  // last chunk, flushed
  // Sends what is buffered now (also done automatically before the fiber parks).
  bool flush();
  // An SSE comment when the stream has been silent for a while (called by the registry).
  void ping_if_idle(net::Clock::time_point now);

  net::Socket& client() { return sock_; }
  bool sent() const { return started_; }
  bool ended() const { return !streaming_ || ended_; }  // whole answers end when sent
  bool broken() const { return broken_; }
  bool keep_alive() const { return keep_alive_ && !broken_; }
  void close_after() { keep_alive_ = false; }

 private:
  void append_head(int status, std::string_view content_type, std::string_view framing);
  bool appended();  // after a chunk was added: send now or later

  net::Socket& sock_;
  bool keep_alive_;
  StreamRegistry* streams_;
  net::Headers headers_;
  std::string out_;
  bool started_ = false, streaming_ = false, ended_ = false, broken_ = false, flushing_ = false;
  bool first_sent_ = false;
  bool head_only_ = false, http10_ = false;
  net::Clock::time_point last_write_{};
  Response* prev_ = nullptr;  // the registry's intrusive list
  Response* next_ = nullptr;
  friend class StreamRegistry;
};

// The open streams of one event loop; a ticker fiber keeps idle ones alive with SSE comments
// (proxies and clients drop connections that stay silent, e.g. while a model thinks).
class StreamRegistry {
 public:
  void add(Response* r);
  void remove(Response* r);
  void ping_idle(net::Clock::time_point now);

 private:
  Response* head_ = nullptr;
};

}  // namespace gw::server
