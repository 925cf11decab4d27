// `gw report`: tokens and dollars from the ledger, grouped by who, what and when.
#include "cli/report.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "server/dashboard_page.hpp"
#include "store/connect.hpp"
#include "store/ledger.hpp"
#include "store/report.hpp"

namespace gw::cli {
namespace {

struct ReportOptions {
  std::string by = "user";
  std::string since = "30d", until = "now";
  std::string user, tenant, model;
  std::string format = "table";
  bool latency = false;
};

int run_report(const GlobalOptions& g, const ReportOptions& o) {
  store::ReportQuery q;
  auto by = store::parse_group_by(o.by);
  if (!by) {
    print_error(by.error());
    return kUsage;
  }
  q.by = std::move(*by);
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto since = store::parse_time(o.since, now, false);
  auto until = store::parse_time(o.until, now, true);
  if (!since || !until) {
    print_error(since ? until.error() : since.error());
    return kUsage;
  }
  if (*since >= *until) {
    print_error(Error::usage("--since must be before --until"));
    return kUsage;
  }
  q.since_ms = *since;
  q.until_ms = *until;
  if (!o.user.empty()) q.user = o.user;
  if (!o.tenant.empty()) q.tenant = o.tenant;
  if (!o.model.empty()) q.model = o.model;
  q.latency = o.latency;

  auto cfg = load_config_or_report(g);
  if (!cfg) return kConfig;
  auto conn = store::connect(cfg->store, false);
  if (!conn) {
    print_error(conn.error());
    return kConfig;
  }
  store::Conn& db = **conn;
  // A report scans many rows once: a bigger page cache and in-memory sorting pay off.
  if (!db.postgres()) (void)db.exec("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
  auto rep = store::run_report(db, q);
  if (!rep) {
    print_error(rep.error());
    return exit_code_for(rep.error());
  }
  if (o.format == "html") {
    // Every view of the dashboard for these filters, in one file that needs no network.
    std::string_view stack = "model";
    for (std::string_view s : server::kDashboardStacks)
      if (!q.by.empty() && q.by[0] == s) stack = s;
    auto html = server::dashboard_report_html(*cfg, db, q, stack, now);
    if (!html) {
      print_error(html.error());
      return exit_code_for(html.error());
    }
    std::cout << *html;
  } else if (o.format == "json") {
    std::cout << store::render_json(*rep);
  } else if (o.format == "csv") {
    std::cout << store::render_csv(*rep);
  } else {
    std::fprintf(stderr, "usage from %s to %s (%s)\n", store::iso_utc(q.since_ms).c_str(),
                 store::iso_utc(q.until_ms).c_str(), db.where().c_str());
    std::cout << store::render_table(*rep);
  }
  std::cout.flush();
  return kOk;
}

}  // namespace

void add_report_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report", "Tokens and cost from the usage ledger, by user, tenant, key, model or time");
  cmd->add_option("--by", o->by,
                  "Group by a comma list of user, tenant, key, model, provider, route, "
                  "endpoint, client (openai-sdk, anthropic-sdk, claude-code, ...; chat or "
                  "compare for the CLI), day, hour, month (default: user)");
  cmd->add_option("--since", o->since,
                  "Start of the period: a span before now (7d, 24h, 30m, 2w), an ISO date "
                  "(2026-11-01, UTC midnight) or datetime (2026-11-01T12:00:00Z); default 30d");
  cmd->add_option("--until", o->until,
                  "End of the period (excluded), same forms as --since; a bare date means the "
                  "end of that day (default: now)");
  cmd->add_option("--user", o->user, "Only requests of this user");
  cmd->add_option("--tenant", o->tenant, "Only requests of this tenant");
  cmd->add_option("--model", o->model,
                  "Only requests to this model (provider/model, the bare model name, or the "
                  "route or name the client asked for)");
  cmd->add_option("--format", o->format,
                  "table (aligned, with totals), json (one line: by, since, until, rows, total), "
                  "csv, or html (the dashboard's views for this period and these filters as one "
                  "self-contained page: gw report --format html > spend.html)")
      ->check(CLI::IsMember({"table", "json", "csv", "html"}));
  cmd->add_flag("--latency", o->latency,
                "Also each row's latency percentiles (json: latency_ms with p50, p95, p99)");
  cmd->callback([&g, &exit_code, o] { exit_code = run_report(g, *o); });
}

}  // namespace gw::cli
