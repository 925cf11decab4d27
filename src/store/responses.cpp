#include "store/responses.hpp"

#include <memory>

#include "store/ledger.hpp"

namespace gw::store {

Result<std::unique_ptr<ResponseStore>> ResponseStore::open(const std::string& path) {
  auto db = open_store(path, true);
  if (!db) return fail(db.error());
  return std::unique_ptr<ResponseStore>(new ResponseStore(std::move(*db)));
}

Result<void> ResponseStore::put(const StoredResponse& r) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "INSERT OR REPLACE INTO responses (id, ts_ms, key_id, conversation, response) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st) return fail(st.error());
  st->bind(1, r.id);
  st->bind(2, r.ts_ms);
  st->bind(3, r.key_id);
  st->bind(4, r.conversation);
  st->bind(5, r.response);
  if (st->step() != SQLITE_DONE)
    return fail(store_error("ledger database " + db_.path() + ": " + db_.errmsg()));
  return {};
}

Result<std::optional<StoredResponse>> ResponseStore::get(const std::string& id,
                                                         const std::string& key_id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(
      "SELECT ts_ms, conversation, response FROM responses WHERE id = ?1 AND key_id = ?2");
  if (!st) return fail(st.error());
  st->bind(1, id);
  st->bind(2, key_id);
  int rc = st->step();
  if (rc == SQLITE_DONE) return std::optional<StoredResponse>{};
  if (rc != SQLITE_ROW)
    return fail(store_error("ledger database " + db_.path() + ": " + db_.errmsg()));
  return std::optional<StoredResponse>(
      StoredResponse{id, st->int64(0), key_id, st->text(1), st->text(2)});
}

Result<bool> ResponseStore::remove(const std::string& id, const std::string& key_id) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare("DELETE FROM responses WHERE id = ?1 AND key_id = ?2");
  if (!st) return fail(st.error());
  st->bind(1, id);
  st->bind(2, key_id);
  if (st->step() != SQLITE_DONE)
    return fail(store_error("ledger database " + db_.path() + ": " + db_.errmsg()));
  return sqlite3_changes(db_.get()) > 0;
}

}  // namespace gw::store
