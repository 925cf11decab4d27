#include "store/sqlite_conn.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gw::store {
namespace {

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* s) : s_(s) {}
  bool null(int c) const override { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  int64_t i64(int c) const override { return sqlite3_column_int64(s_, c); }
  double f64(int c) const override { return sqlite3_column_double(s_, c); }
  std::string_view text(int c) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(s_, c)))
             : std::string_view();
  }

 private:
  sqlite3_stmt* s_;
};

std::string sys_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno) +
         " (set [store] path in the config or $GW_DB to a writable place)";
}

// mkdir -p with 0700 for the folders we create.
Result<void> make_folders(const std::string& file) {
  auto slash = file.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  std::string dir = file.substr(0, slash);
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (::mkdir(part.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return fail(store_error(sys_error("cannot create the ledger folder", part)));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return fail(store_error(sys_error("cannot use the ledger folder", dir)));
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return fail(store_error(sys_error("cannot use the ledger folder", dir)));
  }
  return {};
}

constexpr size_t kMaxCachedStatements = 64;  // report SQL varies with --by; keys' is fixed

}  // namespace

Error SqliteConn::failed(std::string_view what) const {
  return store_error("ledger database " + db_.path() + ": " + std::string(what) +
                     (what.empty() ? "" : ": ") + db_.errmsg());
}

Result<Stmt*> SqliteConn::statement(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end()) return &it->second;
  if (cache_.size() >= kMaxCachedStatements) cache_.clear();
  auto st = db_.prepare(sql);
  if (!st) return fail(st.error());
  return &cache_.emplace(std::string(sql), std::move(*st)).first->second;
}

// Text is bound without a copy: every caller steps and resets before its values go away.
void SqliteConn::bind(Stmt& st, std::span<const Param> p) {
  for (size_t i = 0; i < p.size(); ++i) {
    const int at = static_cast<int>(i) + 1;
    switch (p[i].kind) {
      case Param::kNull:
        st.bind_null(at);
        break;
      case Param::kInt:
        st.bind(at, p[i].i);
        break;
      case Param::kReal:
        st.bind(at, p[i].d);
        break;
      case Param::kText:
        st.bind_static(at, p[i].s);
        break;
    }
  }
}

Result<int64_t> SqliteConn::do_run(std::string_view sql, std::span<const Param> p) {
  auto st = statement(sql);
  if (!st) return fail(st.error());
  bind(**st, p);
  int rc = (*st)->step();
  (*st)->reset();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(failed(""));
  return static_cast<int64_t>(sqlite3_changes(db_.get()));
}

Result<void> SqliteConn::do_each(std::string_view sql, std::span<const Param> p, const RowFn& fn) {
  auto st = statement(sql);
  if (!st) return fail(st.error());
  Stmt& s = **st;
  bind(s, p);
  SqliteRow row(s.get());
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) fn(row);
  s.reset();
  if (rc != SQLITE_DONE) return fail(failed("reading"));
  return {};
}

Result<void> SqliteConn::insert_many(const Insert& ins, size_t rows, const FillFn& fill) {
  std::string sql = "INSERT INTO " + std::string(ins.table) + " (";
  for (size_t c = 0; c < ins.columns.size(); ++c) sql.append(c ? ", " : "").append(ins.columns[c]);
  sql += ") VALUES (";
  for (size_t c = 0; c < ins.columns.size(); ++c)
    sql.append(c ? ", ?" : "?").append(std::to_string(c + 1));
  sql.append(") ").append(ins.on_conflict);
  auto st = statement(sql);
  if (!st) return fail(st.error());
  Stmt& s = **st;
  std::vector<Param> params(ins.columns.size());
  for (size_t i = 0; i < rows; ++i) {
    fill(i, params);
    bind(s, params);
    int rc = s.step();
    s.reset();  // the statement lets go of the row's text before it can be freed
    if (rc != SQLITE_DONE) return fail(failed("writing " + std::string(ins.table)));
  }
  return {};
}

Result<std::unique_ptr<SqliteConn>> open_sqlite(const std::string& path, bool create) {
  if (path.empty()) return fail(store_error("no ledger path configured ([store] path or $GW_DB)"));
  if (create) {
    if (auto r = make_folders(path); !r) return fail(r.error());
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return fail(store_error(sys_error("cannot create the ledger database", path)));
    ::close(fd);
  } else if (::access(path.c_str(), F_OK) != 0) {
    return fail(store_error("no ledger database at " + path +
                            ": nothing has been recorded yet (set [store] path or $GW_DB to "
                            "choose another file)"));
  }
  auto db = Db::open(path, SQLITE_OPEN_READWRITE);
  if (!db) return fail(db.error());
  sqlite3_busy_timeout(db->get(), 2000);
  // WAL: readers (gw report) never block the writer, and a batch commit is one fsync.
  if (auto r = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !r) {
    int code = sqlite3_errcode(db->get()) & 0xff;
    bool perms = code == SQLITE_READONLY || code == SQLITE_CANTOPEN || code == SQLITE_PERM;
    return fail(store_error("cannot use the ledger database " + path + ": " + db->errmsg() +
                            (perms ? " (are the file and its folder writable?)" : "")));
  }
  if (auto r = migrate(*db); !r) return fail(r.error());
  return std::make_unique<SqliteConn>(std::move(*db));
}

}  // namespace gw::store
