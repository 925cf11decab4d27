#include "store/pg_conn.hpp"

#include <charconv>
#include <climits>
#include <cstdint>

#include "api/utf8.hpp"

namespace gw::store {

Result<void> migrate(PgConn& conn);  // pg_migrations.cpp

namespace {

class PgRow final : public Row {
 public:
  PgRow(const LibPq* pq, const PGresult* r, int row) : pq_(pq), r_(r), row_(row) {}
  bool null(int c) const override { return pq_->PQgetisnull(r_, row_, c) != 0; }
  int64_t i64(int c) const override {
    int64_t v = 0;
    std::string_view t = text(c);
    std::from_chars(t.data(), t.data() + t.size(), v);  // sum(bigint) is numeric: "12" still
    return v;
  }
  double f64(int c) const override {
    double v = 0;
    std::string_view t = text(c);
    std::from_chars(t.data(), t.data() + t.size(), v);  // PostgreSQL prints the shortest exact
    return v;
  }
  std::string_view text(int c) const override {
    return std::string_view(pq_->PQgetvalue(r_, row_, c),
                            static_cast<size_t>(pq_->PQgetlength(r_, row_, c)));
  }

 private:
  const LibPq* pq_;
  const PGresult* r_;
  int row_;
};

// Clears a result when it goes out of scope.
struct ResultPtr {
  const LibPq* pq;
  PGresult* r;
  ResultPtr(const LibPq* lib, PGresult* res) : pq(lib), r(res) {}
  ResultPtr(const ResultPtr&) = delete;
  ResultPtr& operator=(const ResultPtr&) = delete;
  ~ResultPtr() {
    if (r) pq->PQclear(r);
  }
  PGresult* get() const { return r; }
};

// Valid UTF-8 without NUL goes as it is; anything else (a body from an old SQLite ledger, say)
// has each offending byte replaced by '?', since PostgreSQL refuses such text outright.
void append_text(std::string& out, std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = api::utf8_length(s, i);
    bool ok = n > 0 && s[i] != '\0';
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
}

void no_notices(void*, const char*) {}  // "relation already exists, skipping" is not news

}  // namespace

PgConn::PgConn(const LibPq* pq, std::string url, PGconn* c)
    : pq_(pq), url_(std::move(url)), where_(config::mask_postgres_url(url_)), c_(c) {}

PgConn::~PgConn() {
  if (c_) pq_->PQfinish(c_);
}

Result<std::unique_ptr<PgConn>> PgConn::open(const std::string& url) {
  if (!config::is_postgres_url(url))
    return fail(store_error("[store] url must start with postgres:// or postgresql://, not '" +
                            config::mask_postgres_url(url) + "'"));
  std::string why;
  const LibPq* pq = libpq(why);
  if (!pq) return fail(store_error("cannot use " + config::mask_postgres_url(url) + ": " + why));
  // Defaults first: what the URL itself sets wins (expand_dbname).
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                        nullptr};
  const char* vals[] = {"5", "gw", "UTF8", url.c_str(), nullptr};
  PGconn* c = pq->PQconnectdbParams(keys, vals, 1);
  std::unique_ptr<PgConn> conn(new PgConn(pq, url, c));
  if (!c || pq->PQstatus(c) != CONNECTION_OK)
    return fail(conn->failed("cannot connect (is the server running, and the URL right?)"));
  pq->PQsetNoticeProcessor(c, no_notices, nullptr);
  if (auto r = migrate(*conn); !r) return fail(r.error());
  return conn;
}

Error PgConn::failed(std::string_view what) const {
  std::string m = c_ ? pq_->PQerrorMessage(c_) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& ch : m)
    if (ch == '\n') ch = ' ';
  return store_error("ledger database " + where_ + ": " + std::string(what) +
                     (m.empty() ? "" : ": " + m));
}

Result<void> PgConn::usable() {
  if (pq_->PQstatus(c_) == CONNECTION_OK) return {};
  pq_->PQreset(c_);
  if (pq_->PQstatus(c_) != CONNECTION_OK) return fail(failed("cannot reconnect"));
  pq_->PQsetNoticeProcessor(c_, no_notices, nullptr);
  return {};
}

const PgConn::Translated& PgConn::translate(std::string_view sql) {
  auto it = translated_.find(std::string(sql));
  if (it != translated_.end()) return it->second;
  Translated t;
  t.text.reserve(sql.size());
  bool quoted = false;  // inside '...': a ? there is text
  for (size_t i = 0; i < sql.size(); ++i) {
    char ch = sql[i];
    if (ch == '\'') quoted = !quoted;
    if (quoted || ch != '?' || i + 1 >= sql.size() || sql[i + 1] < '0' || sql[i + 1] > '9') {
      t.text.push_back(ch);
      continue;
    }
    int n = 0;
    while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9')
      n = n * 10 + (sql[++i] - '0');
    size_t m = 0;
    while (m < t.order.size() && t.order[m] != n - 1) ++m;
    if (m == t.order.size()) t.order.push_back(n - 1);
    t.text.append("$").append(std::to_string(m + 1));
  }
  if (translated_.size() >= 64) translated_.clear();
  return translated_.emplace(std::string(sql), std::move(t)).first->second;
}

void PgConn::encode(std::span<const Param> p, const std::vector<int>* order, Encoded& out) {
  out.buf.clear();
  out.at.clear();
  out.values.clear();
  auto one = [&](const Param& v) {
    if (v.kind == Param::kNull) {
      out.at.push_back(SIZE_MAX);
      return;
    }
    out.at.push_back(out.buf.size());
    char num[32];
    if (v.kind == Param::kInt) {
      auto r = std::to_chars(num, num + sizeof num, v.i);
      out.buf.append(num, r.ptr);
    } else if (v.kind == Param::kReal) {
      auto r = std::to_chars(num, num + sizeof num, v.d);  // shortest text that reads back exact
      out.buf.append(num, r.ptr);
    } else {
      append_text(out.buf, v.s);
    }
    out.buf.push_back('\0');
  };
  if (order)
    for (int i : *order) one(i < static_cast<int>(p.size()) ? p[static_cast<size_t>(i)] : Param());
  else
    for (const auto& v : p) one(v);
  for (size_t at : out.at) out.values.push_back(at == SIZE_MAX ? nullptr : out.buf.data() + at);
}

Result<PGresult*> PgConn::exec_params(const std::string& sql, std::span<const Param> p,
                                      const std::vector<int>* order) {
  if (auto u = usable(); !u) return fail(u.error());
  encode(p, order, enc_);
  PGresult* r = pq_->PQexecParams(c_, sql.c_str(), static_cast<int>(enc_.values.size()), nullptr,
                                  enc_.values.data(), nullptr, nullptr, 0);
  auto st = pq_->PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Error e = failed("");
    pq_->PQclear(r);
    return fail(std::move(e));
  }
  return r;
}

Result<void> PgConn::exec(const std::string& script) {
  if (auto u = usable(); !u) return fail(u.error());
  ResultPtr r(pq_, pq_->PQexec(c_, script.c_str()));
  auto st = pq_->PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail(failed(""));
  return {};
}

Result<int64_t> PgConn::do_run(std::string_view sql, std::span<const Param> p) {
  const Translated& t = translate(sql);
  auto r = exec_params(t.text, p, &t.order);
  if (!r) return fail(r.error());
  ResultPtr res(pq_, *r);
  int64_t n = 0;
  std::string_view changed = pq_->PQcmdTuples(res.get());
  std::from_chars(changed.data(), changed.data() + changed.size(), n);
  return n;
}

Result<void> PgConn::do_each(std::string_view sql, std::span<const Param> p, const RowFn& fn) {
  if (auto u = usable(); !u) return fail(u.error());
  const Translated& t = translate(sql);
  encode(p, &t.order, enc_);
  if (!pq_->PQsendQueryParams(c_, t.text.c_str(), static_cast<int>(enc_.values.size()), nullptr,
                              enc_.values.data(), nullptr, nullptr, 0))
    return fail(failed(""));
  pq_->PQsetSingleRowMode(c_);  // rows arrive one at a time, never the whole result in memory
  std::optional<Error> err;
  while (PGresult* raw = pq_->PQgetResult(c_)) {
    ResultPtr r(pq_, raw);
    auto st = pq_->PQresultStatus(raw);
    if (st == PGRES_SINGLE_TUPLE) {
      if (!err) fn(PgRow(pq_, raw, 0));
    } else if (st == PGRES_TUPLES_OK) {
      for (int i = 0; i < pq_->PQntuples(raw) && !err; ++i) fn(PgRow(pq_, raw, i));
    } else if (!err) {
      err = failed("reading");
    }
  }
  if (err) return fail(std::move(*err));
  return {};
}

Result<void> PgConn::insert_many(const Insert& ins, size_t rows, const FillFn& fill) {
  const size_t ncol = ins.columns.size();
  // Multi-row VALUES, up to PostgreSQL's 65,535 parameters a statement. An upsert goes a row
  // at a time: one statement may not update the same row twice (a body's two halves).
  const size_t per = ins.on_conflict.empty() ? std::max<size_t>(1, 60000 / ncol) : 1;
  std::vector<Param> params(ncol * std::min(per, rows));
  std::string head = "INSERT INTO " + std::string(ins.table) + " (";
  for (size_t c = 0; c < ncol; ++c) head.append(c ? ", " : "").append(ins.columns[c]);
  head += ") VALUES ";
  std::string sql;
  for (size_t done = 0; done < rows;) {
    const size_t n = std::min(per, rows - done);
    sql = head;
    for (size_t r = 0; r < n; ++r) {
      sql += r ? ", (" : "(";
      for (size_t c = 0; c < ncol; ++c)
        sql.append(c ? ", $" : "$").append(std::to_string(r * ncol + c + 1));
      sql += ")";
    }
    sql.append(" ").append(ins.on_conflict);
    for (size_t r = 0; r < n; ++r) fill(done + r, std::span<Param>(params.data() + r * ncol, ncol));
    auto res = exec_params(sql, std::span<const Param>(params.data(), n * ncol), nullptr);
    if (!res) return fail(res.error());
    pq_->PQclear(*res);
    done += n;
  }
  return {};
}

}  // namespace gw::store
