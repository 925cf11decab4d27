// Virtual keys: created with a gk- secret stored only as a SHA-256 hash, listed, found by
// secret while active, refused once revoked; the auth stage's modes and attribution.
#include <doctest/doctest.h>
#include <unistd.h>

#include <thread>

#include "fixtures.hpp"
#include "gateway/auth.hpp"
#include "store/keys.hpp"
#include "store/sqlite_conn.hpp"

namespace {

using gw::test::TempDir;

bool is_alnum(const std::string& s) {
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

TEST_CASE("keys: create, list, find by secret, revoke") {
  TempDir dir("gw_keys_test_");
  auto ks = gw::store::KeyStore::open(dir.path + "/gw.db");
  REQUIRE(ks);
  REQUIRE(ks->count_active() == 0);

  auto a = ks->create("ci", "alice", "acme");
  REQUIRE(a);
  CHECK(a->id.rfind("key_", 0) == 0);
  CHECK(a->id.size() == 16);
  CHECK(is_alnum(a->id.substr(4)));
  CHECK(a->secret.rfind("gk-", 0) == 0);
  CHECK(a->secret.size() == 43);
  CHECK(is_alnum(a->secret.substr(3)));
  auto b = ks->create("batch", "bob", "globex");
  REQUIRE(b);
  CHECK(a->id != b->id);
  CHECK(a->secret != b->secret);
  CHECK(ks->count_active() == 2);

  auto all = ks->list();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].id == a->id);
  CHECK((*all)[0].name == "ci");
  CHECK((*all)[0].prefix == a->secret.substr(0, 8));
  CHECK((*all)[0].user == "alice");
  CHECK((*all)[0].tenant == "acme");
  CHECK((*all)[0].created_ms > 0);
  CHECK_FALSE((*all)[0].revoked_ms);

  auto f = ks->find_by_secret(a->secret);
  REQUIRE(f);
  REQUIRE(*f);
  CHECK((*f)->id == a->id);
  CHECK((*f)->tenant == "acme");
  auto none = ks->find_by_secret(a->secret + "x");
  REQUIRE(none);
  CHECK_FALSE(*none);

  REQUIRE(ks->revoke(a->id));
  CHECK(ks->count_active() == 1);
  auto gone = ks->find_by_secret(a->secret);
  REQUIRE(gone);
  CHECK_FALSE(*gone);
  auto still = ks->find_by_secret(b->secret);
  REQUIRE(still);
  CHECK(*still);
  all = ks->list();
  REQUIRE(all);
  CHECK((*all)[0].revoked_ms);
  CHECK(ks->revoke(a->id));  // again: still fine

  auto unknown = ks->revoke("key_nope");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().status == 404);
}

TEST_CASE("keys: only the hash of the secret is stored") {
  TempDir dir("gw_keys_test_");
  auto ks = gw::store::KeyStore::open(dir.path + "/gw.db");
  REQUIRE(ks);
  auto k = ks->create("ci", "", "");
  REQUIRE(k);
  auto st =
      static_cast<gw::store::SqliteConn&>(ks->conn()).db().prepare("SELECT hash, prefix FROM keys");
  REQUIRE(st);
  REQUIRE(st->step() == SQLITE_ROW);
  CHECK(st->text(0) == gw::store::sha256_hex(k->secret));
  CHECK(st->text(0).size() == 64);
  CHECK(st->text(0) != k->secret);
  CHECK(st->text(1) == k->secret.substr(0, 8));
  // Nowhere in the table does the full secret appear.
  auto any =
      static_cast<gw::store::SqliteConn&>(ks->conn())
          .db()
          .prepare(
              "SELECT count(*) FROM keys WHERE id = ?1 OR name = ?1 OR prefix = ?1 OR hash = ?1 OR "
              "user = ?1 OR tenant = ?1");
  REQUIRE(any);
  any->bind(1, k->secret);
  REQUIRE(any->step() == SQLITE_ROW);
  CHECK(any->int64(0) == 0);
  CHECK(gw::store::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("keys: auth stage modes, attribution and the revocation cache") {
  using gw::gateway::Auth;
  TempDir dir("gw_keys_test_");
  std::string path = dir.path + "/gw.db";
  auto admin = gw::store::KeyStore::open(path);
  REQUIRE(admin);
  auto open_auth = [&](Auth::Mode m, std::chrono::milliseconds ttl) {
    auto ks = gw::store::KeyStore::open(path);
    REQUIRE(ks);
    return Auth(m, std::make_unique<gw::store::KeyStore>(std::move(*ks)), ttl);
  };
  gw::api::ChatRequest req;
  auto ctx_with = [](std::string key, std::string user = "") {
    gw::gateway::RequestContext c;
    c.presented_key = std::move(key);
    c.caller.user = std::move(user);
    return c;
  };

  auto ttl = std::chrono::milliseconds(0);  // no caching: every call sees the store
  auto autoauth = open_auth(Auth::Mode::kAuto, ttl);
  auto c0 = ctx_with("");
  CHECK(autoauth.on_admit(c0));  // no keys yet: open

  auto k = admin->create("ci", "alice", "acme");
  REQUIRE(k);
  auto c1 = ctx_with("");
  auto r1 = autoauth.on_admit(c1);
  REQUIRE_FALSE(r1);
  CHECK(r1.error().status == 401);
  CHECK(r1.error().code == "invalid_api_key");
  CHECK(r1.error().rejected);
  CHECK(r1.error().message.find("Missing API key") == 0);
  auto c2 = ctx_with("gk-wrongwrongwrong");
  auto r2 = autoauth.on_admit(c2);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().message == "Invalid API key");

  auto c3 = ctx_with(k->secret);
  REQUIRE(autoauth.on_admit(c3));
  CHECK(c3.caller.key_id == k->id);
  CHECK(c3.caller.key_name == "ci");
  CHECK(c3.caller.tenant == "acme");
  CHECK(c3.caller.user == "alice");
  auto c4 = ctx_with(k->secret, "carol");
  REQUIRE(autoauth.on_admit(c4));
  CHECK(c4.caller.user == "carol");
  CHECK(c4.caller.tenant == "acme");

  Auth none(Auth::Mode::kNone, nullptr);
  auto c5 = ctx_with("");
  CHECK(none.on_admit(c5));

  // A cached answer lives at most the TTL: revoked, the key is refused after it.
  auto cached = open_auth(Auth::Mode::kKeys, std::chrono::milliseconds(200));
  auto c6 = ctx_with(k->secret);
  REQUIRE(cached.on_admit(c6));
  REQUIRE(admin->revoke(k->id));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  auto c7 = ctx_with(k->secret);
  auto r7 = cached.on_admit(c7);
  REQUIRE_FALSE(r7);
  CHECK(r7.error().status == 401);

  // keys mode with no key at all: everything is refused.
  TempDir empty("gw_keys_test_");
  auto ks = gw::store::KeyStore::open(empty.path + "/gw.db");
  REQUIRE(ks);
  Auth strict(Auth::Mode::kKeys, std::make_unique<gw::store::KeyStore>(std::move(*ks)));
  auto c8 = ctx_with("");
  CHECK_FALSE(strict.on_admit(c8));
}

TEST_CASE("keys: a policy is stored with the key, changed by update, and reaches the caller") {
  TempDir dir("gw_keys_policy_");
  auto ks = gw::store::KeyStore::open(dir.path + "/gw.db");
  REQUIRE(ks);
  gw::config::Limits l;
  l.rpm = 60;
  l.budget_usd = 2.5;
  l.period = "day";
  l.models = {"openai/*", "smart"};
  auto k = ks->create("lim", "u", "t", l);
  REQUIRE(k);
  auto found = ks->find_by_secret(k->secret);
  REQUIRE(found);
  REQUIRE(*found);
  CHECK((*found)->limits.rpm == 60);
  CHECK((*found)->limits.budget_usd == 2.5);
  CHECK((*found)->limits.period == "day");
  CHECK((*found)->limits.models == std::vector<std::string>{"openai/*", "smart"});
  CHECK_FALSE((*found)->limits.tpm);

  gw::store::KeyUpdate change;
  change.rpm = std::optional<int64_t>();  // removed
  change.tpm = std::optional<int64_t>(1000);
  change.models = std::vector<std::string>{};
  change.unpriced_allow = true;
  change.tenant = "t2";
  auto updated = ks->update(k->id, change);
  REQUIRE(updated);
  auto again = ks->find_by_secret(k->secret);
  REQUIRE(again);
  REQUIRE(*again);
  const auto& got = **again;
  CHECK_FALSE(got.limits.rpm);
  CHECK(got.limits.tpm == 1000);
  CHECK(got.limits.budget_usd == 2.5);  // untouched
  CHECK(got.limits.models.empty());
  CHECK(got.limits.unpriced_allow);
  CHECK(got.tenant == "t2");
  CHECK(got.name == "lim");
  auto missing = ks->update("key_nope", change);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().status == 404);

  // The auth stage hands the key's policy to the pipeline.
  gw::gateway::Auth auth(gw::gateway::Auth::Mode::kKeys,
                         std::make_unique<gw::store::KeyStore>(std::move(*ks)));
  gw::gateway::RequestContext ctx;
  ctx.presented_key = k->secret;
  REQUIRE(auth.on_admit(ctx));
  REQUIRE(ctx.caller.key_limits);
  CHECK(ctx.caller.key_limits->tpm == 1000);
  CHECK(ctx.caller.tenant == "t2");
}

TEST_CASE("keys: an admin key is stored as such, changed by update, and listed") {
  TempDir dir("gw_keys_admin_");
  auto ks = gw::store::KeyStore::open(dir.path + "/gw.db");
  REQUIRE(ks);
  auto plain = ks->create("app", "u", "t");
  auto admin = ks->create("ops", "", "", {}, true);
  REQUIRE(plain);
  REQUIRE(admin);
  auto a = ks->find_by_secret(admin->secret);
  REQUIRE(a);
  REQUIRE(*a);
  CHECK((*a)->admin);
  auto p = ks->find_by_secret(plain->secret);
  REQUIRE(p);
  REQUIRE(*p);
  CHECK_FALSE((*p)->admin);

  gw::store::KeyUpdate grant;
  grant.admin = true;
  REQUIRE(ks->update(plain->id, grant));
  gw::store::KeyUpdate other;  // a change that does not name admin keeps it
  other.rpm = std::optional<int64_t>(5);
  REQUIRE(ks->update(plain->id, other));
  auto listed = ks->list();
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].admin);
  CHECK((*listed)[1].admin);
  gw::store::KeyUpdate take;
  take.admin = false;
  REQUIRE(ks->update(admin->id, take));
  auto gone = ks->find_by_id(admin->id);
  REQUIRE(gone);
  REQUIRE(*gone);
  CHECK_FALSE((*gone)->admin);

  // Migration 7 added the column with 0 for the keys that were there before.
  auto st = static_cast<gw::store::SqliteConn&>(ks->conn())
                .db()
                .prepare("SELECT dflt_value FROM pragma_table_info('keys') WHERE name = 'admin'");
  REQUIRE(st);
  REQUIRE(st->step() == SQLITE_ROW);
  CHECK(st->text(0) == "0");
}
