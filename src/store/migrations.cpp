// Numbered schema migrations, tracked in PRAGMA user_version. Append a new entry for every
// change; never edit one that has shipped, since existing ledgers have already run it.
#include <array>
#include <string>

#include "store/sqlite_handle.hpp"

namespace gw::store {
namespace {

constexpr std::array kMigrations{
    // 1: the ledger (docs/ARCHITECTURE.md §8): a row per client request; bodies apart (log_bodies).
    Migration{1, R"sql(
CREATE TABLE ledger (
  id                 INTEGER PRIMARY KEY,
  ts_ms              INTEGER NOT NULL,          -- request start, unix milliseconds (UTC)
  request_id         TEXT NOT NULL,
  key_id             TEXT NOT NULL DEFAULT '',  -- virtual key; empty for the CLI
  key_name           TEXT NOT NULL DEFAULT '',
  user               TEXT NOT NULL DEFAULT '',
  tenant             TEXT NOT NULL DEFAULT '',
  requested_model    TEXT NOT NULL DEFAULT '',  -- as the client wrote it (model or route)
  route              TEXT NOT NULL DEFAULT '',  -- empty for a direct model
  provider           TEXT NOT NULL DEFAULT '',  -- the target that answered (or last tried)
  model              TEXT NOT NULL DEFAULT '',
  status             INTEGER NOT NULL,          -- 200 ok, else the error's HTTP status
  error_type         TEXT NOT NULL DEFAULT '',
  error_code         TEXT NOT NULL DEFAULT '',
  input_tokens       INTEGER NOT NULL DEFAULT 0, -- every prompt token, cached included
  cached_tokens      INTEGER NOT NULL DEFAULT 0, -- cache-read part of input_tokens
  cache_write_tokens INTEGER NOT NULL DEFAULT 0, -- cache-creation part of input_tokens
  output_tokens      INTEGER NOT NULL DEFAULT 0, -- reasoning included
  reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
  usage_estimated    INTEGER NOT NULL DEFAULT 0,
  cost_usd           REAL,                       -- NULL: no known price (never a silent 0)
  price_version      TEXT NOT NULL DEFAULT '',
  latency_ms         REAL NOT NULL DEFAULT 0,
  ttft_ms            REAL,
  attempts           INTEGER NOT NULL DEFAULT 0,
  stream             INTEGER NOT NULL DEFAULT 0,
  cancelled          INTEGER NOT NULL DEFAULT 0,
  client             TEXT NOT NULL DEFAULT '',   -- chat | compare | serve
  pii                TEXT NOT NULL DEFAULT ''    -- JSON {type: count}; empty until the guard fills it
);
CREATE INDEX ledger_ts ON ledger(ts_ms);
CREATE INDEX ledger_user_ts ON ledger(user, ts_ms);
CREATE INDEX ledger_tenant_ts ON ledger(tenant, ts_ms);
CREATE INDEX ledger_key_ts ON ledger(key_id, ts_ms);
CREATE TABLE bodies (
  request_id TEXT PRIMARY KEY,
  ts_ms      INTEGER NOT NULL,
  request    TEXT,
  response   TEXT
);
)sql"},
    // 2: virtual API keys. Only a SHA-256 of the secret is kept, never the secret.
    Migration{2, R"sql(
CREATE TABLE keys (
  id         TEXT PRIMARY KEY,          -- key_<12 alnum>
  name       TEXT NOT NULL,
  prefix     TEXT NOT NULL,             -- first 8 characters of the secret, for display
  hash       TEXT NOT NULL UNIQUE,      -- SHA-256 hex of the secret
  user       TEXT NOT NULL DEFAULT '',
  tenant     TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER                    -- NULL while the key is active
);
)sql"},
    // 3: only the time index stays. Every index costs the ledger writer a B-tree insert per
    // row, and the per-user/tenant/key ones land at random pages: they were most of its CPU.
    // Reports select a time range and group in C++, so the time index is the one they use.
    Migration{3, R"sql(
DROP INDEX IF EXISTS ledger_user_ts;
DROP INDEX IF EXISTS ledger_tenant_ts;
DROP INDEX IF EXISTS ledger_key_ts;
)sql"},
    // 4: a key's traffic policy (gw keys create/update): NULL = no such limit. models is the
    // allow-list joined with ',' (empty: every model); period is day | month | total.
    Migration{4, R"sql(
ALTER TABLE keys ADD COLUMN models TEXT NOT NULL DEFAULT '';
ALTER TABLE keys ADD COLUMN rpm INTEGER;
ALTER TABLE keys ADD COLUMN tpm INTEGER;
ALTER TABLE keys ADD COLUMN max_parallel INTEGER;
ALTER TABLE keys ADD COLUMN budget_usd REAL;
ALTER TABLE keys ADD COLUMN period TEXT NOT NULL DEFAULT 'month';
ALTER TABLE keys ADD COLUMN unpriced TEXT NOT NULL DEFAULT 'refuse';
)sql"},
    // 5: a key's guard policy (gw keys --guard): "mask", "block" or "off" and per-detector
    // overrides ("mask,secret=block"); empty: the tenant's or the global [guard].
    Migration{5, R"sql(
ALTER TABLE keys ADD COLUMN guard TEXT NOT NULL DEFAULT '';
)sql"},
    // 6: which endpoint a request came in on (chat, messages, responses, embeddings) and the
    // caller's client family from its user agent (openai-sdk, claude-code, ...; empty: the CLI).
    Migration{6, R"sql(
ALTER TABLE ledger ADD COLUMN endpoint TEXT NOT NULL DEFAULT 'chat';
ALTER TABLE ledger ADD COLUMN client_family TEXT NOT NULL DEFAULT '';
)sql"},
    // 7: an admin key (gw keys create --admin) may also read the spend dashboard and its data.
    Migration{7, R"sql(
ALTER TABLE keys ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
)sql"},
    // 8: Responses API answers kept for previous_response_id and GET /v1/responses/{id}, only
    // with [store] log_bodies = true. conversation is the chat messages up to and including
    // the answer (instructions excluded, as OpenAI does); key_id scopes who may read it.
    Migration{8, R"sql(
CREATE TABLE responses (
  id           TEXT PRIMARY KEY,
  ts_ms        INTEGER NOT NULL,
  key_id       TEXT NOT NULL DEFAULT '',
  conversation TEXT NOT NULL,
  response     TEXT NOT NULL
);
)sql"},
};

}  // namespace

int schema_version_latest() {
  return kMigrations.back().version;
}

Result<void> migrate(Db& db) {
  auto read_version = [&]() -> int {
    auto st = db.prepare("PRAGMA user_version");
    if (!st || st->step() != SQLITE_ROW) return -1;
    return static_cast<int>(st->int64(0));
  };
  int have = read_version();
  if (have < 0)
    return fail(store_error("cannot read the ledger database " + db.path() + ": " + db.errmsg() +
                            " (is it an SQLite file?)"));
  if (have > schema_version_latest())
    return fail(store_error("the ledger database " + db.path() + " has schema version " +
                            std::to_string(have) + ", newer than this gw knows (" +
                            std::to_string(schema_version_latest()) + "); upgrade gw"));
  for (const auto& m : kMigrations) {
    if (m.version <= have) continue;
    // IMMEDIATE takes the write lock first, so two processes never run the same migration.
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r;
    int now = read_version();
    if (now >= m.version) {
      (void)db.exec("COMMIT");
      have = now;
      continue;
    }
    auto r = db.exec(m.sql);
    if (r) r = db.exec("PRAGMA user_version = " + std::to_string(m.version));
    if (!r) {
      (void)db.exec("ROLLBACK");
      return r;
    }
    if (auto c = db.exec("COMMIT"); !c) return c;
    have = m.version;
  }
  return {};
}

}  // namespace gw::store
