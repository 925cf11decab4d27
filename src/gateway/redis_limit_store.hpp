// The limit store shared by several gw instances ([limits] redis): the same two calls as
// MemoryLimitStore (limit_store.hpp), each one atomic Lua script in one round trip to Redis.
//
// In Redis, per scope (a key, user or tenant; `S` its encoded name, see redis_key_scope):
//   gw:r:S, gw:t:S      token buckets of requests and tokens: a hash {l = level, t = at ms},
//                       expiring once it would be full again (a missing bucket is full)
//   gw:p:S              parallel slots: a sorted set of lease ids scored by their expiry
//   gw:b:S              budget reservations: a sorted set of "lease|usd" scored by expiry
//   gw:s:S:d:YYYYMMDD   spend today, this month (gw:s:S:m:YYYYMM) and ever (gw:s:S:total)
// A slot or reservation whose instance died (kill -9) is dropped by the next script run past
// its expiry ([limits] redis_lease_ms), so nothing is held forever. Spend is seeded from the
// ledger with SET NX: the first instance to start sets it, later ones find it there.
//
// When Redis cannot be reached within [limits] redis_timeout_ms, fail_open admits from an
// in-memory store (as one gw would) and fail_closed refuses with a 503; the outage is logged
// once, and reconnecting is retried with a backoff by one request at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/limit_store.hpp"
#include "gateway/redis_client.hpp"

namespace gw::gateway {

// ---- The pure parts (redis_scripts.cpp), unit-tested ----

// A scope ("u:alice") as a key part: kept as it is when short and of safe characters,
// else "u:#<32 hex digits>" (a client names its user: no spaces, braces or control bytes
// reach Redis, and keys stay bounded).
std::string redis_key_scope(std::string_view scope);
// "gw:<kind>:<scope>", kind r (requests), t (tokens), p (parallel), b (reservations).
std::string redis_key(char kind, std::string_view scope);
// The spend key of a scope for the period holding now_ms.
std::string redis_spend_key(std::string_view scope, Period period, int64_t now_ms);
// How long a spend key of `period` must live from now_ms (the period, and a day to spare).
int64_t redis_spend_ttl_ms(Period period, int64_t now_ms);
// Dollars as the scripts exchange them (fixed point, so a member "lease|usd" is the same text
// at admission and settlement).
std::string redis_usd(double usd);

// One script run: its keys and arguments.
struct ScriptCall {
  std::vector<std::string> keys, args;
};
ScriptCall redis_admit_call(const Ask& ask, std::string_view lease, int64_t lease_ms);
ScriptCall redis_settle_call(const Ask& ask, std::string_view lease, bool admitted,
                             int64_t token_delta, double cost_usd, int64_t now_ms);
// The command (EVALSHA sha, or EVAL with the script when sha is empty) of a call.
std::vector<std::string> redis_eval_args(std::string_view script_or_sha, bool by_sha,
                                         const ScriptCall& call);
// The admit script's answer as a Verdict (retry hints and header views worked out as the
// in-memory store does); an error when the reply is not the script's.
Result<Verdict> redis_parse_admit(const redis::Reply& reply, const Ask& ask);

extern const char* const kRedisAdmitScript;
extern const char* const kRedisSettleScript;

// ---- The store (redis_limit_store.cpp) ----

class RedisLimitStore : public LimitStore {
 public:
  struct Options {
    config::RedisUrl url;
    std::string shown_url;  // masked, for messages
    bool fail_closed = false;
    int64_t timeout_ms = 100;
    int64_t lease_ms = 600'000;
    std::function<void(const std::string&)> log;  // once per outage and recovery
  };
  explicit RedisLimitStore(Options o);
  ~RedisLimitStore() override;

  // Spend from the ledger: into the in-memory fallback now, and into Redis (SET NX) by
  // flush_seeds, or by the first request that reaches Redis.
  void seed(const std::string& scope, const store::SpendTotals& spent, int64_t now_ms);
  bool flush_seeds();

  Verdict admit(const Ask& ask) override;
  void settle(const Ask& ask, bool admitted, int64_t token_delta, double cost_usd,
              int64_t now_ms) override;
  double used(std::string_view scope, Period period, int64_t now_ms) override;
  Health health() const override;

 private:
  // A settlement written to a connection whose reply has not been read yet: the request's
  // answer does not wait for it. Its reply is read by the connection's next exchange (before
  // that exchange's own, which is in flight meanwhile: no extra round trip), or by a drain.
  struct Pending {
    ScriptCall call;
    Few<std::string, 3> scopes;  // for the fallback's spend if it is lost
    double cost_usd = 0;
    int64_t now_ms = 0;
    bool by_text = false;  // sent as EVAL: the server had lost the script
  };
  struct Pooled {  // a connection, the script ids its server gave, its settlements in flight
    std::unique_ptr<redis::Conn> conn;
    std::string admit_sha, settle_sha;
    std::vector<Pending> pending;  // in the order sent; one owed reply each
  };
  // Runs the admit script, waiting for its answer; an error when Redis is down or failed
  // (marked down then).
  Result<redis::Reply> run_admit(const ScriptCall& call);
  // Writes the settle script and returns without its answer (see Pending).
  void send_settle(Pending s);
  // Plain commands (pipelined), for seeds and used().
  Result<std::vector<redis::Reply>> command(const std::string& wire, size_t n);
  // Conn::exchange, with the replies owed to the connection's pending settlements checked.
  Result<std::vector<redis::Reply>> exchange(Pooled& p, std::string_view wire, size_t n,
                                             net::Deadline d);
  // Matches `owed` (the replies read so far) with p.pending, in order; `broken`: the
  // connection failed, so the rest are lost. A NOSCRIPT is sent again as EVAL. False when
  // the connection is no longer usable.
  bool check_pending(Pooled& p, std::vector<redis::Reply>& owed, bool broken);
  // A settlement that did not reach Redis: its slots and reservations expire with their
  // lease; its spend is at least counted in the fallback.
  void lost(const Pending& s);
  Result<Pooled> take(bool idle_only = false);
  void give_back(Pooled p);
  bool may_try(int64_t now_ms);  // up, or this caller probes after the backoff
  void went_down(const std::string& why);
  void came_up();

  const Options o_;
  const std::string instance_;  // random: lease ids of different instances never collide
  MemoryLimitStore local_;      // fail_open's fallback (seeded from the ledger too)

  std::mutex pool_mu_;
  std::unordered_map<std::thread::id, std::vector<Pooled>> idle_;  // per loop thread

  std::atomic<bool> up_{true};
  std::atomic<int64_t> next_probe_ms_{0};
  std::atomic<int64_t> backoff_ms_{0};
  std::atomic<uint64_t> fallbacks_{0};

  std::mutex seed_mu_;
  std::string seed_wire_;
  size_t seed_count_ = 0;
  std::atomic<bool> seeds_pending_{false};
};

}  // namespace gw::gateway
