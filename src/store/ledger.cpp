#include "store/ledger.hpp"

#include "api/printable.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace gw::store {
namespace {

std::string sys_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno) +
         " (set [store] path in the config or $GW_DB to a writable place)";
}

// mkdir -p with 0700 for the folders we create: the ledger says who asked what, when.
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

constexpr const char* kInsertRow = R"sql(
INSERT INTO ledger (ts_ms, request_id, key_id, key_name, user, tenant, requested_model, route,
  provider, model, status, error_type, error_code, input_tokens, cached_tokens,
  cache_write_tokens, output_tokens, reasoning_tokens, usage_estimated, cost_usd, price_version,
  latency_ms, ttft_ms, attempts, stream, cancelled, client, pii, endpoint, client_family)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
  ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30))sql";

// The two halves of a body (request at completion, response after it) meet by request id.
constexpr const char* kInsertBody = R"sql(
INSERT INTO bodies (request_id, ts_ms, request, response) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT(request_id) DO UPDATE SET
  request = coalesce(excluded.request, bodies.request),
  response = coalesce(excluded.response, bodies.response))sql";

}  // namespace

Result<Db> open_store(const std::string& path, bool create) {
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
  return db;
}

Result<std::shared_ptr<Ledger>> Ledger::open(const std::string& path) {
  return open(path, Options{});
}

Result<std::shared_ptr<Ledger>> Ledger::open(const std::string& path, Options opt) {
  auto db = open_store(path, true);
  if (!db) return fail(db.error());
  sqlite3_busy_timeout(db->get(), opt.busy_timeout_ms);
  std::shared_ptr<Ledger> l(new Ledger(std::move(*db), opt));
  auto a = l->db_.prepare(kInsertRow);
  if (!a) return fail(a.error());
  auto b = l->db_.prepare(kInsertBody);
  if (!b) return fail(b.error());
  l->insert_row_ = std::move(*a);
  l->insert_body_ = std::move(*b);
  l->writer_ = std::thread([p = l.get()] { p->run(); });
  return l;
}

Ledger::Ledger(Db db, Options opt) : db_(std::move(db)), opt_(opt), path_(db_.path()) {}

Ledger::~Ledger() {
  close();
}

// Every string of a row may have come from a client or an upstream (a 1 MB model name with
// no key used to be stored whole): bounded and printable before it is kept.
static void bound_strings(LedgerRow& r) {
  for (std::string* s : {&r.request_id, &r.key_id, &r.key_name, &r.user, &r.tenant,
                         &r.requested_model, &r.route, &r.provider, &r.model, &r.error_type,
                         &r.error_code, &r.price_version, &r.client, &r.endpoint, &r.client_family})
    api::make_printable(*s);
}

void Ledger::enqueue(LedgerRow row) {
  bound_strings(row);  // before the lock: the writer's mutex is shared by every loop
  bool wake = false;
  {
    std::lock_guard lk(mu_);
    if (closed_ || rows_.size() + bodies_.size() >= opt_.max_pending) {
      rows_dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    rows_.push_back(std::move(row));
    ++enqueued_;
    size_t n = rows_.size() + bodies_.size();
    wake = (n == 1 && writer_idle_) || n == static_cast<size_t>(opt_.batch_rows);
  }
  if (wake) wake_.notify_one();  // at most twice per batch: notify is a syscall
}

void Ledger::enqueue(BodyRow row) {
  bool wake = false;
  {
    std::lock_guard lk(mu_);
    if (closed_ || rows_.size() + bodies_.size() >= opt_.max_pending) return;
    bodies_.push_back(std::move(row));
    ++enqueued_;
    wake = rows_.size() + bodies_.size() == 1 && writer_idle_;
  }
  if (wake) wake_.notify_one();
}

void Ledger::flush() {
  std::unique_lock lk(mu_);
  if (!writer_.joinable() || stop_) return;
  uint64_t target = enqueued_;
  if (processed_ >= target) return;
  flush_requested_ = true;
  wake_.notify_one();
  done_.wait(lk, [&] { return processed_ >= target || stop_; });
}

void Ledger::close() {
  {
    std::lock_guard lk(mu_);
    if (closed_) return;
    closed_ = true;
    stop_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  insert_row_ = Stmt();
  insert_body_ = Stmt();
  db_ = Db();
}

void Ledger::lost(size_t n, const std::string& why) {
  write_failures_.fetch_add(1, std::memory_order_relaxed);
  rows_dropped_.fetch_add(n, std::memory_order_relaxed);
  std::fprintf(stderr, "gw: warning: ledger write to %s failed, %zu record(s) lost: %s\n",
               path_.c_str(), n, why.c_str());
}

void Ledger::run() {
  // Background work: at nice 10 a batch write yields the CPU to the threads serving requests
  // (on a small machine it otherwise lands in their tail latency), and CFS still gives it a
  // fair share under saturation, so it keeps up. Linux sets nice per thread.
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  Batch b;  // kept across rounds: the cleared vectors go back to producers with their capacity
  std::unique_lock lk(mu_);
  while (true) {
    // With nothing pending the writer sleeps without a timer (an idle gateway wakes no one);
    // the first row wakes it, and it then gathers rows for up to interval_ms.
    writer_idle_ = true;
    wake_.wait(lk, [&] { return stop_ || flush_requested_ || !rows_.empty() || !bodies_.empty(); });
    writer_idle_ = false;
    wake_.wait_for(lk, std::chrono::milliseconds(opt_.interval_ms), [&] {
      return stop_ || flush_requested_ ||
             rows_.size() + bodies_.size() >= static_cast<size_t>(opt_.batch_rows);
    });
    b.rows.swap(rows_);
    b.bodies.swap(bodies_);
    flush_requested_ = false;
    bool stopping = stop_;
    lk.unlock();
    if (b.size() > 0) {
      auto r = write(b);
      if (!r) {  // one more try: a lock held by another process is usually brief
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        r = write(b);
      }
      if (r)
        rows_written_.fetch_add(b.rows.size(), std::memory_order_relaxed);
      else
        lost(b.size(), r.error().message);
    }
    lk.lock();
    processed_ += b.size();
    b.rows.clear();
    b.bodies.clear();
    done_.notify_all();
    if (stopping && rows_.empty() && bodies_.empty()) break;
  }
}

Result<void> Ledger::write(const Batch& b) {
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r;
  auto bad = [&]() -> Result<void> {
    std::string msg = db_.errmsg();
    (void)db_.exec("ROLLBACK");
    return fail(store_error(msg));
  };
  for (const auto& row : b.rows) {
    auto& s = insert_row_;
    s.bind(1, row.ts_ms);
    s.bind_static(2, row.request_id);
    s.bind_static(3, row.key_id);
    s.bind_static(4, row.key_name);
    s.bind_static(5, row.user);
    s.bind_static(6, row.tenant);
    s.bind_static(7, row.requested_model);
    s.bind_static(8, row.route);
    s.bind_static(9, row.provider);
    s.bind_static(10, row.model);
    s.bind(11, row.status);
    s.bind_static(12, row.error_type);
    s.bind_static(13, row.error_code);
    s.bind(14, row.input_tokens);
    s.bind(15, row.cached_tokens);
    s.bind(16, row.cache_write_tokens);
    s.bind(17, row.output_tokens);
    s.bind(18, row.reasoning_tokens);
    s.bind(19, row.usage_estimated);
    s.bind(20, row.cost_usd);
    s.bind_static(21, row.price_version);
    s.bind(22, row.latency_ms);
    s.bind(23, row.ttft_ms);
    s.bind(24, row.attempts);
    s.bind(25, row.stream);
    s.bind(26, row.cancelled);
    s.bind_static(27, row.client);
    s.bind_static(28, row.pii);
    s.bind_static(29, row.endpoint);
    s.bind_static(30, row.client_family);
    auto r = s.step() == SQLITE_DONE ? Result<void>{} : bad();
    s.reset();  // the statement lets go of the row's strings before they can be freed
    if (!r) return r;
  }
  for (const auto& body : b.bodies) {
    auto& s = insert_body_;
    s.bind_static(1, body.request_id);
    s.bind(2, body.ts_ms);
    if (body.request)
      s.bind_static(3, *body.request);
    else
      s.bind_null(3);
    if (body.response)
      s.bind_static(4, *body.response);
    else
      s.bind_null(4);
    auto r = s.step() == SQLITE_DONE ? Result<void>{} : bad();
    s.reset();
    if (!r) return r;
  }
  if (auto r = db_.exec("COMMIT"); !r) {
    (void)db_.exec("ROLLBACK");
    return r;
  }
  return {};
}

}  // namespace gw::store
