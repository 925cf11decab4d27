#include "store/responses.hpp"

#include <memory>

#include "store/connect.hpp"

namespace gw::store {

Result<std::unique_ptr<ResponseStore>> ResponseStore::open(const config::StoreConfig& store) {
  auto db = connect(store, true);
  if (!db) return fail(db.error());
  return std::unique_ptr<ResponseStore>(new ResponseStore(std::move(*db)));
}

Result<void> ResponseStore::put(const StoredResponse& r) {
  std::lock_guard lock(mu_);
  auto n = db_->run(
      "INSERT INTO responses (id, ts_ms, key_id, conversation, response) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO UPDATE SET ts_ms = excluded.ts_ms, "
      "key_id = excluded.key_id, conversation = excluded.conversation, "
      "response = excluded.response",
      {r.id, r.ts_ms, r.key_id, r.conversation, r.response});
  if (!n) return fail(n.error());
  return {};
}

Result<std::optional<StoredResponse>> ResponseStore::get(const std::string& id,
                                                         const std::string& key_id) {
  std::lock_guard lock(mu_);
  std::optional<StoredResponse> out;
  auto r =
      db_->each("SELECT ts_ms, conversation, response FROM responses WHERE id = ?1 AND key_id = ?2",
                {id, key_id}, [&](const Row& row) {
                  out = StoredResponse{id, row.i64(0), key_id, row.str(1), row.str(2)};
                });
  if (!r) return fail(r.error());
  return out;
}

Result<bool> ResponseStore::remove(const std::string& id, const std::string& key_id) {
  std::lock_guard lock(mu_);
  auto n = db_->run("DELETE FROM responses WHERE id = ?1 AND key_id = ?2", {id, key_id});
  if (!n) return fail(n.error());
  return *n > 0;
}

}  // namespace gw::store
