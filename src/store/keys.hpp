// Virtual API keys: `gk-` secrets handed to clients of `gw serve`, stored only as a SHA-256
// hash with a short display prefix, each naming a user and a tenant.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <memory>
#include "api/error.hpp"
#include "config/config.hpp"
#include "store/conn.hpp"

namespace gw::store {

struct KeyRecord {
  std::string id;  // key_<12 alnum>
  std::string name;
  std::string prefix;  // first 8 characters of the secret
  std::string user, tenant;
  int64_t created_ms = 0;
  std::optional<int64_t> revoked_ms;  // nullopt while active
  config::Limits limits;              // its traffic policy (gw keys create/update)
  bool admin = false;                 // may read the dashboard and /v1/gw/usage
};

// What `gw keys update` changes; an absent member stays as it is. A limit set to nullopt
// inside (e.g. rpm = std::optional<int64_t>{}) is removed.
struct KeyUpdate {
  std::optional<std::string> name, user, tenant;
  std::optional<std::optional<int64_t>> rpm, tpm, max_parallel;
  std::optional<std::optional<double>> budget_usd;
  std::optional<std::string> period;
  std::optional<std::vector<std::string>> models;
  std::optional<bool> unpriced_allow;
  std::optional<std::optional<config::GuardOverride>> guard;  // nullopt inside: none
  std::optional<bool> admin;
};

struct NewKey {
  std::string id;
  std::string secret;  // gk-<40 alnum>; shown once, never stored
};

// SHA-256 of `text` (OpenSSL EVP); and as 64 lowercase hex digits.
using Sha256 = std::array<unsigned char, 32>;
Sha256 sha256(std::string_view text);
std::string sha256_hex(std::string_view text);
// `n` characters of [A-Za-z0-9] from OpenSSL's CSPRNG, without modulo bias.
Result<std::string> random_alnum(size_t n);

// One connection to the store's keys table (SQLite or PostgreSQL). Not thread-safe: callers
// serialise access.
class KeyStore {
 public:
  // Opens (creating when `create`) and migrates the SQLite store at `path`. Not `create` in a
  // process that already has the store open: that path closes a descriptor on the file, which
  // releases the process's POSIX locks on it.
  static Result<KeyStore> open(const std::string& path, bool create = true);
  // Uses an already-open, migrated store of either kind: owned, or borrowed for a while.
  explicit KeyStore(std::unique_ptr<Conn> conn) : owned_(std::move(conn)), db_(owned_.get()) {}
  explicit KeyStore(Conn& conn) : db_(&conn) {}

  Result<NewKey> create(const std::string& name, const std::string& user, const std::string& tenant,
                        const config::Limits& limits = {}, bool admin = false);
  // Changes a key's owner or policy, keeping its secret. Unknown id: 404 key_not_found.
  Result<KeyRecord> update(const std::string& id, const KeyUpdate& change);
  Result<std::optional<KeyRecord>> find_by_id(const std::string& id);
  Result<std::vector<KeyRecord>> list();  // oldest first, revoked keys included
  // Marks the key revoked. An unknown id is a 404 invalid_request_error; revoking a revoked
  // key again succeeds and keeps the first revocation time.
  Result<void> revoke(const std::string& id);
  // The active key whose secret this is; nullopt for an unknown or revoked one.
  Result<std::optional<KeyRecord>> find_by_secret(std::string_view secret);
  Result<int64_t> count_active();

  Conn& conn() { return *db_; }

 private:
  std::unique_ptr<Conn> owned_;
  Conn* db_;
};

}  // namespace gw::store
