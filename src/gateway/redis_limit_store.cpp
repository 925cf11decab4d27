#include "gateway/redis_limit_store.hpp"

#include <chrono>
#include <cstdio>
#include <random>
#include <utility>

namespace gw::gateway {
namespace {

using redis::Reply;

constexpr size_t kIdlePerThread = 64;     // connections kept per loop thread
constexpr size_t kMaxPending = 32;        // settlements in flight on one connection
constexpr int64_t kFirstBackoffMs = 200;  // after an outage is noticed
constexpr int64_t kMaxBackoffMs = 5'000;  // between reconnection probes

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string random_instance() {
  std::random_device rd;
  char buf[20];
  std::snprintf(buf, sizeof buf, "%08x%08x", rd(), rd());
  return buf;
}

bool asks_anything(const Ask& a) {
  return !a.requests.empty() || !a.tokens.empty() || !a.parallel.empty() || !a.budgets.empty();
}

Error unavailable(std::string why) {
  return Error::make(503, "server_error", "limit_store_unavailable", std::move(why));
}

}  // namespace

RedisLimitStore::RedisLimitStore(Options o) : o_(std::move(o)), instance_(random_instance()) {}
RedisLimitStore::~RedisLimitStore() = default;

void RedisLimitStore::went_down(const std::string& why) {
  // A failed probe while down changes nothing: may_try already put the next one further off.
  if (!up_.exchange(false)) return;
  backoff_ms_ = kFirstBackoffMs;
  next_probe_ms_ = wall_ms() + kFirstBackoffMs;
  if (o_.log)  // once per outage, by the request that noticed it
    o_.log("limit store " + o_.shown_url + " unreachable (" + why + "): " +
           (o_.fail_closed ? "refusing limited requests with 503 (redis_failure = fail_closed)"
                           : "using this instance's own counts (redis_failure = fail_open)") +
           " until it is back");
}

void RedisLimitStore::came_up() {
  if (!up_.exchange(true) && o_.log)
    o_.log("limit store " + o_.shown_url + " reachable again: limits are shared again");
}

bool RedisLimitStore::may_try(int64_t now) {
  if (up_.load(std::memory_order_relaxed)) return true;
  // Down: one request a backoff period probes; the others do not wait for Redis at all.
  int64_t at = next_probe_ms_.load();
  if (now < at) return false;
  int64_t b = std::min(kMaxBackoffMs, backoff_ms_.load() * 2);
  if (!next_probe_ms_.compare_exchange_strong(at, now + b)) return false;
  backoff_ms_ = b;
  return true;
}

Result<RedisLimitStore::Pooled> RedisLimitStore::take(bool idle_only) {
  for (;;) {
    Pooled p;
    {
      std::lock_guard lk(pool_mu_);
      auto it = idle_.find(std::this_thread::get_id());
      if (it == idle_.end() || it->second.empty()) break;
      p = std::move(it->second.back());
      it->second.pop_back();
    }
    if (p.conn->owed() > 0) {
      // Its settlements' replies: the ones there already are read (without waiting); a
      // connection the server closed meanwhile (Redis restarted) is dropped, its settlements lost.
      std::vector<Reply> owed;
      bool alive = p.conn->poll_owed(&owed);
      if (!check_pending(p, owed, !alive)) continue;
    }
    if (p.conn->usable()) return p;
  }
  if (idle_only) return fail(unavailable("no idle connection"));
  // A connect gets half the command timeout (50 ms of the default 100).
  auto d = net::deadline_in(static_cast<double>(o_.timeout_ms) / 2000.0);
  auto c = redis::Conn::open(o_.url, d);
  if (!c) return fail(c.error());
  Pooled p{std::move(*c), {}, {}, {}};
  std::string wire;
  redis::append_command(wire, {"SCRIPT", "LOAD", kRedisAdmitScript});
  redis::append_command(wire, {"SCRIPT", "LOAD", kRedisSettleScript});
  auto r = p.conn->exchange(wire, 2, net::deadline_in(static_cast<double>(o_.timeout_ms) / 1000.0));
  if (!r) return fail(r.error());
  if ((*r)[0].is_error() || (*r)[1].is_error())
    return fail(unavailable("redis: SCRIPT LOAD refused: " + (*r)[0].str.substr(0, 200)));
  p.admit_sha = (*r)[0].str;
  p.settle_sha = (*r)[1].str;
  return p;
}

void RedisLimitStore::give_back(Pooled p) {
  std::lock_guard lk(pool_mu_);
  auto& v = idle_[std::this_thread::get_id()];
  // One with settlements in flight is kept even beyond the cap: closing it with their replies
  // unread could reset the connection before Redis has run them.
  if (v.size() < kIdlePerThread || !p.pending.empty()) v.push_back(std::move(p));
}

void RedisLimitStore::lost(const Pending& s) {
  if (s.cost_usd <= 0) return;
  Ask a;
  a.scopes = s.scopes;
  local_.settle(a, false, 0, s.cost_usd, s.now_ms);
}

bool RedisLimitStore::check_pending(Pooled& p, std::vector<Reply>& owed, bool broken) {
  std::vector<Pending> again;
  size_t i = 0;
  for (; i < owed.size() && i < p.pending.size(); ++i) {
    Pending& s = p.pending[i];
    if (!owed[i].is_error()) continue;
    if (!broken && !s.by_text && owed[i].str.starts_with("NOSCRIPT"))
      again.push_back(std::move(s));  // the server lost its scripts (SCRIPT FLUSH)
    else
      lost(s);  // the script failed: nothing of it was applied
  }
  if (broken) {
    for (; i < p.pending.size(); ++i) lost(p.pending[i]);  // no reply: the connection broke
    p.pending.clear();
  } else {  // the rest still have their replies to come (poll_owed reads what is there)
    p.pending.erase(p.pending.begin(), p.pending.begin() + static_cast<std::ptrdiff_t>(i));
  }
  owed.clear();
  bool ok = !broken;
  for (Pending& s : again) {
    // EVAL with the text caches it again; its reply is read like any other pending one's.
    std::string wire;
    redis::append_command(wire, redis_eval_args(kRedisSettleScript, false, s.call));
    s.by_text = true;
    if (ok &&
        p.conn->send_only(wire, 1, net::deadline_in(static_cast<double>(o_.timeout_ms) / 1000.0))) {
      p.pending.push_back(std::move(s));
    } else {
      ok = false;
      lost(s);
    }
  }
  return ok;
}

Result<std::vector<Reply>> RedisLimitStore::exchange(Pooled& p, std::string_view wire, size_t n,
                                                     net::Deadline d) {
  std::vector<Reply> owed;
  auto r = p.conn->exchange(wire, n, d, &owed);
  if (!check_pending(p, owed, !r) && r) return fail(unavailable("redis: send failed"));
  return r;
}

Result<Reply> RedisLimitStore::run_admit(const ScriptCall& call) {
  if (!may_try(wall_ms())) return fail(unavailable("redis is down"));
  if (seeds_pending_.load(std::memory_order_relaxed)) flush_seeds();
  auto p = take();
  if (!p) {
    went_down(p.error().message);
    return fail(p.error());
  }
  std::string wire;
  redis::append_command(wire, redis_eval_args(p->admit_sha, true, call));
  const auto d = net::deadline_in(static_cast<double>(o_.timeout_ms) / 1000.0);
  auto r = exchange(*p, wire, 1, d);
  if (!r) {
    went_down(r.error().message);
    return fail(r.error());
  }
  Reply reply = std::move((*r)[0]);
  if (reply.is_error() && reply.str.starts_with("NOSCRIPT")) {
    // The server lost its scripts (SCRIPT FLUSH): EVAL sends the text and caches it again,
    // and the settle script is loaded again beside it, so that settlements, which are sent
    // without waiting, find it.
    wire.clear();
    redis::append_command(wire, redis_eval_args(kRedisAdmitScript, false, call));
    redis::append_command(wire, {"SCRIPT", "LOAD", kRedisSettleScript});
    r = exchange(*p, wire, 2, d);
    if (!r) {
      went_down(r.error().message);
      return fail(r.error());
    }
    reply = std::move((*r)[0]);
  }
  give_back(std::move(*p));
  came_up();
  if (reply.is_error()) return fail(unavailable("redis: " + reply.str.substr(0, 200)));
  return reply;
}

void RedisLimitStore::send_settle(Pending s) {
  // While Redis is down only admissions probe it: a settlement learns nothing from success
  // (it does not wait for the reply), so it must not use up a probe.
  if (!up_.load(std::memory_order_relaxed)) return lost(s);
  // A fiber whose client hung up has every wait cut short: it can use an idle connection
  // only, and a failure then says nothing about Redis.
  const bool hung_up = net::client_hung_up();
  auto p = take(hung_up);
  if (!p) {
    if (!hung_up) went_down(p.error().message);
    return lost(s);
  }
  std::string wire;
  redis::append_command(wire, redis_eval_args(p->settle_sha, true, s.call));
  const auto d = net::deadline_in(hung_up ? 0.0 : static_cast<double>(o_.timeout_ms) / 1000.0);
  if (!p->conn->send_only(wire, 1, d)) {
    std::vector<Reply> none;
    check_pending(*p, none, true);  // the connection is dropped with what it had in flight
    if (!hung_up) went_down("redis: send failed");
    return lost(s);
  }
  p->pending.push_back(std::move(s));
  if (p->pending.size() >= kMaxPending && !hung_up) {
    // Rare (a connection only settling, never admitting): read the replies now.
    std::vector<Reply> owed;
    auto r = p->conn->drain(d, &owed);
    if (!check_pending(*p, owed, !r)) {
      if (!r) went_down(r.error().message);
      return;
    }
  }
  give_back(std::move(*p));
}

Result<std::vector<Reply>> RedisLimitStore::command(const std::string& wire, size_t n) {
  if (!may_try(wall_ms())) return fail(unavailable("redis is down"));
  auto p = take();
  if (!p) {
    went_down(p.error().message);
    return fail(p.error());
  }
  // Seeds may be many: a generous deadline (this runs at start, off the request path).
  auto r = exchange(*p, wire, n, net::deadline_in(static_cast<double>(o_.timeout_ms) / 100.0));
  if (!r) {
    went_down(r.error().message);
    return fail(r.error());
  }
  give_back(std::move(*p));
  came_up();
  return r;
}

void RedisLimitStore::seed(const std::string& scope, const store::SpendTotals& spent,
                           int64_t now_ms) {
  local_.seed(scope, spent, now_ms);
  std::lock_guard lk(seed_mu_);
  auto add = [&](Period p, double usd) {
    if (usd <= 0) return;
    std::vector<std::string> a = {"SET", redis_spend_key(scope, p, now_ms), redis_usd(usd), "NX"};
    if (int64_t ttl = redis_spend_ttl_ms(p, now_ms); ttl > 0) {
      a.emplace_back("PX");
      a.push_back(std::to_string(ttl));
    }
    redis::append_command(seed_wire_, a);
    ++seed_count_;
  };
  add(Period::kDay, spent.day);
  add(Period::kMonth, spent.month);
  add(Period::kTotal, spent.total);
  seeds_pending_ = seed_count_ > 0;
}

bool RedisLimitStore::flush_seeds() {
  // One caller at a time, and no lock held while it waits: another fiber of the same loop
  // thread would block the whole thread on it.
  if (!seeds_pending_.exchange(false)) return true;
  std::string wire;
  size_t n = 0;
  {
    std::lock_guard lk(seed_mu_);
    wire.swap(seed_wire_);
    n = std::exchange(seed_count_, 0);
  }
  if (n == 0) return true;
  // SET NX: the first instance to start puts the ledger's spend there; a later one (or this
  // one after a reconnect) finds the key and leaves the shared figure alone.
  if (command(wire, n)) return true;
  std::lock_guard lk(seed_mu_);
  seed_wire_.insert(0, wire);
  seed_count_ += n;
  seeds_pending_ = true;
  return false;
}

Verdict RedisLimitStore::admit(const Ask& ask) {
  if (!asks_anything(ask)) return {};  // only an allow-list: nothing to count
  char lease[48];
  std::snprintf(lease, sizeof lease, "%s:%llx", instance_.c_str(),
                static_cast<unsigned long long>(ask.lease));
  auto r = run_admit(redis_admit_call(ask, lease, o_.lease_ms));
  if (r) {
    auto v = redis_parse_admit(*r, ask);
    if (v) return *v;
  }
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  if (o_.fail_closed) {
    Verdict v;
    v.kind = Verdict::Kind::kUnavailable;
    v.retry_after_ms = std::max<int64_t>(1000, next_probe_ms_.load() - wall_ms());
    return v;
  }
  Verdict v = local_.admit(ask);
  v.local = true;
  return v;
}

void RedisLimitStore::settle(const Ask& ask, bool admitted, int64_t token_delta, double cost_usd,
                             int64_t now_ms) {
  if (!admitted && cost_usd <= 0) return;
  if (ask.local) return local_.settle(ask, admitted, token_delta, cost_usd, now_ms);
  // Request buckets are not corrected: with no slot, reservation, token correction or cost,
  // the script would change nothing.
  if (cost_usd <= 0 && ask.parallel.empty() && ask.budgets.empty() &&
      (ask.tokens.empty() || token_delta == 0))
    return;
  char lease[48];
  std::snprintf(lease, sizeof lease, "%s:%llx", instance_.c_str(),
                static_cast<unsigned long long>(ask.lease));
  // Sent without waiting for the reply: the answer goes out while Redis runs it.
  Pending s;
  s.call = redis_settle_call(ask, lease, admitted, token_delta, cost_usd, now_ms);
  s.scopes = ask.scopes;
  s.cost_usd = cost_usd;
  s.now_ms = now_ms;
  send_settle(std::move(s));
}

double RedisLimitStore::used(std::string_view scope, Period period, int64_t now_ms) {
  std::string wire;
  redis::append_command(wire, {"GET", redis_spend_key(scope, period, now_ms)});
  redis::append_command(wire,
                        {"ZRANGEBYSCORE", redis_key('b', scope), std::to_string(now_ms), "+inf"});
  auto r = command(wire, 2);
  if (!r) return local_.used(scope, period, now_ms);
  double used =
      (*r)[0].type == Reply::Type::kString ? std::strtod((*r)[0].str.c_str(), nullptr) : 0;
  for (const Reply& m : (*r)[1].elements)
    if (auto bar = m.str.find('|'); bar != std::string::npos)
      used += std::strtod(m.str.c_str() + bar + 1, nullptr);
  return used;
}

LimitStore::Health RedisLimitStore::health() const {
  return {true, up_.load(), fallbacks_.load()};
}

}  // namespace gw::gateway
