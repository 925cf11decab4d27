// What the spend dashboard shows, shared by the page `gw serve` serves at /ui and by
// `gw report --format html`: the report queries behind its views (one query path, that of
// `gw report`), the budgets it draws, and the page itself, either referring to /ui/app.js and
// /ui/app.css or with them and its data inline (one self-contained file).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.hpp"
#include "config/config.hpp"
#include "store/conn.hpp"
#include "store/report.hpp"

namespace gw::server {

// The stack dimensions the page offers for its charts over time.
inline constexpr std::string_view kDashboardStacks[] = {"tenant", "user", "model", "provider",
                                                        "client"};

// "by=day,model" or "by=model&latency=1": how the page names one report it reads.
std::string dashboard_query_key(const store::ReportQuery& q);

// The reports behind every view for these filters (period, user, tenant, model), `gran` being
// "day" or "hour": one over time per stack dimension, tenant,user,model for the drill-down
// and top spenders, model with latencies for the per-model views and the totals.
std::vector<store::ReportQuery> dashboard_queries(const store::ReportQuery& filters,
                                                  std::string_view gran);

// "hour" for a period of at most two days, else "day".
std::string_view dashboard_granularity(int64_t since_ms, int64_t until_ms);

// The budgets in force (active keys', [users.NAME]'s and [tenants.NAME]'s) with what each has
// spent in its current period, as one line of JSON: {"budgets":[{scope,name,budget_usd,
// period,spent_usd}]}.
Result<std::string> budgets_json(const config::Config& cfg, store::Conn& db, int64_t now_ms);

// A query string's pairs, percent-decoded; a usage error names what is malformed.
Result<std::vector<std::pair<std::string, std::string>>> parse_query_string(std::string_view qs);

// The filters of GET /v1/gw/usage, named as `gw report`'s flags (by, since, until, user,
// tenant, model, latency); a 400 naming the parameter when one is wrong.
Result<store::ReportQuery> report_query_from_params(
    const std::vector<std::pair<std::string, std::string>>& params, int64_t now_ms);

// GET /v1/gw/usage/batch: several reports of one period and filters, read in one pass. Each
// `view` parameter (at most kMaxBatchViews) is one report's `by`, with ";latency" for its
// latency percentiles (model;latency); the other parameters are /v1/gw/usage's but `by` and
// `latency`.
inline constexpr size_t kMaxBatchViews = 16;
Result<std::vector<store::ReportQuery>> report_queries_from_params(
    const std::vector<std::pair<std::string, std::string>>& params, int64_t now_ms);
// {"reports":[...]}: each exactly what /v1/gw/usage (and gw report --format json) answers.
std::string batch_json(const std::vector<store::Report>& reports);

// The served page: refers to /ui/app.css and /ui/app.js.
std::string dashboard_page();
// The login form shown to a browser without an admin credential (`message` is plain text).
std::string dashboard_login_page(std::string_view message);
// `gw report --format html`: every view's report for these filters, run now, inline with the
// page's script and style; opens from disk with no network access. `stack` is the first
// chart's stack dimension.
Result<std::string> dashboard_report_html(const config::Config& cfg, store::Conn& db,
                                          const store::ReportQuery& filters, std::string_view stack,
                                          int64_t now_ms);

}  // namespace gw::server
