// One connection to the store, whichever database holds it: the SQLite file of a single
// machine (sqlite_conn) or a PostgreSQL server shared by several gw instances (pg_conn).
// Keys, the ledger, reports and spend are written once against this interface.
//
// SQL is written once for both: parameters are ?1..?N (PostgreSQL's connection rewrites them
// to $N), identifiers that are keywords in either dialect are quoted ("user"), and only what
// both understand is used (ON CONFLICT, ||, CASE, coalesce). Schema text and anything else
// that differs lives in the connection.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/error.hpp"

namespace gw::store {

// Store errors are config errors (exit 3): they are fixed by pointing [store] at a writable
// file or a reachable server, not by retrying the request.
inline Error store_error(std::string message) {
  return Error::config(std::move(message));
}

// A value bound to a statement parameter. Text is not copied: it must outlive the call.
struct Param {
  enum Kind : uint8_t { kNull, kInt, kReal, kText };
  Kind kind = kNull;
  int64_t i = 0;
  double d = 0;
  std::string_view s;

  Param() = default;
  Param(std::nullptr_t) {}
  Param(int v) : kind(kInt), i(v) {}
  Param(long v) : kind(kInt), i(v) {}
  Param(long long v) : kind(kInt), i(v) {}
  Param(bool v) : kind(kInt), i(v ? 1 : 0) {}
  Param(double v) : kind(kReal), d(v) {}
  Param(std::string_view v) : kind(kText), s(v) {}
  Param(const std::string& v) : kind(kText), s(v) {}
  Param(const char* v) : kind(kText), s(v) {}
  template <class T>
  Param(const std::optional<T>& v) : Param(v ? Param(*v) : Param()) {}
};

// One row of a query's result, valid only while the callback that received it runs.
// Columns are 0-based.
class Row {
 public:
  virtual bool null(int c) const = 0;
  virtual int64_t i64(int c) const = 0;
  virtual double f64(int c) const = 0;
  virtual std::string_view text(int c) const = 0;
  std::string str(int c) const { return std::string(text(c)); }

 protected:
  ~Row() = default;
};

using RowFn = std::function<void(const Row&)>;

// An INSERT of many rows of one shape (the ledger writer's batch, a migration's copy).
struct Insert {
  std::string_view table;
  std::span<const std::string_view> columns;
  std::string_view on_conflict;  // e.g. "ON CONFLICT(id) DO NOTHING"; empty: none
};
// Fills the parameters of row `i`, one per column, in column order.
using FillFn = std::function<void(size_t i, std::span<Param> out)>;

// Not thread-safe: the owner serialises access (each writer has its own connection).
class Conn {
 public:
  virtual ~Conn() = default;

  virtual bool postgres() const = 0;
  // What to name in messages: the file's path, or the URL without its password.
  virtual const std::string& where() const = 0;

  // Statements without parameters, several separated by ';' (schema, PRAGMA, BEGIN).
  virtual Result<void> exec(const std::string& script) = 0;
  // One statement; the number of rows it inserted, changed or deleted.
  Result<int64_t> run(std::string_view sql, std::initializer_list<Param> p = {}) {
    return do_run(sql, std::span<const Param>(p.begin(), p.size()));
  }
  Result<int64_t> run(std::string_view sql, std::span<const Param> p) { return do_run(sql, p); }
  // A query: each row goes to `fn`, in order, as it is read (a million rows never sit in
  // memory at once).
  Result<void> each(std::string_view sql, std::initializer_list<Param> p, const RowFn& fn) {
    return do_each(sql, std::span<const Param>(p.begin(), p.size()), fn);
  }
  Result<void> each(std::string_view sql, std::span<const Param> p, const RowFn& fn) {
    return do_each(sql, p, fn);
  }
  // The first column of the first row; nullopt for no row or NULL.
  Result<std::optional<int64_t>> scalar(std::string_view sql, std::initializer_list<Param> p = {});

  // `rows` rows into one table, inside the caller's transaction: one prepared statement
  // stepped per row in SQLite, multi-row INSERTs in PostgreSQL (one round trip per ~1,000).
  virtual Result<void> insert_many(const Insert& ins, size_t rows, const FillFn& fill) = 0;

  // A write transaction (SQLite takes the write lock at once, so two writers never deadlock).
  virtual Result<void> begin() = 0;
  Result<void> commit() { return exec("COMMIT"); }
  void rollback() { (void)exec("ROLLBACK"); }

 protected:
  virtual Result<int64_t> do_run(std::string_view sql, std::span<const Param> p) = 0;
  virtual Result<void> do_each(std::string_view sql, std::span<const Param> p, const RowFn& fn) = 0;
};

// One numbered schema change in one dialect (migrations.cpp for SQLite, pg_migrations.cpp for
// PostgreSQL: the same numbers, so a version means the same tables in either store).
struct Migration {
  int version;
  const char* sql;
};
// The newest schema version this gw knows (migrations.cpp).
int schema_version_latest();

}  // namespace gw::store
