#include "store/keys.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <chrono>

#include "store/sqlite_conn.hpp"

namespace gw::store {
namespace {

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> split_models(std::string_view joined) {
  std::vector<std::string> out;
  while (!joined.empty()) {
    auto comma = joined.find(',');
    std::string_view one = joined.substr(0, comma);
    if (!one.empty()) out.emplace_back(one);
    if (comma == std::string_view::npos) break;
    joined.remove_prefix(comma + 1);
  }
  return out;
}

std::string join_models(const std::vector<std::string>& models) {
  std::string out;
  for (const auto& m : models) out += (out.empty() ? "" : ",") + m;
  return out;
}

KeyRecord record_of(const Row& s) {
  KeyRecord k;
  k.id = s.str(0);
  k.name = s.str(1);
  k.prefix = s.str(2);
  k.user = s.str(3);
  k.tenant = s.str(4);
  k.created_ms = s.i64(5);
  if (!s.null(6)) k.revoked_ms = s.i64(6);
  k.limits.models = split_models(s.text(7));
  if (!s.null(8)) k.limits.rpm = s.i64(8);
  if (!s.null(9)) k.limits.tpm = s.i64(9);
  if (!s.null(10)) k.limits.max_parallel = s.i64(10);
  if (!s.null(11)) k.limits.budget_usd = s.f64(11);
  k.limits.period = s.str(12);
  if (!config::valid_period(k.limits.period)) k.limits.period = "month";
  k.limits.unpriced_allow = s.text(13) == "allow";
  if (auto g = s.str(14); !g.empty())
    if (auto parsed = config::parse_guard_override(g)) k.limits.guard = std::move(*parsed);
  k.admin = s.i64(15) != 0;
  return k;
}

constexpr const char* kColumns =
    "id, name, prefix, \"user\", tenant, created_ms, revoked_ms, models, rpm, tpm, "
    "max_parallel, budget_usd, period, unpriced, guard, admin";

// A policy's parameters in kColumns' order (models .. guard); `text` keeps the strings alive.
struct LimitParams {
  std::string models, guard;
  std::array<Param, 8> p;
  explicit LimitParams(const config::Limits& l)
      : models(join_models(l.models)),
        guard(l.guard ? config::guard_override_text(*l.guard) : std::string()) {
    p = {Param(models),
         Param(l.rpm),
         Param(l.tpm),
         Param(l.max_parallel),
         Param(l.budget_usd),
         Param(l.period),
         Param(l.unpriced_allow ? "allow" : "refuse"),
         Param(guard)};
  }
};

// One key, or none, from a query over kColumns.
Result<std::optional<KeyRecord>> one_key(Conn& db, std::string_view sql,
                                         std::initializer_list<Param> p) {
  std::optional<KeyRecord> out;
  auto r = db.each(sql, p, [&](const Row& row) {
    if (!out) out = record_of(row);
  });
  if (!r) return fail(r.error());
  return out;
}

}  // namespace

Sha256 sha256(std::string_view text) {
  Sha256 md{};
  unsigned int len = 0;
  // Fetched once: EVP_sha256() makes every EVP_Digest look the algorithm up again under a
  // lock, which was a third of the cost of checking a key.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  const EVP_MD* alg = kSha256 ? kSha256 : EVP_sha256();
  if (EVP_Digest(text.data(), text.size(), md.data(), &len, alg, nullptr) != 1 || len != md.size())
    return Sha256{};
  return md;
}

std::string sha256_hex(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const Sha256 md = sha256(text);
  if (md == Sha256{}) return {};
  std::string out;
  out.reserve(md.size() * 2);
  for (unsigned char c : md) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

Result<std::string> random_alnum(size_t n) {
  std::string out;
  out.reserve(n);
  std::array<unsigned char, 64> buf{};
  // 248 = 4 * 62: bytes at or above it are discarded so every character is equally likely.
  while (out.size() < n) {
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
      return fail(Error::internal("the system random generator failed (OpenSSL RAND_bytes)"));
    for (unsigned char b : buf) {
      if (b >= 248) continue;
      out.push_back(kAlnum[b % kAlnum.size()]);
      if (out.size() == n) break;
    }
  }
  return out;
}

Result<KeyStore> KeyStore::open(const std::string& path, bool create) {
  auto db = open_sqlite(path, create);
  if (!db) return fail(db.error());
  return KeyStore(std::unique_ptr<Conn>(std::move(*db)));
}

Result<NewKey> KeyStore::create(const std::string& name, const std::string& user,
                                const std::string& tenant, const config::Limits& limits,
                                bool admin) {
  auto id = random_alnum(12);
  if (!id) return fail(id.error());
  auto body = random_alnum(40);
  if (!body) return fail(body.error());
  NewKey k{"key_" + *id, "gk-" + *body};
  std::string hash = sha256_hex(k.secret);
  if (hash.empty()) return fail(Error::internal("SHA-256 failed (OpenSSL EVP)"));
  LimitParams l(limits);
  const auto& p = l.p;
  auto r = db_->run(
      "INSERT INTO keys (id, name, prefix, hash, \"user\", tenant, created_ms, models, rpm, tpm, "
      "max_parallel, budget_usd, period, unpriced, guard, admin) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
      {k.id, name, std::string_view(k.secret).substr(0, 8), hash, user, tenant, now_ms(), p[0],
       p[1], p[2], p[3], p[4], p[5], p[6], p[7], admin});
  if (!r) return fail(store_error("cannot store the key: " + r.error().message));
  return k;
}

Result<std::optional<KeyRecord>> KeyStore::find_by_id(const std::string& id) {
  return one_key(*db_, std::string("SELECT ") + kColumns + " FROM keys WHERE id = ?1", {id});
}

Result<KeyRecord> KeyStore::update(const std::string& id, const KeyUpdate& c) {
  auto found = find_by_id(id);
  if (!found) return fail(found.error());
  if (!*found)
    return fail(Error::not_found("no key with id " + id + " (see gw keys list)", "key_not_found"));
  KeyRecord k = std::move(**found);
  if (c.name) k.name = *c.name;
  if (c.user) k.user = *c.user;
  if (c.tenant) k.tenant = *c.tenant;
  if (c.rpm) k.limits.rpm = *c.rpm;
  if (c.tpm) k.limits.tpm = *c.tpm;
  if (c.max_parallel) k.limits.max_parallel = *c.max_parallel;
  if (c.budget_usd) k.limits.budget_usd = *c.budget_usd;
  if (c.period) k.limits.period = *c.period;
  if (c.models) k.limits.models = *c.models;
  if (c.unpriced_allow) k.limits.unpriced_allow = *c.unpriced_allow;
  if (c.guard) k.limits.guard = *c.guard;
  if (c.admin) k.admin = *c.admin;
  LimitParams l(k.limits);
  const auto& p = l.p;
  auto r = db_->run(
      "UPDATE keys SET name = ?2, \"user\" = ?3, tenant = ?4, models = ?5, rpm = ?6, tpm = ?7, "
      "max_parallel = ?8, budget_usd = ?9, period = ?10, unpriced = ?11, guard = ?12, "
      "admin = ?13 WHERE id = ?1",
      {id, k.name, k.user, k.tenant, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], k.admin});
  if (!r) return fail(store_error("cannot update the key: " + r.error().message));
  return k;
}

Result<std::vector<KeyRecord>> KeyStore::list() {
  std::vector<KeyRecord> out;
  auto r = db_->each(std::string("SELECT ") + kColumns + " FROM keys ORDER BY created_ms, rowid",
                     {}, [&](const Row& row) { out.push_back(record_of(row)); });
  if (!r) return fail(r.error());
  return out;
}

Result<void> KeyStore::revoke(const std::string& id) {
  auto n = db_->run("UPDATE keys SET revoked_ms = coalesce(revoked_ms, ?2) WHERE id = ?1",
                    {id, now_ms()});
  if (!n) return fail(store_error("cannot revoke the key: " + n.error().message));
  if (*n == 0)
    return fail(Error::not_found("no key with id " + id + " (see gw keys list)", "key_not_found"));
  return {};
}

Result<std::optional<KeyRecord>> KeyStore::find_by_secret(std::string_view secret) {
  return one_key(
      *db_, std::string("SELECT ") + kColumns + " FROM keys WHERE hash = ?1 AND revoked_ms IS NULL",
      {sha256_hex(secret)});
}

Result<int64_t> KeyStore::count_active() {
  auto n = db_->scalar("SELECT count(*) FROM keys WHERE revoked_ms IS NULL");
  if (!n) return fail(n.error());
  return n->value_or(0);
}

}  // namespace gw::store
