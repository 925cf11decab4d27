// The usage ledger (docs/ARCHITECTURE.md §8): one row per client request, written by a
// background thread in batched transactions so the request path only pays for a vector push
// under a mutex. The store is SQLite or PostgreSQL (store/conn.hpp); a batch that cannot be
// written (PostgreSQL restarting, a lock held too long) is kept and tried again for a while.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/error.hpp"
#include "config/config.hpp"
#include "store/conn.hpp"

namespace gw::store {

struct LedgerRow {
  int64_t ts_ms = 0;  // request start, unix ms
  std::string request_id;
  std::string key_id, key_name;
  std::string user, tenant;
  std::string requested_model, route;
  std::string provider, model;
  int status = 0;
  std::string error_type, error_code;
  int64_t input_tokens = 0;  // every prompt token: uncached + cached + cache writes
  int64_t cached_tokens = 0, cache_write_tokens = 0;
  int64_t output_tokens = 0, reasoning_tokens = 0;  // reasoning is part of output
  bool usage_estimated = false;
  std::optional<double> cost_usd;  // nullopt: the model has no known price
  std::string price_version;
  double latency_ms = 0;
  std::optional<double> ttft_ms;
  int attempts = 0;
  bool stream = false, cancelled = false;
  std::string client;
  std::string pii;
  std::string endpoint = "chat";  // chat | messages | responses | embeddings
  std::string
      client_family;  // openai-sdk, anthropic-sdk, claude-code, ...; empty: the CLI  // JSON object
                      // of PII counts by type; empty until the guard reports them
};

// Only written when [store] log_bodies = true. Either half may arrive alone: the two are
// merged by request id.
struct BodyRow {
  std::string request_id;
  int64_t ts_ms = 0;
  std::optional<std::string> request, response;
};

class Ledger {
 public:
  struct Options {
    int batch_rows = 256;         // write as soon as this many are waiting
    int interval_ms = 50;         // else at least this often
    int busy_timeout_ms = 2000;   // another process holding the write lock (SQLite)
    size_t max_pending = 200000;  // beyond this, rows are dropped (counted) rather than grow
    int retry_for_ms = 30000;     // a failing batch is retried this long, then dropped (counted)
  };

  // The SQLite store at `path`, created when missing.
  static Result<std::shared_ptr<Ledger>> open(const std::string& path);
  static Result<std::shared_ptr<Ledger>> open(const std::string& path, Options opt);
  // The store the config names ([store] url, else path).
  static Result<std::shared_ptr<Ledger>> open(const config::StoreConfig& store);
  // An open, migrated store of either kind; the ledger's writer thread owns it.
  static Result<std::shared_ptr<Ledger>> open(std::unique_ptr<Conn> conn, Options opt);
  ~Ledger();  // close()
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Never blocks on disk; never throws past a failed allocation.
  void enqueue(LedgerRow row);
  void enqueue(BodyRow row);
  // Blocks until everything enqueued before the call is written (or has failed).
  void flush();
  // Flushes, stops the writer and closes the file. Idempotent; later enqueues are dropped.
  void close();

  const std::string& path() const { return path_; }  // or the URL, without its password
  // For /metrics: failed batch writes, rows lost (failed or over max_pending), rows written.
  uint64_t write_failures() const { return write_failures_.load(std::memory_order_relaxed); }
  uint64_t rows_dropped() const { return rows_dropped_.load(std::memory_order_relaxed); }
  uint64_t rows_written() const { return rows_written_.load(std::memory_order_relaxed); }

 private:
  Ledger(std::unique_ptr<Conn> conn, Options opt);
  void run();
  struct Batch {
    std::vector<LedgerRow> rows;
    std::vector<BodyRow> bodies;
    int tries = 0;  // failed writes so far
    std::chrono::steady_clock::time_point first_failure;
    size_t size() const { return rows.size() + bodies.size(); }
  };
  Result<void> write(const Batch& b);
  void lost(size_t n, const std::string& why);

  std::unique_ptr<Conn> conn_;
  Options opt_;
  std::string path_;

  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<LedgerRow> rows_;
  std::vector<BodyRow> bodies_;
  uint64_t enqueued_ = 0, processed_ = 0;  // items, guarded by mu_
  size_t held_ = 0;  // items in a batch the writer is retrying, guarded by mu_
  bool flush_requested_ = false, stop_ = false, closed_ = false;
  bool writer_idle_ = false;  // the writer sleeps with nothing pending: the first row wakes it
  std::thread writer_;

  std::atomic<uint64_t> write_failures_{0}, rows_dropped_{0}, rows_written_{0};
};

}  // namespace gw::store
