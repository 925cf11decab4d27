// `gw report`'s engine: group the ledger by any set of keys over a time window, and render
// the result as an aligned table, one line of JSON, or CSV. Never reads bodies.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/error.hpp"
#include "store/conn.hpp"

namespace gw::store {

// user, tenant, key, model, provider, route, endpoint, client, day, hour, month.
std::span<const std::string_view> report_keys();

// "user,model" → {"user","model"}; unknown or repeated keys are usage errors.
Result<std::vector<std::string>> parse_group_by(std::string_view csv);

// "7d", "24h", "90m", "2w" (before `now_ms`), "now", an ISO date "2026-11-01" (UTC midnight;
// as an --until bound, the end of that day) or datetime "2026-11-01T12:00[:00][Z]" (UTC).
Result<int64_t> parse_time(std::string_view s, int64_t now_ms, bool end_of_day);

std::string iso_utc(int64_t unix_ms);  // "2026-11-01T00:00:00Z"

struct ReportQuery {
  std::vector<std::string> by{"user"};
  int64_t since_ms = 0, until_ms = 0;  // [since, until)
  std::optional<std::string> user, tenant, model;
  bool latency = false;  // also the latency percentiles of each row (--latency)
};

// Nearest-rank latency percentiles of a row's requests, in milliseconds.
struct LatencyPercentiles {
  double p50 = 0, p95 = 0, p99 = 0;
};

struct ReportTotals {
  int64_t requests = 0, errors = 0;
  int64_t input_tokens = 0, output_tokens = 0, cached_tokens = 0;
  std::optional<double> cost_usd = 0.0;  // nullopt: some request has no known price
  void add(const ReportTotals& o);
};

struct ReportRow {
  std::vector<std::string> keys;  // one per ReportQuery::by
  ReportTotals t;
  std::optional<LatencyPercentiles> latency;  // with ReportQuery::latency and requests > 0
};

struct Report {
  ReportQuery query;
  std::vector<ReportRow> rows;
  ReportTotals total;
  std::optional<LatencyPercentiles> total_latency;
};

Result<Report> run_report(Conn& db, const ReportQuery& q);
// Several reports of one period and one set of filters (they may differ only in `by` and
// `latency`) from one pass over the ledger, each equal to run_report of its query: the
// dashboard's first paint reads four.
Result<std::vector<Report>> run_reports(Conn& db, const std::vector<ReportQuery>& qs);

// One line: {"by","since","until","rows","total"}; with ReportQuery::latency each row and the
// total also carry "latency_ms": {"p50","p95","p99"} (null for no requests).
std::string render_json(const Report& r);
std::string render_csv(const Report& r);
std::string render_table(const Report& r);

}  // namespace gw::store
