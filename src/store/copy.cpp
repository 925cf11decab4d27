#include "store/copy.hpp"

#include <array>
#include <string>
#include <vector>

namespace gw::store {
namespace {

struct Column {
  std::string_view name;
  Param::Kind kind;  // how it is read: the same bits go in as came out
};

struct Table {
  std::string_view name, order;
  std::vector<Column> columns;
};

constexpr auto I = Param::kInt, R = Param::kReal, T = Param::kText;

// Every column of every table at schema_version_latest(); a new migration that adds one adds
// it here (the copy test compares whole tables).
const std::array<Table, 4>& tables() {
  static const std::array<Table, 4> kTables{
      Table{"keys",
            "rowid",
            {{"rowid", I},
             {"id", T},
             {"name", T},
             {"prefix", T},
             {"hash", T},
             {"\"user\"", T},
             {"tenant", T},
             {"created_ms", I},
             {"revoked_ms", I},
             {"models", T},
             {"rpm", I},
             {"tpm", I},
             {"max_parallel", I},
             {"budget_usd", R},
             {"period", T},
             {"unpriced", T},
             {"guard", T},
             {"admin", I}}},
      Table{"ledger",
            "id",
            {{"id", I},
             {"ts_ms", I},
             {"request_id", T},
             {"key_id", T},
             {"key_name", T},
             {"\"user\"", T},
             {"tenant", T},
             {"requested_model", T},
             {"route", T},
             {"provider", T},
             {"model", T},
             {"status", I},
             {"error_type", T},
             {"error_code", T},
             {"input_tokens", I},
             {"cached_tokens", I},
             {"cache_write_tokens", I},
             {"output_tokens", I},
             {"reasoning_tokens", I},
             {"usage_estimated", I},
             {"cost_usd", R},
             {"price_version", T},
             {"latency_ms", R},
             {"ttft_ms", R},
             {"attempts", I},
             {"stream", I},
             {"cancelled", I},
             {"client", T},
             {"pii", T},
             {"endpoint", T},
             {"client_family", T}}},
      Table{"bodies",
            "request_id",
            {{"request_id", T}, {"ts_ms", I}, {"request", T}, {"response", T}}},
      Table{"responses",
            "id",
            {{"id", T}, {"ts_ms", I}, {"key_id", T}, {"conversation", T}, {"response", T}}},
  };
  return kTables;
}

// One value read from the source, owned until the batch is written.
struct Cell {
  Param::Kind kind = Param::kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;
  Param param() const {
    switch (kind) {
      case Param::kInt:
        return Param(i);
      case Param::kReal:
        return Param(d);
      case Param::kText:
        return Param(std::string_view(s));
      default:
        return Param();
    }
  }
};

constexpr size_t kBatchRows = 1000;

Result<int64_t> copy_table(Conn& from, Conn& to, const Table& t) {
  std::string sql = "SELECT ";
  std::vector<std::string_view> names;
  for (const auto& c : t.columns) {
    sql.append(names.empty() ? "" : ", ").append(c.name);
    names.push_back(c.name);
  }
  sql.append(" FROM ").append(t.name).append(" ORDER BY ").append(t.order);
  const size_t ncol = t.columns.size();
  std::vector<Cell> cells;
  cells.reserve(kBatchRows * ncol);
  int64_t copied = 0;
  std::optional<Error> err;
  auto flush = [&] {
    const size_t rows = cells.size() / ncol;
    if (rows == 0 || err) return;
    auto r = to.insert_many({t.name, names, {}}, rows, [&](size_t i, std::span<Param> p) {
      for (size_t c = 0; c < ncol; ++c) p[c] = cells[i * ncol + c].param();
    });
    if (!r) err = r.error();
    copied += static_cast<int64_t>(rows);
    cells.clear();
  };
  auto read = from.each(sql, {}, [&](const Row& row) {
    for (size_t c = 0; c < ncol; ++c) {
      Cell cell;
      const int at = static_cast<int>(c);
      if (!row.null(at)) {
        cell.kind = t.columns[c].kind;
        if (cell.kind == Param::kInt)
          cell.i = row.i64(at);
        else if (cell.kind == Param::kReal)
          cell.d = row.f64(at);
        else
          cell.s = row.str(at);
      }
      cells.push_back(std::move(cell));
    }
    if (cells.size() >= kBatchRows * ncol) flush();
  });
  if (!read) return fail(read.error());
  flush();
  if (err) return fail(std::move(*err));
  return copied;
}

}  // namespace

Result<CopyCounts> copy_store(Conn& from, Conn& to) {
  int64_t held = 0;
  for (const auto& t : tables()) {
    auto n = to.scalar("SELECT count(*) FROM " + std::string(t.name));
    if (!n) return fail(n.error());
    held += n->value_or(0);
  }
  if (held > 0)
    return fail(store_error(
        "the target store " + to.where() + " is not empty (" + std::to_string(held) +
        " rows in its ledger, keys, bodies and responses): gw store migrate copies into an "
        "empty store only, since a second copy would count every request twice"));
  if (auto r = to.begin(); !r) return fail(r.error());
  CopyCounts out;
  for (const auto& t : tables()) {
    auto n = copy_table(from, to, t);
    if (!n) {
      to.rollback();
      return fail(n.error());
    }
    if (t.name == "ledger") out.ledger = *n;
    if (t.name == "keys") out.keys = *n;
    if (t.name == "bodies") out.bodies = *n;
    if (t.name == "responses") out.responses = *n;
  }
  // New rows continue after the copied ids (PostgreSQL's identity counters do not see them).
  if (to.postgres()) {
    for (auto [table, col] : {std::pair{"ledger", "id"}, std::pair{"keys", "rowid"}}) {
      std::string sql = std::string("SELECT setval(pg_get_serial_sequence('") + table + "', '" +
                        col + "'), (SELECT coalesce(max(" + col + "), 0) + 1 FROM " + table +
                        "), false)";
      if (auto r = to.exec(sql); !r) {
        to.rollback();
        return fail(r.error());
      }
    }
  }
  if (auto r = to.commit(); !r) {
    to.rollback();
    return fail(r.error());
  }
  return out;
}

}  // namespace gw::store
