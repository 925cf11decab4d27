// The pure parts of the Redis limit store: the URL (and its password kept out of every
// message), [limits] redis* in the config and gw config show, key names, the scripts'
// arguments, the RESP framing and the admit script's answer. The scripts themselves run
// against a real redis-server in tests/reliability/scaleout_redis.test.mjs.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/config.hpp"
#include "gateway/context.hpp"
#include "gateway/limits.hpp"
#include "gateway/redis_client.hpp"
#include "gateway/redis_limit_store.hpp"

namespace {

using namespace gw::gateway;
using gw::config::mask_redis_url;
using gw::config::parse_redis_url;
using redis::Reply;

constexpr int64_t kT0 = 1'765'000'000'000;  // 2025-12-06T05:46:40Z

Reply integer(int64_t v) {
  Reply r;
  r.type = Reply::Type::kInteger;
  r.integer = v;
  return r;
}
Reply string(std::string s) {
  Reply r;
  r.type = Reply::Type::kString;
  r.str = std::move(s);
  return r;
}
Reply array(std::vector<Reply> e) {
  Reply r;
  r.type = Reply::Type::kArray;
  r.elements = std::move(e);
  return r;
}

Ask ask_of(std::initializer_list<const char*> scopes) {
  Ask a;
  a.now_ms = kT0;
  for (const char* s : scopes) a.scopes.push_back(s);
  return a;
}

}  // namespace

TEST_CASE("redis URLs: host, port, database, user and password") {
  auto u = parse_redis_url("redis://cache.internal");
  REQUIRE(u);
  CHECK(u->host == "cache.internal");
  CHECK(u->port == 6379);
  CHECK(u->db == 0);
  CHECK(u->password.empty());

  u = parse_redis_url("redis://:s3cret@127.0.0.1:6380/2");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 6380);
  CHECK(u->db == 2);
  CHECK(u->user.empty());
  CHECK(u->password == "s3cret");

  u = parse_redis_url("redis://gw:p%40ss%3Aword@[::1]:7000");  // ACL user; '@' and ':' escaped
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 7000);
  CHECK(u->user == "gw");
  CHECK(u->password == "p@ss:word");

  u = parse_redis_url("redis://a:b@c@host");  // the last '@' ends the credentials
  REQUIRE(u);
  CHECK(u->host == "host");
  CHECK(u->password == "b@c");
}

TEST_CASE("redis URLs: a bad one is refused without showing its password") {
  for (const char* bad :
       {"http://host", "rediss://:topsecret@host", "redis://:topsecret@host:0",
        "redis://:topsecret@host:99999", "redis://:topsecret@host/x", "redis://:topsecret@",
        "redis://:topsecret@[::1", "redis://:topsecret@host:6379/-1"}) {
    auto u = parse_redis_url(bad);
    CHECK_MESSAGE(!u, bad);
    if (!u) CHECK(u.error().message.find("topsecret") == std::string::npos);
  }
}

TEST_CASE("redis URLs are shown with the password masked") {
  CHECK(mask_redis_url("redis://:s3cret@h:6379/1") == "redis://:***@h:6379/1");
  CHECK(mask_redis_url("redis://gw:s3cret@h") == "redis://gw:***@h");
  CHECK(mask_redis_url("redis://s3cret@h") == "redis://***@h");
  CHECK(mask_redis_url("redis://h:6379/0") == "redis://h:6379/0");
  CHECK(mask_redis_url("redis://:a@b@h/0") == "redis://:***@h/0");
}

TEST_CASE("[limits] redis settings: read, checked, shown masked") {
  auto c = gw::config::parse_config(R"(
[limits]
rpm = 100
redis = "redis://:hunter2@127.0.0.1:6390/3"
redis_failure = "fail_closed"
redis_timeout_ms = 250
redis_lease_ms = 2000
)",
                                    "t.toml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
  CHECK(c->limits.rpm == 100);
  CHECK(c->limit_store.redis == "redis://:hunter2@127.0.0.1:6390/3");
  CHECK(c->limit_store.fail_closed);
  CHECK(c->limit_store.timeout_ms == 250);
  CHECK(c->limit_store.lease_ms == 2000);
  std::string shown = gw::config::render_config(*c);
  CHECK(shown.find("hunter2") == std::string::npos);
  CHECK(shown.find("redis = \"redis://:***@127.0.0.1:6390/3\"") != std::string::npos);
  CHECK(shown.find("redis_failure = \"fail_closed\"") != std::string::npos);
  // What gw config show prints is a config gw reads back (the masked URL too).
  auto again = gw::config::parse_config(shown, "shown.toml");
  CHECK_MESSAGE(again, (again ? "" : again.error().message));

  auto defaults = gw::config::parse_config("[limits]\nredis = \"redis://localhost\"\n", "t.toml");
  REQUIRE(defaults);
  CHECK_FALSE(defaults->limit_store.fail_closed);
  CHECK(defaults->limit_store.timeout_ms == 100);
  CHECK(defaults->limit_store.lease_ms == 600'000);
  CHECK(defaults->limits.empty());  // only a store, no policy

  for (const char* bad :
       {"[limits]\nredis = \"http://:hunter2@x\"\n", "[limits]\nredis_failure = \"maybe\"\n",
        "[limits]\nredis_timeout_ms = 0\n", "[limits]\nredis_lease_ms = \"long\"\n",
        "[tenants.acme]\nredis = \"redis://x\"\n"}) {
    auto r = gw::config::parse_config(bad, "t.toml");
    CHECK_MESSAGE(!r, bad);
    if (!r) CHECK(r.error().message.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("redis keys: scopes kept when plain, hashed when not") {
  CHECK(redis_key_scope("k:AbC123") == "k:AbC123");
  CHECK(redis_key_scope("u:alice@example.com") == "u:alice@example.com");
  CHECK(redis_key('r', "u:alice") == "gw:r:u:alice");
  CHECK(redis_key('p', "t:acme") == "gw:p:t:acme");
  // Spaces, braces (cluster hash tags), control bytes and long names become a fixed-size hash.
  for (const std::string& odd : std::vector<std::string>{"u:bob smith", "u:{x}", "u:a\nb",
                                                         "u:" + std::string(65, 'a'), "u:"}) {
    std::string k = redis_key_scope(odd);
    CHECK(k.starts_with("u:#"));
    CHECK(k.size() == 3 + 32);
    CHECK(redis_key_scope(odd) == k);  // the same on every instance
  }
  CHECK(redis_key_scope("u:bob smith") != redis_key_scope("u:bob  smith"));
  CHECK(redis_key_scope("nonsense").starts_with("x:#"));
}

TEST_CASE("redis spend keys name the period") {
  CHECK(redis_spend_key("u:alice", Period::kDay, kT0) == "gw:s:u:alice:d:20251206");
  CHECK(redis_spend_key("u:alice", Period::kMonth, kT0) == "gw:s:u:alice:m:202512");
  CHECK(redis_spend_key("u:alice", Period::kTotal, kT0) == "gw:s:u:alice:total");
  // A day key lives to the end of the day and one more; a month key to the month's end and one.
  CHECK(redis_spend_ttl_ms(Period::kDay, kT0) == 86'400'000 - (kT0 % 86'400'000) + 86'400'000);
  CHECK(redis_spend_ttl_ms(Period::kMonth, kT0) > 25LL * 86'400'000);
  CHECK(redis_spend_ttl_ms(Period::kTotal, kT0) == 0);
  CHECK(redis_usd(0.018) == "0.018000000000");
}

TEST_CASE("the admit script's keys and arguments") {
  Ask a = ask_of({"k:abc", "u:bob"});
  a.requests.push_back({1, 100, 1});
  a.tokens.push_back({0, 5000, 42});
  a.parallel.push_back({0, 3});
  a.budgets.push_back({1, 2.5, Period::kDay, 0.018});
  ScriptCall c = redis_admit_call(a, "inst:7", 2000);
  CHECK(c.keys == std::vector<std::string>{"gw:r:u:bob", "gw:t:k:abc", "gw:p:k:abc",
                                           "gw:s:u:bob:d:20251206", "gw:b:u:bob"});
  CHECK(c.args == std::vector<std::string>{
                      std::to_string(kT0), "inst:7", std::to_string(kT0 + 2000), "1", "1", "1", "1",
                      "100", "1", "5000", "42", "3", "2.500000000000", "0.018000000000"});
  auto cmd = redis_eval_args("abc123", true, c);
  REQUIRE(cmd.size() == 3 + c.keys.size() + c.args.size());
  CHECK(cmd[0] == "EVALSHA");
  CHECK(cmd[1] == "abc123");
  CHECK(cmd[2] == "5");
  CHECK(cmd[3] == "gw:r:u:bob");
  CHECK(redis_eval_args(kRedisAdmitScript, false, c)[0] == "EVAL");
}

TEST_CASE("the settle script's keys and arguments") {
  Ask a = ask_of({"k:abc", "u:bob"});
  a.tokens.push_back({0, 5000, 42});
  a.parallel.push_back({1, 3});
  a.budgets.push_back({1, 2.5, Period::kMonth, 0.018});
  ScriptCall c = redis_settle_call(a, "inst:7", true, -12, 0.015, kT0);
  CHECK(c.keys == std::vector<std::string>{"gw:t:k:abc", "gw:p:u:bob", "gw:b:u:bob",
                                           "gw:s:k:abc:d:20251206", "gw:s:k:abc:m:202512",
                                           "gw:s:k:abc:total", "gw:s:u:bob:d:20251206",
                                           "gw:s:u:bob:m:202512", "gw:s:u:bob:total"});
  REQUIRE(c.args.size() == 11 + 1 + 1);
  CHECK(c.args[1] == "inst:7");
  CHECK(c.args[2] == "1");
  CHECK(c.args[3] == "-12");
  CHECK(c.args[4] == "0.015000000000");
  CHECK(c.args[7] == "1");   // token asks
  CHECK(c.args[8] == "1");   // parallel
  CHECK(c.args[9] == "1");   // budgets
  CHECK(c.args[10] == "2");  // scopes
  CHECK(c.args[11] == "5000");
  CHECK(c.args[12] == "0.018000000000");  // the reservation member is "lease|this"
  CHECK(redis_settle_call(a, "i:1", false, 0, -1, kT0).args[4] == "0.000000000000");
}

TEST_CASE("the admit script's answer: admitted, with the tightest bucket for the headers") {
  Ask a = ask_of({"k:abc", "u:bob"});
  a.requests.push_back({0, 100, 1});
  a.requests.push_back({1, 10, 1});
  a.tokens.push_back({0, 1000, 50});
  auto v = redis_parse_admit(array({integer(0), integer(0), string("0"), string("0"), string("99"),
                                    string("4.5"), string("950")}),
                             a);
  REQUIRE(v);
  CHECK(v->admitted());
  CHECK(v->requests.limit == 10);
  CHECK(v->requests.remaining == 4);
  CHECK(v->requests.reset_ms == 33'000);  // 5.5 of 10 a minute
  CHECK(v->tokens.limit == 1000);
  CHECK(v->tokens.remaining == 950);
  // The wrong number of levels is not the script's answer.
  CHECK_FALSE(redis_parse_admit(array({integer(0), integer(0), string("0"), string("0")}), a));
}

TEST_CASE("the admit script's answer: each refusal") {
  Ask a = ask_of({"u:bob"});
  a.requests.push_back({0, 60, 1});
  a.tokens.push_back({0, 1000, 50});
  a.parallel.push_back({0, 2});
  a.budgets.push_back({0, 1.0, Period::kDay, 0.2});
  auto refused = [&](int64_t kind, int64_t index, const char* level, const char* used) {
    auto v =
        redis_parse_admit(array({integer(kind), integer(index), string(level), string(used)}), a);
    REQUIRE(v);
    return *v;
  };
  Verdict v = refused(1, 0, "0.25", "0");
  CHECK(v.kind == Verdict::Kind::kRequests);
  CHECK(v.retry_after_ms == 750);  // 0.75 of a request at one a second
  CHECK(v.requests.remaining == 0);
  v = refused(2, 0, "10", "0");
  CHECK(v.kind == Verdict::Kind::kTokens);
  CHECK(v.retry_after_ms == 2400);
  v = refused(3, 0, "1000", "0");
  CHECK(v.kind == Verdict::Kind::kTooLarge);
  CHECK(v.retry_after_ms == -1);
  v = refused(4, 0, "0", "0");
  CHECK(v.kind == Verdict::Kind::kParallel);
  v = refused(5, 0, "0", "0.95");
  CHECK(v.kind == Verdict::Kind::kBudget);
  CHECK(v.used_usd == doctest::Approx(0.95));
  CHECK(v.retry_after_ms == 86'400'000 - kT0 % 86'400'000);  // the end of the UTC day
  // Out of range or unknown: an error, never a verdict about the wrong ask.
  CHECK_FALSE(redis_parse_admit(array({integer(4), integer(3), string("0"), string("0")}), a));
  CHECK_FALSE(redis_parse_admit(array({integer(9), integer(0), string("0"), string("0")}), a));
  CHECK_FALSE(redis_parse_admit(string("OK"), a));
}

TEST_CASE("RESP: commands framed by hiredis, replies read back piece by piece") {
  std::string wire;
  redis::append_command(wire, {"SET", "k", "a b"});
  redis::append_command(wire, {"GET", "k"});
  CHECK(wire == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na b\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");

  redis::ReplyReader r;
  const std::string in =
      "+OK\r\n:42\r\n$-1\r\n-NOSCRIPT No matching script\r\n*2\r\n$2\r\nhi\r\n:7\r\n";
  std::vector<Reply> got;
  Reply rep;
  for (char c : in) {  // one byte at a time: a reply may arrive in any number of pieces
    REQUIRE(r.feed(&c, 1));
    while (r.next(rep) == 1) got.push_back(rep);
  }
  REQUIRE(got.size() == 5);
  CHECK(got[0].type == Reply::Type::kStatus);
  CHECK(got[0].str == "OK");
  CHECK(got[1].integer == 42);
  CHECK(got[2].type == Reply::Type::kNil);
  CHECK(got[3].is_error());
  CHECK(got[3].str.starts_with("NOSCRIPT"));
  REQUIRE(got[4].elements.size() == 2);
  CHECK(got[4].elements[0].str == "hi");
  CHECK(got[4].elements[1].integer == 7);

  redis::ReplyReader broken;
  REQUIRE(broken.feed("?what\r\n", 7));
  CHECK(broken.next(rep) == -1);
}

namespace {

// Answers every admission with `verdict` and keeps what it was asked.
class StubStore : public LimitStore {
 public:
  explicit StubStore(Verdict v) : verdict(v) {}
  Verdict admit(const Ask& ask) override {
    leases.push_back(ask.lease);
    return verdict;
  }
  void settle(const Ask& ask, bool, int64_t, double, int64_t) override {
    settled_local.push_back(ask.local);
  }
  double used(std::string_view, Period, int64_t) override { return 0; }
  Verdict verdict;
  std::vector<uint64_t> leases;
  std::vector<bool> settled_local;
};

gw::config::Config limited() {
  auto c = gw::config::parse_config("[limits]\nrpm = 10\nmax_parallel = 2\n", "t.toml");
  REQUIRE(c);
  return *c;
}

}  // namespace

TEST_CASE("the limits stage: a shared store that cannot answer (fail_closed) is a 503") {
  auto cfg = limited();
  Verdict down;
  down.kind = Verdict::Kind::kUnavailable;
  down.retry_after_ms = 400;
  auto store = std::make_shared<StubStore>(down);
  Limits stage(cfg, nullptr, store, [] { return kT0; });
  RequestContext ctx;
  ctx.caller.user = "bob";
  gw::api::ChatRequest req;
  req.model = "fake/x";
  req.messages.push_back(gw::api::Message::plain("user", "hi"));
  auto r = stage.on_request(req, ctx);
  REQUIRE_FALSE(r);
  CHECK(r.error().status == 503);
  CHECK(r.error().code == "limit_store_unavailable");
  CHECK(r.error().type == "server_error");
  CHECK(r.error().retry_after_ms == 1000);  // at least a second
}

TEST_CASE("the limits stage: each request has its own lease; a local admission settles locally") {
  auto cfg = limited();
  Verdict local;
  local.local = true;
  auto store = std::make_shared<StubStore>(local);
  Limits stage(cfg, nullptr, store, [] { return kT0; });
  for (int i = 0; i < 2; ++i) {
    RequestContext ctx;
    ctx.caller.user = "bob";
    gw::api::ChatRequest req;
    req.model = "fake/x";
    req.messages.push_back(gw::api::Message::plain("user", "hi"));
    REQUIRE(stage.on_request(req, ctx));
    stage.on_complete(Outcome{}, ctx);
  }
  REQUIRE(store->leases.size() == 2);
  CHECK(store->leases[0] != 0);
  CHECK(store->leases[0] != store->leases[1]);
  CHECK(store->settled_local == std::vector<bool>{true, true});
}

TEST_CASE("the Redis store with Redis unreachable: fail_open counts locally, fail_closed refuses") {
  std::vector<std::string> logged;
  auto options = [&](bool closed) {
    RedisLimitStore::Options o;
    o.url.host = "127.0.0.1";
    o.url.port = 1;  // nothing listens there: refused at once
    o.shown_url = "redis://:***@127.0.0.1:1";
    o.fail_closed = closed;
    o.log = [&](const std::string& m) { logged.push_back(m); };
    return o;
  };
  Ask a = ask_of({"u:bob"});
  a.requests.push_back({0, 2, 1});
  a.lease = 1;

  RedisLimitStore open(options(false));
  Verdict v1 = open.admit(a);
  Verdict v2 = open.admit(a);
  Verdict v3 = open.admit(a);
  CHECK(v1.admitted());
  CHECK(v1.local);
  CHECK(v2.admitted());
  CHECK(v3.kind == Verdict::Kind::kRequests);  // the local bucket of 2 a minute
  CHECK_FALSE(open.health().up);
  CHECK(open.health().shared);
  CHECK(open.health().fallbacks == 3);
  REQUIRE(logged.size() == 1);  // once per outage, not per request
  CHECK(logged[0].find("unreachable") != std::string::npos);
  CHECK(logged[0].find("fail_open") != std::string::npos);
  a.local = true;
  open.settle(a, true, 0, 0.5, kT0);
  CHECK(open.used("u:bob", Period::kMonth, kT0) == doctest::Approx(0.5));  // from the fallback

  logged.clear();
  RedisLimitStore closed(options(true));
  Verdict c = closed.admit(a);
  CHECK(c.kind == Verdict::Kind::kUnavailable);
  CHECK(c.retry_after_ms >= 1000);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].find("fail_closed") != std::string::npos);
  // Nothing to count (an allow-list only): no Redis needed, admitted.
  CHECK(closed.admit(ask_of({"u:bob"})).admitted());
}
