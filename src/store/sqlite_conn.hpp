// The store in one SQLite file (WAL): the single-machine default.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "store/conn.hpp"
#include "store/sqlite_handle.hpp"

namespace gw::store {

class SqliteConn final : public Conn {
 public:
  explicit SqliteConn(Db db) : db_(std::move(db)) {}

  bool postgres() const override { return false; }
  const std::string& where() const override { return db_.path(); }
  Result<void> exec(const std::string& script) override { return db_.exec(script); }
  Result<void> insert_many(const Insert& ins, size_t rows, const FillFn& fill) override;
  // IMMEDIATE takes the write lock at once: two writers never deadlock upgrading a read lock.
  Result<void> begin() override { return db_.exec("BEGIN IMMEDIATE"); }

  Db& db() { return db_; }  // for what only SQLite has (PRAGMAs, tests)

 protected:
  Result<int64_t> do_run(std::string_view sql, std::span<const Param> p) override;
  Result<void> do_each(std::string_view sql, std::span<const Param> p, const RowFn& fn) override;

 private:
  // Statements are prepared once per SQL text and kept: the ledger's insert runs every batch.
  Result<Stmt*> statement(std::string_view sql);
  void bind(Stmt& st, std::span<const Param> p);
  Error failed(std::string_view what) const;

  Db db_;
  std::unordered_map<std::string, Stmt> cache_;
};

// Opens the SQLite store at `path` and migrates it. With `create`, a missing file is created
// 0600 in folders made 0700 (the ledger says who asked what, when); without, a missing file
// is an error that says nothing has been recorded yet.
Result<std::unique_ptr<SqliteConn>> open_sqlite(const std::string& path, bool create);

}  // namespace gw::store
