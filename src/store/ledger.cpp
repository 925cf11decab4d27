#include "store/ledger.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>

#include "api/printable.hpp"
#include "store/connect.hpp"
#include "store/sqlite_conn.hpp"

namespace gw::store {
namespace {

constexpr std::array<std::string_view, 30> kRowColumns{"ts_ms",           "request_id",
                                                       "key_id",          "key_name",
                                                       "\"user\"",        "tenant",
                                                       "requested_model", "route",
                                                       "provider",        "model",
                                                       "status",          "error_type",
                                                       "error_code",      "input_tokens",
                                                       "cached_tokens",   "cache_write_tokens",
                                                       "output_tokens",   "reasoning_tokens",
                                                       "usage_estimated", "cost_usd",
                                                       "price_version",   "latency_ms",
                                                       "ttft_ms",         "attempts",
                                                       "stream",          "cancelled",
                                                       "client",          "pii",
                                                       "endpoint",        "client_family"};

constexpr std::array<std::string_view, 4> kBodyColumns{"request_id", "ts_ms", "request",
                                                       "response"};
// The two halves of a body meet by request id, in either order: the response half (written
// as the answer goes out) carries no time; the request half carries the ledger row's.
constexpr std::string_view kBodyUpsert =
    "ON CONFLICT(request_id) DO UPDATE SET "
    "ts_ms = CASE WHEN excluded.ts_ms > bodies.ts_ms THEN excluded.ts_ms ELSE bodies.ts_ms END, "
    "request = coalesce(excluded.request, bodies.request), "
    "response = coalesce(excluded.response, bodies.response)";

void fill_row(const LedgerRow& row, std::span<Param> p) {
  p[0] = row.ts_ms;
  p[1] = row.request_id;
  p[2] = row.key_id;
  p[3] = row.key_name;
  p[4] = row.user;
  p[5] = row.tenant;
  p[6] = row.requested_model;
  p[7] = row.route;
  p[8] = row.provider;
  p[9] = row.model;
  p[10] = row.status;
  p[11] = row.error_type;
  p[12] = row.error_code;
  p[13] = row.input_tokens;
  p[14] = row.cached_tokens;
  p[15] = row.cache_write_tokens;
  p[16] = row.output_tokens;
  p[17] = row.reasoning_tokens;
  p[18] = row.usage_estimated;
  p[19] = row.cost_usd;
  p[20] = row.price_version;
  p[21] = row.latency_ms;
  p[22] = row.ttft_ms;
  p[23] = row.attempts;
  p[24] = row.stream;
  p[25] = row.cancelled;
  p[26] = row.client;
  p[27] = row.pii;
  p[28] = row.endpoint;
  p[29] = row.client_family;
}

}  // namespace

Result<std::shared_ptr<Ledger>> Ledger::open(const std::string& path) {
  return open(path, Options{});
}

Result<std::shared_ptr<Ledger>> Ledger::open(const std::string& path, Options opt) {
  auto db = open_sqlite(path, true);
  if (!db) return fail(db.error());
  sqlite3_busy_timeout((*db)->db().get(), opt.busy_timeout_ms);
  return open(std::unique_ptr<Conn>(std::move(*db)), opt);
}

Result<std::shared_ptr<Ledger>> Ledger::open(const config::StoreConfig& store) {
  if (store.url.empty()) return open(store.path);
  auto conn = connect(store, true);
  if (!conn) return fail(conn.error());
  return open(std::move(*conn), Options{});
}

Result<std::shared_ptr<Ledger>> Ledger::open(std::unique_ptr<Conn> conn, Options opt) {
  if (!conn) return fail(store_error("no ledger store"));
  std::shared_ptr<Ledger> l(new Ledger(std::move(conn), opt));
  l->writer_ = std::thread([p = l.get()] { p->run(); });
  return l;
}

Ledger::Ledger(std::unique_ptr<Conn> conn, Options opt)
    : conn_(std::move(conn)), opt_(opt), path_(conn_->where()) {}

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
    if (closed_ || rows_.size() + bodies_.size() + held_ >= opt_.max_pending) {
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
    if (closed_ || rows_.size() + bodies_.size() + held_ >= opt_.max_pending) return;
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
  conn_.reset();
}

void Ledger::lost(size_t n, const std::string& why) {
  rows_dropped_.fetch_add(n, std::memory_order_relaxed);
  std::fprintf(stderr, "gw: warning: ledger write to %s failed, %zu record(s) lost: %s\n",
               path_.c_str(), n, why.c_str());
}

void Ledger::run() {
  // Background work: at nice 10 a batch write yields the CPU to the threads serving requests
  // (on a small machine it otherwise lands in their tail latency), and CFS still gives it a
  // fair share under saturation, so it keeps up. Linux sets nice per thread.
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  using Clock = std::chrono::steady_clock;
  Batch b;  // kept across rounds: the cleared vectors go back to producers with their capacity
  std::unique_lock lk(mu_);
  while (true) {
    if (b.tries == 0) {
      // With nothing pending the writer sleeps without a timer (an idle gateway wakes no one);
      // the first row wakes it, and it then gathers rows for up to interval_ms.
      writer_idle_ = true;
      wake_.wait(lk,
                 [&] { return stop_ || flush_requested_ || !rows_.empty() || !bodies_.empty(); });
      writer_idle_ = false;
      wake_.wait_for(lk, std::chrono::milliseconds(opt_.interval_ms), [&] {
        return stop_ || flush_requested_ ||
               rows_.size() + bodies_.size() >= static_cast<size_t>(opt_.batch_rows);
      });
    } else {
      // A failed batch waits 100 ms, doubling to 2 s; shutdown cuts the wait short.
      auto pause = std::chrono::milliseconds(std::min(2000, 100 << std::min(b.tries - 1, 5)));
      wake_.wait_for(lk, pause, [&] { return stop_; });
    }
    if (b.size() == 0) {
      b.rows.swap(rows_);
      b.bodies.swap(bodies_);
    } else {  // a retried batch takes what arrived meanwhile, in order
      std::move(rows_.begin(), rows_.end(), std::back_inserter(b.rows));
      std::move(bodies_.begin(), bodies_.end(), std::back_inserter(b.bodies));
      rows_.clear();
      bodies_.clear();
    }
    flush_requested_ = false;
    bool stopping = stop_;
    held_ = b.size();
    lk.unlock();
    bool settled = true;  // written, or given up on
    if (b.size() > 0) {
      auto r = write(b);
      if (r) {
        rows_written_.fetch_add(b.rows.size(), std::memory_order_relaxed);
      } else {
        write_failures_.fetch_add(1, std::memory_order_relaxed);
        if (b.tries++ == 0) {
          b.first_failure = Clock::now();
          std::fprintf(stderr, "gw: warning: ledger write to %s failed, retrying: %s\n",
                       path_.c_str(), r.error().message.c_str());
        }
        const bool expired =
            Clock::now() - b.first_failure >= std::chrono::milliseconds(opt_.retry_for_ms);
        if (expired || (stopping && b.tries >= 3) || b.size() >= opt_.max_pending)
          lost(b.size(), r.error().message);
        else
          settled = false;
      }
    }
    lk.lock();
    if (settled) {
      processed_ += b.size();
      b.rows.clear();
      b.bodies.clear();
      b.tries = 0;
      held_ = 0;
      done_.notify_all();
    }
    if (stopping && settled && rows_.empty() && bodies_.empty()) break;
  }
}

Result<void> Ledger::write(const Batch& b) {
  if (auto r = conn_->begin(); !r) return r;
  auto undo = [&](Result<void> r) {
    conn_->rollback();
    return r;
  };
  if (!b.rows.empty()) {
    auto r = conn_->insert_many({"ledger", kRowColumns, {}}, b.rows.size(),
                                [&](size_t i, std::span<Param> p) { fill_row(b.rows[i], p); });
    if (!r) return undo(r);
  }
  if (!b.bodies.empty()) {
    auto r = conn_->insert_many({"bodies", kBodyColumns, kBodyUpsert}, b.bodies.size(),
                                [&](size_t i, std::span<Param> p) {
                                  const BodyRow& body = b.bodies[i];
                                  p[0] = body.request_id;
                                  p[1] = body.ts_ms;
                                  p[2] = body.request;
                                  p[3] = body.response;
                                });
    if (!r) return undo(r);
  }
  if (auto r = conn_->commit(); !r) return undo(r);
  return {};
}

}  // namespace gw::store
