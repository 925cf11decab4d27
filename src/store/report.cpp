#include "store/report.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace gw::store {
namespace {

using namespace std::chrono;

Error usage(std::string msg) {
  return Error::usage(std::move(msg));
}

constexpr std::array<std::string_view, 11> kKeys{"user",     "tenant", "key",      "model",
                                                 "provider", "route",  "endpoint", "client",
                                                 "day",      "hour",   "month"};

// The SQL each text key groups by (the time keys are cut from ts_ms in C++). A model is named
// provider/model; a request that failed before routing has no provider and is grouped under
// the name the client asked for.
std::string_view key_sql(std::string_view k) {
  if (k == "user") return "\"user\"";
  if (k == "tenant") return "tenant";
  if (k == "key") return "key_id";
  if (k == "model")
    return "CASE WHEN provider = '' THEN requested_model ELSE provider || '/' || model END";
  if (k == "provider") return "provider";
  if (k == "route") return "route";
  if (k == "endpoint") return "endpoint";
  // The caller's kind: its client family from its user agent (openai-sdk, claude-code, ...)
  // for gw serve, else the CLI command (chat, compare).
  return "CASE WHEN client_family != '' THEN client_family ELSE client END";  // client
}

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH:MM]" → unix ms; nullopt when malformed.
std::optional<int64_t> parse_iso(std::string_view s, bool end_of_day) {
  int y, mo, d;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-' || !parse_int(s.substr(0, 4), y) ||
      !parse_int(s.substr(5, 2), mo) || !parse_int(s.substr(8, 2), d))
    return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  int64_t ms = duration_cast<milliseconds>(sys_days{ymd}.time_since_epoch()).count();
  std::string_view rest = s.substr(10);
  if (rest.empty()) return end_of_day ? ms + 86'400'000 : ms;
  if (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') return std::nullopt;
  rest.remove_prefix(1);
  int hh, mm, ss = 0, frac_ms = 0;
  if (rest.size() < 5 || rest[2] != ':' || !parse_int(rest.substr(0, 2), hh) ||
      !parse_int(rest.substr(3, 2), mm))
    return std::nullopt;
  rest.remove_prefix(5);
  if (!rest.empty() && rest[0] == ':') {
    if (rest.size() < 3 || !parse_int(rest.substr(1, 2), ss)) return std::nullopt;
    rest.remove_prefix(3);
    if (!rest.empty() && rest[0] == '.') {
      size_t n = 1;
      while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
      std::string digits(rest.substr(1, n - 1));
      digits.resize(3, '0');
      if (n == 1 || !parse_int(digits, frac_ms)) return std::nullopt;
      rest.remove_prefix(n);
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  int offset_min = 0;
  if (rest == "Z" || rest == "z") {
    rest = {};
  } else if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    int oh, om;
    if (rest.size() != 6 || rest[3] != ':' || !parse_int(rest.substr(1, 2), oh) ||
        !parse_int(rest.substr(4, 2), om))
      return std::nullopt;
    offset_min = (oh * 60 + om) * (rest[0] == '+' ? 1 : -1);
    rest = {};
  }
  if (!rest.empty()) return std::nullopt;
  return ms + ((hh * 60 + mm - offset_min) * 60 + ss) * 1000LL + frac_ms;
}

std::string fmt_cost(const std::optional<double>& c) {
  if (!c) return "unknown";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", *c);
  return buf;
}

std::string shortest(double v) {  // round-trips exactly
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, p) : std::to_string(v);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Nearest rank: the smallest value with at least p of the values at or below it. Reorders `v`.
std::optional<LatencyPercentiles> percentiles(std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  auto at = [&](double p) {
    // The epsilon keeps 0.95 * 100 at rank 95 whatever the rounding of 0.95.
    size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()) - 1e-9));
    size_t i = std::clamp<size_t>(rank, 1, v.size()) - 1;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
  };
  LatencyPercentiles out;
  out.p50 = at(0.50);
  out.p95 = at(0.95);
  out.p99 = at(0.99);
  return out;
}

}  // namespace

std::span<const std::string_view> report_keys() {
  return kKeys;
}

Result<std::vector<std::string>> parse_group_by(std::string_view csv) {
  std::vector<std::string> out;
  while (true) {
    auto comma = csv.find(',');
    std::string_view part = csv.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (std::find(kKeys.begin(), kKeys.end(), part) == kKeys.end())
      return fail(usage("--by: unknown key '" + std::string(part) +
                        "' (use a comma list of user, tenant, key, model, provider, route, "
                        "endpoint, client, day, hour, month)"));
    if (std::find(out.begin(), out.end(), part) != out.end())
      return fail(usage("--by: '" + std::string(part) + "' is listed twice"));
    out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    csv.remove_prefix(comma + 1);
  }
  return out;
}

Result<int64_t> parse_time(std::string_view s, int64_t now_ms, bool end_of_day) {
  if (s == "now") return now_ms;
  if (s.size() >= 2 && s[0] >= '0' && s[0] <= '9' && s.find('-') == std::string_view::npos) {
    int n;
    char unit = s.back();
    int64_t unit_ms = unit == 's'   ? 1000
                      : unit == 'm' ? 60'000
                      : unit == 'h' ? 3'600'000
                      : unit == 'd' ? 86'400'000
                      : unit == 'w' ? 604'800'000
                                    : 0;
    if (unit_ms && parse_int(s.substr(0, s.size() - 1), n) && n >= 0) return now_ms - n * unit_ms;
  }
  if (auto t = parse_iso(s, end_of_day)) return *t;
  return fail(usage("cannot read the time '" + std::string(s) +
                    "': use a span before now (7d, 24h, 30m, 2w), an ISO date (2026-11-01) or "
                    "datetime (2026-11-01T12:00:00Z)"));
}

std::string iso_utc(int64_t unix_ms) {
  sys_seconds t{seconds{unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000}};
  auto dp = floor<days>(t);
  year_month_day ymd{dp};
  hh_mm_ss hms{t - dp};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

void ReportTotals::add(const ReportTotals& o) {
  requests += o.requests;
  errors += o.errors;
  input_tokens += o.input_tokens;
  output_tokens += o.output_tokens;
  cached_tokens += o.cached_tokens;
  if (cost_usd && o.cost_usd)
    *cost_usd += *o.cost_usd;
  else
    cost_usd.reset();
}

namespace {

// One report's grouping, fed row by row from the one statement of run_reports.
class Grouping {
 public:
  // `cols[i]`: the statement's column holding q.by[i] (a time key: the ts_ms column).
  Grouping(const ReportQuery& q, std::vector<int> cols) : q_(q), cols_(std::move(cols)) {
    for (const auto& k : q.by)
      kind_.push_back(k == "day" ? 'd' : k == "hour" ? 'h' : k == "month" ? 'm' : 't');
  }

  struct Measures {
    bool error;
    int64_t input, output, cached;
    bool priced;  // cost_usd is not NULL
    double cost;
    double latency;
  };

  void add(const Row& s, const Measures& m) {
    const size_t n = cols_.size();
    gk_.clear();
    for (size_t i = 0; i < n; ++i) {
      std::string_view k = key(s, i);
      gk_.append(std::to_string(k.size())).append(":").append(k);  // unambiguous join
    }
    auto [it, fresh] = index_.try_emplace(gk_, groups_.size());
    if (fresh) {
      Group g;
      for (size_t i = 0; i < n; ++i) g.row.keys.emplace_back(key(s, i));
      groups_.push_back(std::move(g));
    }
    Group& g = groups_[it->second];
    auto& t = g.row.t;
    ++t.requests;
    t.errors += m.error;
    t.input_tokens += m.input;
    t.output_tokens += m.output;
    t.cached_tokens += m.cached;
    if (m.priced) {
      g.cost += m.cost;
      ++g.priced;
    }
    if (q_.latency) g.latencies.push_back(m.latency);
  }

  Report finish() {
    Report rep;
    rep.query = q_;
    std::vector<double> all_latencies;
    std::sort(groups_.begin(), groups_.end(),
              [](const Group& a, const Group& b) { return a.row.keys < b.row.keys; });
    for (auto& g : groups_) {
      // Any request without a known price makes its group's cost unknown, never a silent 0.
      if (g.priced == g.row.t.requests)
        g.row.t.cost_usd = g.cost;
      else
        g.row.t.cost_usd.reset();
      rep.total.add(g.row.t);
      if (q_.latency) {
        all_latencies.insert(all_latencies.end(), g.latencies.begin(), g.latencies.end());
        g.row.latency = percentiles(g.latencies);
      }
      rep.rows.push_back(std::move(g.row));
    }
    if (q_.latency) rep.total_latency = percentiles(all_latencies);
    return rep;
  }

 private:
  struct Group {
    ReportRow row;
    double cost = 0;
    int64_t priced = 0;
    std::vector<double> latencies;  // only with q.latency
  };

  std::string_view key(const Row& s, size_t i) {
    const int c = cols_[i];
    if (kind_[i] == 't') return s.text(c);
    if (kind_[i] == 'h') return hour_of(s.i64(c));
    return std::string_view(date_of(s.i64(c))).substr(0, kind_[i] == 'd' ? 10 : 7);
  }
  // Ledger rows arrive roughly in time order, so the last formatted day is almost always
  // reused.
  const std::string& date_of(int64_t ts) {
    int64_t d = (ts >= 0 ? ts : ts - 86'399'999) / 86'400'000;
    if (d != last_day_) {
      last_day_ = d;
      last_date_ = iso_utc(d * 86'400'000).substr(0, 10);
    }
    return last_date_;
  }
  const std::string& hour_of(int64_t ts) {  // "2026-11-01T13"
    int64_t h = (ts >= 0 ? ts : ts - 3'599'999) / 3'600'000;
    if (h != last_hour_) {
      last_hour_ = h;
      last_hour_text_ = iso_utc(h * 3'600'000).substr(0, 13);
    }
    return last_hour_text_;
  }

  const ReportQuery& q_;
  std::vector<int> cols_;
  std::vector<char> kind_;  // 'd' day, 'h' hour, 'm' month, 't' text
  std::vector<Group> groups_;
  std::unordered_map<std::string, size_t> index_;
  std::string gk_;
  int64_t last_day_ = INT64_MIN, last_hour_ = INT64_MIN;
  std::string last_date_, last_hour_text_;
};

bool same_selection(const ReportQuery& a, const ReportQuery& b) {
  return a.since_ms == b.since_ms && a.until_ms == b.until_ms && a.user == b.user &&
         a.tenant == b.tenant && a.model == b.model;
}

}  // namespace

Result<std::vector<Report>> run_reports(Conn& db, const std::vector<ReportQuery>& qs) {
  // Rows are streamed once and grouped in hash maps, one per report: on a million rows that is
  // several times faster than SQLite's GROUP BY (which sorts every row in a temporary B-tree
  // first), and reading the rows once for all the reports saves most of the rest, since
  // stepping through the ledger is what costs. Only key names from kKeys reach the SQL text;
  // every value is a bound parameter.
  if (qs.empty()) return std::vector<Report>{};
  for (const auto& q : qs)
    if (!same_selection(q, qs.front()))
      return fail(Error::internal("run_reports: the reports differ in period or filters"));
  std::string sel = "ts_ms";
  std::vector<std::string_view> text_cols;  // the distinct text keys, in SELECT order
  std::vector<Grouping> groupings;
  groupings.reserve(qs.size());
  for (const auto& q : qs) {
    std::vector<int> cols;
    for (const auto& k : q.by) {
      if (std::find(kKeys.begin(), kKeys.end(), k) == kKeys.end())
        return fail(usage("unknown report key '" + k + "'"));
      if (k == "day" || k == "hour" || k == "month") {
        cols.push_back(0);
        continue;
      }
      auto at = std::find(text_cols.begin(), text_cols.end(), key_sql(k));
      if (at == text_cols.end()) {
        text_cols.push_back(key_sql(k));
        sel.append(", ").append(key_sql(k));
        at = text_cols.end() - 1;
      }
      cols.push_back(1 + static_cast<int>(at - text_cols.begin()));
    }
    groupings.emplace_back(q, std::move(cols));
  }
  const ReportQuery& q = qs.front();
  // In (ts_ms, id) order, which the time index gives without a sort: costs are then summed
  // in one order in every store, so a copied ledger reports the same figures to the last digit.
  std::string sql = "SELECT " + sel +
                    ", status, input_tokens, output_tokens, cached_tokens, cost_usd, latency_ms "
                    "FROM ledger "
                    "WHERE ts_ms >= ?1 AND ts_ms < ?2";
  if (q.user) sql += " AND \"user\" = ?3";
  if (q.tenant) sql += " AND tenant = ?4";
  if (q.model) sql += " AND (model = ?5 OR provider || '/' || model = ?5 OR requested_model = ?5)";
  sql += " ORDER BY ts_ms, id";
  const int n = 1 + static_cast<int>(text_cols.size());  // the first measure's column
  auto r = db.each(sql, {q.since_ms, q.until_ms, q.user, q.tenant, q.model}, [&](const Row& s) {
    const bool priced = !s.null(n + 4);
    Grouping::Measures m{s.i64(n) != 200, s.i64(n + 1), s.i64(n + 2),
                         s.i64(n + 3),    priced,       priced ? s.f64(n + 4) : 0.0,
                         s.f64(n + 5)};
    for (auto& g : groupings) g.add(s, m);
  });
  if (!r) return fail(r.error());
  std::vector<Report> out;
  for (auto& g : groupings) out.push_back(g.finish());
  return out;
}

Result<Report> run_report(Conn& db, const ReportQuery& q) {
  auto r = run_reports(db, {q});
  if (!r) return fail(r.error());
  return std::move(r->front());
}

std::string render_json(const Report& r) {
  using OJ = nlohmann::ordered_json;
  auto totals = [](OJ& o, const ReportTotals& t) {
    o["requests"] = t.requests;
    o["errors"] = t.errors;
    o["input_tokens"] = t.input_tokens;
    o["output_tokens"] = t.output_tokens;
    o["cached_tokens"] = t.cached_tokens;
    o["cost_usd"] = t.cost_usd ? OJ(*t.cost_usd) : OJ(nullptr);
  };
  auto latency = [&](OJ& o, const std::optional<LatencyPercentiles>& l) {
    if (!r.query.latency) return;
    o["latency_ms"] = l ? OJ{{"p50", l->p50}, {"p95", l->p95}, {"p99", l->p99}} : OJ(nullptr);
  };
  OJ j;
  j["by"] = r.query.by;
  j["since"] = iso_utc(r.query.since_ms);
  j["until"] = iso_utc(r.query.until_ms);
  j["rows"] = OJ::array();
  for (const auto& row : r.rows) {
    OJ o;
    for (size_t i = 0; i < r.query.by.size(); ++i) o[r.query.by[i]] = row.keys[i];
    totals(o, row.t);
    latency(o, row.latency);
    j["rows"].push_back(std::move(o));
  }
  OJ t = OJ::object();
  totals(t, r.total);
  latency(t, r.total_latency);
  j["total"] = std::move(t);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_csv(const Report& r) {
  std::string out;
  for (const auto& k : r.query.by) out += k + ",";
  out += "requests,errors,input_tokens,output_tokens,cached_tokens,cost_usd\n";
  for (const auto& row : r.rows) {
    for (const auto& k : row.keys) out += csv_field(k) + ",";
    const auto& t = row.t;
    out += std::to_string(t.requests) + "," + std::to_string(t.errors) + "," +
           std::to_string(t.input_tokens) + "," + std::to_string(t.output_tokens) + "," +
           std::to_string(t.cached_tokens) + "," + (t.cost_usd ? shortest(*t.cost_usd) : "") + "\n";
  }
  return out;
}

std::string render_table(const Report& r) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> head;
  for (const auto& k : r.query.by) {
    std::string u = k;
    std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return std::toupper(c); });
    head.push_back(u);
  }
  const size_t nk = head.size();
  for (const char* h : {"REQUESTS", "ERRORS", "INPUT", "OUTPUT", "CACHED", "COST USD"})
    head.emplace_back(h);
  cells.push_back(head);
  auto add = [&](std::vector<std::string> keys, const ReportTotals& t) {
    for (auto& k : keys)
      if (k.empty()) k = "-";
    keys.push_back(std::to_string(t.requests));
    keys.push_back(std::to_string(t.errors));
    keys.push_back(std::to_string(t.input_tokens));
    keys.push_back(std::to_string(t.output_tokens));
    keys.push_back(std::to_string(t.cached_tokens));
    keys.push_back(fmt_cost(t.cost_usd) + (t.cost_usd ? "" : " *"));
    cells.push_back(std::move(keys));
  };
  for (const auto& row : r.rows) add(row.keys, row.t);
  std::vector<std::string> total_keys(nk);
  if (nk > 0) total_keys[0] = "TOTAL";
  add(total_keys, r.total);
  if (nk == 0) {  // a report with no keys is just the totals
    for (auto& row : cells) row.insert(row.begin(), "");
    cells.back()[0] = "TOTAL";
  }

  const size_t cols = cells[0].size(), first_num = cols - 6;
  std::vector<size_t> w(cols, 0);
  for (const auto& row : cells)
    for (size_t c = 0; c < cols; ++c) w[c] = std::max(w[c], row[c].size());
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string l;
    for (size_t c = 0; c < cols; ++c) {
      std::string pad(w[c] - std::min(w[c], row[c].size()), ' ');
      l += (c ? "  " : "") + (c < first_num ? row[c] + pad : pad + row[c]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i + 1 == cells.size()) {
      size_t width = 0;
      for (size_t c = 0; c < cols; ++c) width += w[c] + (c ? 2 : 0);
      out += std::string(width, '-') + "\n";
    }
    line(cells[i]);
  }
  if (!r.total.cost_usd)
    out +=
        "* cost unknown: some requests used a model with no known price; add it under "
        "[prices.\"provider/model\"] in the config (gw models lists the known prices)\n";
  return out;
}

}  // namespace gw::store
