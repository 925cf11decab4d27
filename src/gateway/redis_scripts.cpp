// The pure half of the Redis limit store: key names, the two Lua scripts, their arguments and
// the admit script's answer. No I/O, so the unit tests cover all of it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "gateway/redis_limit_store.hpp"

namespace gw::gateway {
namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxPlainName = 64;

bool safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '@' || c == '+' || c == '=';
}

// FNV-1a, twice with different offsets: 128 bits, the same on every instance and build (a
// scope must name the same key everywhere; std::hash need not).
uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string i64(int64_t v) {
  return std::to_string(v);
}

// Levels come back as Lua's tostring of a number ("99.5", "1e+15").
double num(const redis::Reply& r) {
  if (r.type == redis::Reply::Type::kInteger) return static_cast<double>(r.integer);
  return std::strtod(r.str.c_str(), nullptr);
}

}  // namespace

std::string redis_key_scope(std::string_view scope) {
  // "k:…", "u:…", "t:…"; anything else (none is made today) is hashed whole under "x:".
  const bool typed = scope.size() >= 2 && scope[1] == ':' && safe_char(scope[0]);
  const std::string_view kind = typed ? scope.substr(0, 2) : std::string_view("x:");
  const std::string_view name = typed ? scope.substr(2) : scope;
  if (typed && !name.empty() && name.size() <= kMaxPlainName &&
      std::all_of(name.begin(), name.end(), safe_char))
    return std::string(scope);
  char hex[40];
  std::snprintf(hex, sizeof hex, "#%016llx%016llx",
                static_cast<unsigned long long>(fnv1a(name, 0xcbf29ce484222325ULL)),
                static_cast<unsigned long long>(fnv1a(name, 0x84222325cbf29ce4ULL)));
  return std::string(kind) + hex;
}

std::string redis_key(char kind, std::string_view scope) {
  std::string k = "gw:";
  k += kind;
  k += ':';
  k += redis_key_scope(scope);
  return k;
}

std::string redis_spend_key(std::string_view scope, Period period, int64_t now_ms) {
  std::string k = redis_key('s', scope);
  if (period == Period::kTotal) return k + ":total";
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];  // room for any int the compiler cannot rule out
  if (period == Period::kDay)
    std::snprintf(buf, sizeof buf, ":d:%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  else
    std::snprintf(buf, sizeof buf, ":m:%04d%02d", tm.tm_year + 1900, tm.tm_mon + 1);
  return k + buf;
}

int64_t redis_spend_ttl_ms(Period period, int64_t now_ms) {
  if (period == Period::kTotal) return 0;
  return store::period_end_ms(period_name(period), now_ms) - now_ms + kDayMs;
}

std::string redis_usd(double usd) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.12f", usd);
  return buf;
}

// ARGV: now, lease, expiry, then the counts of request, token, parallel and budget asks, then
// each request and token ask (per minute, amount), each parallel ask (max), each budget
// (budget usd, reserve usd). KEYS: the buckets, the slot sets, then per budget its spend key
// and its reservation set. Answers {0, 0, "0", "0", level after...} when admitted, else
// {kind, index, level, used usd} (kinds as Verdict::Kind: 1 requests, 2 tokens, 3 too large,
// 4 parallel, 5 budget). Levels go back as strings: Redis would cut numbers to integers.
const char* const kRedisAdmitScript = R"lua(
local now, lease, expiry = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local nreq, ntok = tonumber(ARGV[4]), tonumber(ARGV[5])
local npar, nbud = tonumber(ARGV[6]), tonumber(ARGV[7])
local a, k = 8, 1
local rates = {}
for i = 1, nreq + ntok do
  local pm, amt = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local v = redis.call('HMGET', KEYS[k], 'l', 't')
  local level, at = tonumber(v[1]), tonumber(v[2])
  if level == nil or at == nil then
    level, at = pm, now
  elseif now > at then
    level, at = level + (now - at) * pm / 60000, now
  end
  if level > pm then level = pm end
  rates[i] = {KEYS[k], pm, amt, level, at}
  k = k + 1
  local tok = i > nreq
  local never = tok and amt > pm
  if never or level < amt then
    local kind, idx = 1, i - 1
    if tok then
      idx = i - nreq - 1
      if never then kind = 3 else kind = 2 end
    end
    return {kind, idx, tostring(level), '0'}
  end
end
local slots = {}
for i = 1, npar do
  local max = tonumber(ARGV[a])
  a = a + 1
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now)
  if redis.call('ZCARD', KEYS[k]) >= max then return {4, i - 1, '0', '0'} end
  slots[i] = KEYS[k]
  k = k + 1
end
local holds = {}
for i = 1, nbud do
  local budget, reserve = tonumber(ARGV[a]), ARGV[a + 1]
  a = a + 2
  local spend, held = KEYS[k], KEYS[k + 1]
  k = k + 2
  redis.call('ZREMRANGEBYSCORE', held, '-inf', now)
  local used = tonumber(redis.call('GET', spend) or '0') or 0
  for _, m in ipairs(redis.call('ZRANGE', held, 0, -1)) do
    local bar = string.find(m, '|', 1, true)
    if bar then used = used + (tonumber(string.sub(m, bar + 1)) or 0) end
  end
  if used + tonumber(reserve) > budget + 1e-9 then return {5, i - 1, '0', tostring(used)} end
  holds[i] = {held, reserve}
end
local out = {0, 0, '0', '0'}
for i = 1, nreq + ntok do
  local r = rates[i]
  local level = r[4] - r[3]
  redis.call('HSET', r[1], 'l', tostring(level), 't', tostring(r[5]))
  redis.call('PEXPIRE', r[1], math.max(math.ceil((r[2] - level) * 60000 / r[2]) + 1000, 61000))
  out[#out + 1] = tostring(level)
end
for i = 1, npar do
  redis.call('ZADD', slots[i], expiry, lease)
  redis.call('PEXPIRE', slots[i], expiry - now + 60000)
end
for i = 1, nbud do
  redis.call('ZADD', holds[i][1], expiry, lease .. '|' .. holds[i][2])
  redis.call('PEXPIRE', holds[i][1], expiry - now + 60000)
end
return out
)lua";

// ARGV: now, lease, admitted (1/0), token delta, cost, day and month key lives, the counts of
// token asks, parallel asks, budgets and scopes, then each token ask's per minute and each
// budget's reserve. KEYS: the token buckets, the slot sets, the reservation sets, then per
// scope its day, month and total spend keys.
const char* const kRedisSettleScript = R"lua(
local now, lease, admitted = tonumber(ARGV[1]), ARGV[2], ARGV[3] == '1'
local delta, cost = tonumber(ARGV[4]), ARGV[5]
local lives = {tonumber(ARGV[6]), tonumber(ARGV[7])}
local ntok, npar = tonumber(ARGV[8]), tonumber(ARGV[9])
local nbud, nsc = tonumber(ARGV[10]), tonumber(ARGV[11])
local a, k = 12, 1
if admitted then
  for i = 1, ntok do
    local pm = tonumber(ARGV[a])
    a = a + 1
    if delta ~= 0 then
      local v = redis.call('HMGET', KEYS[k], 'l', 't')
      local level, at = tonumber(v[1]), tonumber(v[2])
      if level == nil or at == nil then
        level, at = pm, now
      elseif now > at then
        level, at = level + (now - at) * pm / 60000, now
      end
      level = math.min(math.min(level, pm) - delta, pm)
      redis.call('HSET', KEYS[k], 'l', tostring(level), 't', tostring(at))
      redis.call('PEXPIRE', KEYS[k], math.max(math.ceil((pm - level) * 60000 / pm) + 1000, 61000))
    end
    k = k + 1
  end
  for i = 1, npar do
    redis.call('ZREM', KEYS[k], lease)
    k = k + 1
  end
  for i = 1, nbud do
    redis.call('ZREM', KEYS[k], lease .. '|' .. ARGV[a])
    a = a + 1
    k = k + 1
  end
else
  k = k + ntok + npar + nbud
end
if tonumber(cost) > 0 then
  for i = 1, nsc do
    for j = 0, 2 do
      redis.call('INCRBYFLOAT', KEYS[k + j], cost)
      if j < 2 and redis.call('PTTL', KEYS[k + j]) < 0 then
        redis.call('PEXPIRE', KEYS[k + j], lives[j + 1])
      end
    end
    k = k + 3
  end
end
return 1
)lua";

ScriptCall redis_admit_call(const Ask& ask, std::string_view lease, int64_t lease_ms) {
  ScriptCall c;
  c.args = {i64(ask.now_ms),
            std::string(lease),
            i64(ask.now_ms + lease_ms),
            i64(static_cast<int64_t>(ask.requests.size())),
            i64(static_cast<int64_t>(ask.tokens.size())),
            i64(static_cast<int64_t>(ask.parallel.size())),
            i64(static_cast<int64_t>(ask.budgets.size()))};
  for (const RateAsk& r : ask.requests) {
    c.keys.push_back(redis_key('r', ask.scope_of(r.scope)));
    c.args.push_back(i64(r.per_minute));
    c.args.push_back(i64(r.amount));
  }
  for (const RateAsk& r : ask.tokens) {
    c.keys.push_back(redis_key('t', ask.scope_of(r.scope)));
    c.args.push_back(i64(r.per_minute));
    c.args.push_back(i64(r.amount));
  }
  for (const ParallelAsk& p : ask.parallel) {
    c.keys.push_back(redis_key('p', ask.scope_of(p.scope)));
    c.args.push_back(i64(p.max));
  }
  for (const BudgetAsk& b : ask.budgets) {
    c.keys.push_back(redis_spend_key(ask.scope_of(b.scope), b.period, ask.now_ms));
    c.keys.push_back(redis_key('b', ask.scope_of(b.scope)));
    c.args.push_back(redis_usd(b.budget_usd));
    c.args.push_back(redis_usd(b.reserve_usd));
  }
  return c;
}

ScriptCall redis_settle_call(const Ask& ask, std::string_view lease, bool admitted,
                             int64_t token_delta, double cost_usd, int64_t now_ms) {
  ScriptCall c;
  c.args = {i64(now_ms),
            std::string(lease),
            admitted ? "1" : "0",
            i64(token_delta),
            redis_usd(std::max(0.0, cost_usd)),
            i64(redis_spend_ttl_ms(Period::kDay, now_ms)),
            i64(redis_spend_ttl_ms(Period::kMonth, now_ms)),
            i64(static_cast<int64_t>(ask.tokens.size())),
            i64(static_cast<int64_t>(ask.parallel.size())),
            i64(static_cast<int64_t>(ask.budgets.size())),
            i64(static_cast<int64_t>(ask.scopes.size()))};
  for (const RateAsk& r : ask.tokens) {
    c.keys.push_back(redis_key('t', ask.scope_of(r.scope)));
    c.args.push_back(i64(r.per_minute));
  }
  for (const ParallelAsk& p : ask.parallel) c.keys.push_back(redis_key('p', ask.scope_of(p.scope)));
  for (const BudgetAsk& b : ask.budgets) {
    c.keys.push_back(redis_key('b', ask.scope_of(b.scope)));
    c.args.push_back(redis_usd(b.reserve_usd));
  }
  for (const std::string& s : ask.scopes)
    for (Period p : {Period::kDay, Period::kMonth, Period::kTotal})
      c.keys.push_back(redis_spend_key(s, p, now_ms));
  return c;
}

std::vector<std::string> redis_eval_args(std::string_view script_or_sha, bool by_sha,
                                         const ScriptCall& call) {
  std::vector<std::string> a;
  a.reserve(3 + call.keys.size() + call.args.size());
  a.emplace_back(by_sha ? "EVALSHA" : "EVAL");
  a.emplace_back(script_or_sha);
  a.push_back(std::to_string(call.keys.size()));
  a.insert(a.end(), call.keys.begin(), call.keys.end());
  a.insert(a.end(), call.args.begin(), call.args.end());
  return a;
}

Result<Verdict> redis_parse_admit(const redis::Reply& reply, const Ask& ask) {
  auto bad = [] { return fail(Error::internal("redis: unexpected answer from the admit script")); };
  if (reply.type != redis::Reply::Type::kArray || reply.elements.size() < 4) return bad();
  const auto& e = reply.elements;
  if (e[0].type != redis::Reply::Type::kInteger || e[1].type != redis::Reply::Type::kInteger)
    return bad();
  const int64_t kind = e[0].integer;
  const auto index = static_cast<size_t>(std::max<int64_t>(0, e[1].integer));
  Verdict v;
  using K = Verdict::Kind;
  if (kind == 0) {
    if (e.size() != 4 + ask.requests.size() + ask.tokens.size()) return bad();
    size_t at = 4;
    for (const RateAsk& r : ask.requests)
      keep_tightest(v.requests, rate_view(num(e[at++]), r.per_minute));
    for (const RateAsk& r : ask.tokens)
      keep_tightest(v.tokens, rate_view(num(e[at++]), r.per_minute));
    return v;
  }
  v.index = index;
  const double level = num(e[2]);
  switch (kind) {
    case 1:
    case 2:
    case 3: {
      const auto& list = kind == 1 ? ask.requests : ask.tokens;
      if (index >= list.size()) return bad();
      const RateAsk& r = list[index];
      v.kind = kind == 1 ? K::kRequests : kind == 2 ? K::kTokens : K::kTooLarge;
      if (kind != 3)
        v.retry_after_ms = refill_ms(static_cast<double>(r.amount) - level, r.per_minute);
      (kind == 1 ? v.requests : v.tokens) = rate_view(level, r.per_minute);
      return v;
    }
    case 4:
      if (index >= ask.parallel.size()) return bad();
      v.kind = K::kParallel;
      return v;
    case 5: {
      if (index >= ask.budgets.size()) return bad();
      const BudgetAsk& b = ask.budgets[index];
      v.kind = K::kBudget;
      v.used_usd = num(e[3]);
      if (b.period != Period::kTotal)
        v.retry_after_ms = store::period_end_ms(period_name(b.period), ask.now_ms) - ask.now_ms;
      return v;
    }
    default:
      return bad();
  }
}

}  // namespace gw::gateway
