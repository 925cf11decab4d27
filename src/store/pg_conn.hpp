// The store in PostgreSQL ([store] url = "postgres://..."): keys and one ledger shared by
// several gw instances. libpq (loaded on first use, store/libpq.hpp), text-format parameters,
// one connection per owner.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "store/conn.hpp"
#include "store/libpq.hpp"

namespace gw::store {

class PgConn final : public Conn {
 public:
  // Connects (bounded by connect_timeout, 5 s unless the URL sets it) and migrates.
  static Result<std::unique_ptr<PgConn>> open(const std::string& url);
  ~PgConn() override;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  bool postgres() const override { return true; }
  const std::string& where() const override { return where_; }
  Result<void> exec(const std::string& script) override;
  Result<void> insert_many(const Insert& ins, size_t rows, const FillFn& fill) override;
  Result<void> begin() override { return exec("BEGIN"); }

 protected:
  Result<int64_t> do_run(std::string_view sql, std::span<const Param> p) override;
  Result<void> do_each(std::string_view sql, std::span<const Param> p, const RowFn& fn) override;

 private:
  PgConn(const LibPq* pq, std::string url, PGconn* c);
  // A lost connection (the server restarted) is opened again before the next statement.
  Result<void> usable();
  Error failed(std::string_view what) const;

  // `sql` with ?N rewritten to $M, numbered by first use, and which parameter each $M takes:
  // a parameter the statement does not use is not sent (PostgreSQL could not type it).
  struct Translated {
    std::string text;
    std::vector<int> order;
  };
  const Translated& translate(std::string_view sql);
  // Parameters as NUL-terminated text in one buffer (PostgreSQL's text format).
  struct Encoded {
    std::string buf;
    std::vector<size_t> at;  // offset of each value in buf; SIZE_MAX for NULL
    std::vector<const char*> values;
  };
  void encode(std::span<const Param> p, const std::vector<int>* order, Encoded& out);
  Result<PGresult*> exec_params(const std::string& sql, std::span<const Param> p,
                                const std::vector<int>* order);

  const LibPq* pq_;
  std::string url_, where_;
  PGconn* c_ = nullptr;
  std::unordered_map<std::string, Translated> translated_;
  Encoded enc_;
};

}  // namespace gw::store
