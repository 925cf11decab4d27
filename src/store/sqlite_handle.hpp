// RAII for SQLite: a connection and a prepared statement that close themselves, and errors
// that come back as gw::Error values naming the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "api/error.hpp"
#include "store/conn.hpp"

namespace gw::store {

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) {
      sqlite3_finalize(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  sqlite3_stmt* get() const { return s_; }
  explicit operator bool() const { return s_ != nullptr; }

  // Parameters are 1-based, as in SQLite.
  void bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, int v) { sqlite3_bind_int64(s_, i, v); }
  void bind(int i, bool v) { sqlite3_bind_int64(s_, i, v ? 1 : 0); }
  void bind(int i, double v) { sqlite3_bind_double(s_, i, v); }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }
  // No copy: the caller keeps the text alive until the statement is reset. The ledger writer
  // binds 14 strings a row, and SQLite's copies were a tenth of its time.
  void bind_static(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind_null(int i) { sqlite3_bind_null(s_, i); }
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    if (v)
      bind(i, *v);
    else
      bind_null(i);
  }

  int step() { return sqlite3_step(s_); }  // SQLITE_ROW, SQLITE_DONE or an error code
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  // Columns are 0-based, as in SQLite.
  bool is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  int64_t int64(int c) const { return sqlite3_column_int64(s_, c); }
  double real(int c) const { return sqlite3_column_double(s_, c); }
  std::string text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  Db() = default;
  // `flags` are sqlite3_open_v2 flags. The path is kept for error messages.
  static Result<Db> open(const std::string& path, int flags) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    Db db;
    db.db_.reset(raw);  // sqlite3_open_v2 may hand back a handle even on failure
    db.path_ = path;
    if (rc != SQLITE_OK)
      return fail(store_error("cannot open the ledger database " + path + ": " +
                              (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))));
    sqlite3_extended_result_codes(raw, 1);
    return db;
  }

  sqlite3* get() const { return db_.get(); }
  explicit operator bool() const { return db_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string errmsg() const { return db_ ? sqlite3_errmsg(db_.get()) : "not open"; }

  Result<void> exec(const std::string& sql) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &msg);
    if (rc == SQLITE_OK) return {};
    std::string m = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return fail(store_error("ledger database " + path_ + ": " + m));
  }

  Result<Stmt> prepare(std::string_view sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) return fail(store_error("ledger database " + path_ + ": " + errmsg()));
    return Stmt(s);
  }

 private:
  struct Closer {
    void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

// Runs migrations up to the newest (migrations.cpp). Idempotent; safe with several processes
// opening the same file at once.
Result<void> migrate(Db& db);

}  // namespace gw::store
