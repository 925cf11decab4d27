#include "server/dashboard_page.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/percent.hpp"
#include "server/ui_assets.hpp"
#include "store/keys.hpp"
#include "store/spend.hpp"

namespace gw::server {
namespace {

constexpr size_t kMaxParam = 512;  // a filter value longer than this is no name gw wrote

Result<std::string> percent_decode(std::string_view s) {
  auto d = api::percent_decode(s, /*strict=*/true, /*plus_is_space=*/true);
  if (!d) return fail(Error::bad_request("malformed percent-escape in the query"));
  return std::move(*d);
}

// The page's template with its two placeholders filled.
std::string fill_page(std::string_view style, std::string_view script) {
  std::string page(ui_asset("dashboard.html"));
  auto put = [&](std::string_view mark, std::string_view with) {
    if (auto at = page.find(mark); at != std::string::npos) page.replace(at, mark.size(), with);
  };
  put("<!--gw:style-->", style);
  put("<!--gw:script-->", script);
  return page;
}

// JSON inside a <script> element: no '<' may appear raw, or "</script>" in a user's name would
// end the element. \u003c is the same string to JSON.
std::string script_safe(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string dashboard_query_key(const store::ReportQuery& q) {
  std::string by;
  for (const auto& k : q.by) by += (by.empty() ? "" : ",") + k;
  return "by=" + by + (q.latency ? "&latency=1" : "");
}

std::vector<store::ReportQuery> dashboard_queries(const store::ReportQuery& filters,
                                                  std::string_view gran) {
  std::vector<store::ReportQuery> out;
  auto add = [&](std::vector<std::string> by, bool latency) {
    store::ReportQuery q = filters;
    q.by = std::move(by);
    q.latency = latency;
    out.push_back(std::move(q));
  };
  for (std::string_view s : kDashboardStacks) add({std::string(gran), std::string(s)}, false);
  add({"tenant"}, false);
  add({"user"}, false);
  add({"tenant", "user", "model"}, false);  // the drill-down; the live page asks per tenant
  add({"model"}, true);
  return out;
}

std::string_view dashboard_granularity(int64_t since_ms, int64_t until_ms) {
  return until_ms - since_ms <= 2 * 86'400'000LL ? "hour" : "day";
}

Result<std::string> budgets_json(const config::Config& cfg, store::Conn& db, int64_t now_ms) {
  using OJ = nlohmann::ordered_json;
  struct Budget {
    std::string scope, name, id;
    double usd;
    std::string period;
  };
  std::vector<Budget> budgets;
  for (const auto& [name, l] : cfg.tenants)
    if (l.budget_usd) budgets.push_back({"tenant", name, name, *l.budget_usd, l.period});
  for (const auto& [name, l] : cfg.users)
    if (l.budget_usd) budgets.push_back({"user", name, name, *l.budget_usd, l.period});
  {
    store::KeyStore ks(db);
    auto keys = ks.list();
    if (!keys) return fail(keys.error());
    for (const auto& k : *keys)
      if (!k.revoked_ms && k.limits.budget_usd)
        budgets.push_back({"key", k.name, k.id, *k.limits.budget_usd, k.limits.period});
  }
  OJ arr = OJ::array();
  if (!budgets.empty()) {
    // Only the rows the longest period needs are read.
    int64_t since = now_ms;
    for (const auto& b : budgets) since = std::min(since, store::period_start_ms(b.period, now_ms));
    auto spend = store::spend_by_scope(db, now_ms, since);
    if (!spend) return fail(spend.error());
    for (const auto& b : budgets) {
      const auto& m = b.scope == "key"    ? spend->keys
                      : b.scope == "user" ? spend->users
                                          : spend->tenants;
      auto it = m.find(b.id);
      double spent = it == m.end() ? 0.0 : it->second.in(b.period);
      arr.push_back(OJ{{"scope", b.scope},
                       {"name", b.name},
                       {"id", b.id},
                       {"budget_usd", b.usd},
                       {"period", b.period},
                       {"spent_usd", spent}});
    }
  }
  OJ j;
  j["budgets"] = std::move(arr);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<std::pair<std::string, std::string>>> parse_query_string(std::string_view qs) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!qs.empty()) {
    auto amp = qs.find('&');
    std::string_view part = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view() : qs.substr(amp + 1);
    if (part.empty()) continue;
    if (out.size() >= 32) return fail(Error::bad_request("too many query parameters"));
    auto eq = part.find('=');
    auto k = percent_decode(part.substr(0, eq));
    auto v =
        percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!k) return fail(k.error());
    if (!v) return fail(v.error());
    if (v->size() > kMaxParam)
      return fail(Error::bad_request("query parameter '" + *k + "' is too long", *k));
    out.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

Result<store::ReportQuery> report_query_from_params(
    const std::vector<std::pair<std::string, std::string>>& params, int64_t now_ms) {
  std::string by = "user", since = "30d", until = "now";
  std::optional<std::string> user, tenant, model;
  bool latency = false;
  std::vector<std::string> seen;
  for (const auto& [k, v] : params) {
    if (std::find(seen.begin(), seen.end(), k) != seen.end())
      return fail(Error::bad_request("query parameter '" + k + "' is given twice", k));
    seen.push_back(k);
    if (k == "by")
      by = v;
    else if (k == "since")
      since = v;
    else if (k == "until")
      until = v;
    else if (k == "user")
      user = v;
    else if (k == "tenant")
      tenant = v;
    else if (k == "model")
      model = v;
    else if (k == "latency") {
      if (v != "1" && v != "0" && v != "true" && v != "false")
        return fail(Error::bad_request("latency must be 1 or 0", "latency"));
      latency = v == "1" || v == "true";
    } else {
      return fail(Error::bad_request(
          "unknown query parameter '" + k +
              "' (use by, since, until, user, tenant, model, latency: the flags of gw report)",
          k));
    }
  }
  auto as_400 = [](const Error& e, const char* param) {
    return Error::bad_request(e.message, param);
  };
  store::ReportQuery q;
  auto b = store::parse_group_by(by);
  if (!b) return fail(as_400(b.error(), "by"));
  q.by = std::move(*b);
  auto s = store::parse_time(since, now_ms, false);
  if (!s) return fail(as_400(s.error(), "since"));
  auto u = store::parse_time(until, now_ms, true);
  if (!u) return fail(as_400(u.error(), "until"));
  if (*s >= *u) return fail(Error::bad_request("since must be before until", "since"));
  q.since_ms = *s;
  q.until_ms = *u;
  // An empty filter means none, as an absent flag does for gw report.
  if (user && !user->empty()) q.user = std::move(user);
  if (tenant && !tenant->empty()) q.tenant = std::move(tenant);
  if (model && !model->empty()) q.model = std::move(model);
  q.latency = latency;
  return q;
}

Result<std::vector<store::ReportQuery>> report_queries_from_params(
    const std::vector<std::pair<std::string, std::string>>& params, int64_t now_ms) {
  std::vector<std::pair<std::string, std::string>> shared;
  std::vector<std::string> views;
  for (const auto& [k, v] : params) {
    if (k == "by" || k == "latency")
      return fail(
          Error::bad_request("a batch names its reports with view=BY[;latency], not " + k, k));
    if (k == "view")
      views.push_back(v);
    else
      shared.emplace_back(k, v);
  }
  if (views.empty()) return fail(Error::bad_request("name at least one view=BY[;latency]", "view"));
  if (views.size() > kMaxBatchViews)
    return fail(Error::bad_request(
        "at most " + std::to_string(kMaxBatchViews) + " views in one batch", "view"));
  std::vector<store::ReportQuery> out;
  for (const auto& v : views) {
    auto params_of_view = shared;
    std::string_view by = v;
    bool latency = false;
    if (by.ends_with(";latency")) {
      by.remove_suffix(8);
      latency = true;
    }
    params_of_view.emplace_back("by", std::string(by));
    if (latency) params_of_view.emplace_back("latency", "1");
    auto q = report_query_from_params(params_of_view, now_ms);
    if (!q) {
      Error e = q.error();
      if (e.param == "by" || e.param == "latency") e.param = "view";
      return fail(std::move(e));
    }
    out.push_back(std::move(*q));
  }
  return out;
}

std::string batch_json(const std::vector<store::Report>& reports) {
  std::string out = "{\"reports\":[";
  for (size_t i = 0; i < reports.size(); ++i) {
    if (i) out += ",";
    std::string one = store::render_json(reports[i]);
    if (!one.empty() && one.back() == '\n') one.pop_back();
    out += one;
  }
  out += "]}\n";
  return out;
}

std::string dashboard_page() {
  return fill_page(R"(<link rel="stylesheet" href="/ui/app.css">)",
                   R"(<script src="/ui/app.js"></script>)");
}

std::string dashboard_login_page(std::string_view message) {
  std::string page(ui_asset("login.html"));
  std::string text;
  for (char c : message) {  // plain text into HTML
    if (c == '<')
      text += "&lt;";
    else if (c == '>')
      text += "&gt;";
    else if (c == '&')
      text += "&amp;";
    else if (c == '"')
      text += "&quot;";
    else
      text += c;
  }
  if (auto at = page.find("<!--gw:message-->"); at != std::string::npos) page.replace(at, 17, text);
  return page;
}

Result<std::string> dashboard_report_html(const config::Config& cfg, store::Conn& db,
                                          const store::ReportQuery& filters, std::string_view stack,
                                          int64_t now_ms) {
  std::string_view gran = dashboard_granularity(filters.since_ms, filters.until_ms);
  using OJ = nlohmann::ordered_json;
  OJ f;
  f["since"] = store::iso_utc(filters.since_ms);
  f["until"] = store::iso_utc(filters.until_ms);
  f["user"] = filters.user.value_or("");
  f["tenant"] = filters.tenant.value_or("");
  f["model"] = filters.model.value_or("");
  std::string embed =
      "{\"mode\":\"report\",\"generated\":\"" + store::iso_utc(now_ms) + "\",\"gran\":\"" +
      std::string(gran) + "\",\"stack\":" + OJ(stack).dump() +
      ",\"filters\":" + f.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      ",\"data\":{";
  const auto queries = dashboard_queries(filters, gran);
  auto reps = store::run_reports(db, queries);  // one pass over the ledger for all of them
  if (!reps) return fail(reps.error());
  for (size_t i = 0; i < queries.size(); ++i) {
    std::string json = store::render_json((*reps)[i]);
    while (!json.empty() && json.back() == '\n') json.pop_back();
    embed += (i == 0 ? "\"" : ",\"") + dashboard_query_key(queries[i]) + "\":" + json;
  }
  embed += "}";
  auto budgets = budgets_json(cfg, db, now_ms);
  embed += ",\"budgets\":" + (budgets ? *budgets : std::string("{\"budgets\":[]}")) + "}";
  return fill_page("<style>\n" + std::string(ui_asset("app.css")) + "</style>",
                   "<script>window.GW_EMBED = " + script_safe(embed) + ";</script>\n<script>\n" +
                       std::string(ui_asset("app.js")) + "</script>");
}

}  // namespace gw::server
