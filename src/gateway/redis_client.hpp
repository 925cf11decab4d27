// A small Redis client for the shared limit store (redis_limit_store.hpp). hiredis does only
// the protocol (formatting commands, reading replies); the bytes go over gw's own sockets
// (net/io.hpp), so on an event-loop fiber a wait parks the fiber and the loop runs others, and
// on a plain thread (gw chat) it polls. Nothing here blocks a loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/error.hpp"
#include "config/config.hpp"
#include "net/io.hpp"

struct redisReader;

namespace gw::gateway::redis {

// A reply, copied out of hiredis's tree.
struct Reply {
  enum class Type : uint8_t { kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // string, status or error text
  std::vector<Reply> elements;
  bool is_error() const { return type == Type::kError; }
};

// Commands in the wire format (RESP), appended to `out`: several make one pipelined write.
void append_command(std::string& out, const std::vector<std::string>& args);

// Reads RESP replies from bytes as they arrive (hiredis's reader).
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;
  bool feed(const char* data, size_t len);
  // 1: a reply in `out`; 0: more bytes needed; -1: a protocol error.
  int next(Reply& out);

 private:
  redisReader* r_;
};

// One connection: connected, authenticated and on its database, or not made at all.
class Conn {
 public:
  // `d` bounds the connect and the AUTH/SELECT that follow.
  static Result<std::unique_ptr<Conn>> open(const config::RedisUrl& url, net::Deadline d);

  // Writes `wire` (n pipelined commands) and reads their n replies by `d`. The replies still
  // owed to earlier send_only calls come first: into `owed` when given, else dropped. An error
  // reply is a Reply, not a failure; a failure (refused, timed out, closed) means the
  // connection is unusable.
  Result<std::vector<Reply>> exchange(std::string_view wire, size_t n, net::Deadline d,
                                      std::vector<Reply>* owed = nullptr);
  // Writes `wire` and leaves its n replies to be read by the next exchange (or drain): the
  // caller goes on without waiting a round trip.
  bool send_only(std::string_view wire, size_t n, net::Deadline d);
  // Reads the replies still owed to send_only calls, by `d`, into `owed` when given.
  Result<void> drain(net::Deadline d, std::vector<Reply>* owed = nullptr);
  // Reads the owed replies that have already arrived, without waiting. False when the server
  // closed the connection (a pooled one whose replies are owed is readable, so usable() alone
  // cannot tell).
  bool poll_owed(std::vector<Reply>* owed = nullptr);
  size_t owed() const { return owed_; }
  // False when the server closed it while it was idle (Redis restarted): not worth a try.
  bool usable() const { return sock_.valid() && (owed_ > 0 || !sock_.peer_closed_or_readable()); }

 private:
  explicit Conn(net::Socket s) : sock_(std::move(s)) {}
  Result<void> read_replies(size_t n, std::vector<Reply>* into, net::Deadline d);

  net::Socket sock_;
  ReplyReader reader_;
  size_t owed_ = 0;  // replies of earlier send_only calls still to read
};

}  // namespace gw::gateway::redis
