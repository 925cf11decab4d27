// Kept Responses API answers (migration 8), for `previous_response_id` and
// `GET /v1/responses/{id}`. Only used when the operator turned body storage on
// ([store] log_bodies = true): without it gw keeps no prompt text, and these are prompts.
//
// Writes are synchronous, one small row under the store's mutex, because the next request of
// a conversation may name this answer at once (the ledger's batched writer would not have it
// yet). With WAL and synchronous=NORMAL a SQLite commit is a write to the OS's cache, not an
// fsync; in PostgreSQL it is one round trip.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/error.hpp"
#include "config/config.hpp"
#include "store/conn.hpp"

namespace gw::store {

struct StoredResponse {
  std::string id;
  int64_t ts_ms = 0;
  std::string key_id;        // the key that made it; only that key may read it
  std::string conversation;  // JSON array of chat messages, the answer included
  std::string response;      // the response object as sent
};

// Thread-safe: one connection behind a mutex.
class ResponseStore {
 public:
  static Result<std::unique_ptr<ResponseStore>> open(const config::StoreConfig& store);

  Result<void> put(const StoredResponse& r);
  // The response with this id made with this key ("" = no key); nullopt when there is none or
  // another key made it (which the caller reports as not found: ids are not secrets to guess).
  Result<std::optional<StoredResponse>> get(const std::string& id, const std::string& key_id);
  // Deletes it (same rule); false when there was none.
  Result<bool> remove(const std::string& id, const std::string& key_id);

 private:
  explicit ResponseStore(std::unique_ptr<Conn> db) : db_(std::move(db)) {}
  std::mutex mu_;
  std::unique_ptr<Conn> db_;
};

}  // namespace gw::store
