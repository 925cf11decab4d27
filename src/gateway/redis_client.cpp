#include "gateway/redis_client.hpp"

#include <hiredis/hiredis.h>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace gw::gateway::redis {
namespace {

Reply copy_reply(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r->type == REDIS_REPLY_STRING   ? Reply::Type::kString
                 : r->type == REDIS_REPLY_STATUS ? Reply::Type::kStatus
                                                 : Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

Error io_error(std::string what) {
  return Error::make(503, "server_error", "limit_store_unavailable", "redis: " + what);
}

}  // namespace

void append_command(std::string& out, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* cmd = nullptr;
  int n = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lens.data());
  if (n > 0 && cmd) out.append(cmd, static_cast<size_t>(n));
  if (cmd) redisFreeCommand(cmd);
}

ReplyReader::ReplyReader() : r_(redisReaderCreate()) {}
ReplyReader::~ReplyReader() {
  if (r_) redisReaderFree(r_);
}

bool ReplyReader::feed(const char* data, size_t len) {
  return r_ && redisReaderFeed(r_, data, len) == REDIS_OK;
}

int ReplyReader::next(Reply& out) {
  if (!r_) return -1;
  void* raw = nullptr;
  if (redisReaderGetReply(r_, &raw) != REDIS_OK) return -1;
  if (!raw) return 0;
  // The reply tree is hiredis's; copy it out and free it at once.
  std::unique_ptr<redisReply, void (*)(void*)> owned(static_cast<redisReply*>(raw),
                                                     freeReplyObject);
  out = copy_reply(owned.get());
  return 1;
}

Result<std::unique_ptr<Conn>> Conn::open(const config::RedisUrl& url, net::Deadline d) {
  auto s = net::connect_tcp(url.host, url.port, d);
  if (!s) return fail(io_error("cannot connect: " + s.error().message));
  std::unique_ptr<Conn> c(new Conn(std::move(*s)));
  std::string wire;
  size_t n = 0;
  if (!url.password.empty()) {
    if (url.user.empty())
      append_command(wire, {"AUTH", url.password});
    else
      append_command(wire, {"AUTH", url.user, url.password});
    ++n;
  }
  if (url.db != 0) {
    append_command(wire, {"SELECT", std::to_string(url.db)});
    ++n;
  }
  if (n == 0) return c;
  auto r = c->exchange(wire, n, d);
  if (!r) return fail(r.error());
  for (const Reply& rep : *r)
    if (rep.is_error())  // the server's words, which never hold the password
      return fail(io_error("refused the connection: " + rep.str.substr(0, 200)));
  return c;
}

Result<void> Conn::read_replies(size_t n, std::vector<Reply>* into, net::Deadline d) {
  char buf[16384];
  Reply r;
  while (n > 0) {
    int got = reader_.next(r);
    if (got < 0) return fail(io_error("protocol error"));
    if (got == 1) {
      if (into) into->push_back(std::move(r));
      --n;
      continue;
    }
    int err = 0;
    ssize_t k = sock_.read_some(buf, sizeof buf, d, err);
    if (k == 0) return fail(io_error("connection closed"));
    if (k < 0) return fail(io_error(err == ETIMEDOUT ? "timed out" : std::strerror(err)));
    if (!reader_.feed(buf, static_cast<size_t>(k))) return fail(io_error("protocol error"));
  }
  return {};
}

Result<std::vector<Reply>> Conn::exchange(std::string_view wire, size_t n, net::Deadline d,
                                          std::vector<Reply>* owed) {
  int err = 0;
  if (!sock_.write_all(wire, d, err))
    return fail(io_error(err == ETIMEDOUT ? "timed out" : std::strerror(err)));
  if (auto r = drain(d, owed); !r) return fail(r.error());
  std::vector<Reply> out;
  out.reserve(n);
  if (auto r = read_replies(n, &out, d); !r) return fail(r.error());
  return out;
}

bool Conn::send_only(std::string_view wire, size_t n, net::Deadline d) {
  int err = 0;
  if (!sock_.write_all(wire, d, err)) return false;
  owed_ += n;
  return true;
}

Result<void> Conn::drain(net::Deadline d, std::vector<Reply>* owed) {
  if (owed_ == 0) return {};
  if (owed) owed->reserve(owed->size() + owed_);
  if (auto r = read_replies(owed_, owed, d); !r) return fail(r.error());
  owed_ = 0;
  return {};
}

bool Conn::poll_owed(std::vector<Reply>* owed) {
  char buf[16384];
  Reply r;
  for (;;) {
    while (owed_ > 0) {
      int got = reader_.next(r);
      if (got < 0) return false;
      if (got == 0) break;
      if (owed) owed->push_back(std::move(r));
      --owed_;
    }
    if (owed_ == 0) return true;
    // The socket is non-blocking. Stopping short of EAGAIN loses nothing: bytes left behind
    // keep the socket on epoll's ready list, so the next poll reports them to read_some.
    ssize_t k = ::recv(sock_.fd(), buf, sizeof buf, MSG_DONTWAIT);
    if (k > 0) {
      if (!reader_.feed(buf, static_cast<size_t>(k))) return false;
      continue;
    }
    if (k < 0 && errno == EINTR) continue;
    return k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // else closed or failed
  }
}

}  // namespace gw::gateway::redis
