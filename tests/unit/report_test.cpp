// gw report: key and period parsing, grouping over a real ledger, NULL cost propagation, and
// the exact JSON / CSV / table renderings.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "config/config.hpp"
#include "server/dashboard_page.hpp"
#include "store/ledger.hpp"
#include "store/report.hpp"
#include "store/sqlite_conn.hpp"

namespace {

using gw::store::parse_time;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kNov1 = 1'793'491'200'000;  // 2026-11-01T00:00:00Z

struct Fixture {
  std::string dir, path;
  std::unique_ptr<gw::store::SqliteConn> db;
  Fixture() {
    char tmpl[] = "/tmp/gw_report_test_XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/gw.db";
    auto l = gw::store::Ledger::open(path);
    REQUIRE(l);
    auto add = [&](int64_t ts, std::string user, std::string tenant, std::string provider,
                   std::string model, int status, int64_t in, int64_t out, int64_t cached,
                   std::optional<double> cost) {
      gw::store::LedgerRow r;
      r.ts_ms = ts;
      r.request_id = "req_" + std::to_string(ts);
      r.user = std::move(user);
      r.tenant = std::move(tenant);
      r.requested_model = provider + "/" + model;
      r.provider = std::move(provider);
      r.model = std::move(model);
      r.status = status;
      r.input_tokens = in;
      r.output_tokens = out;
      r.cached_tokens = cached;
      r.cost_usd = cost;
      (*l)->enqueue(std::move(r));
    };
    add(kNov1 + 1000, "alice", "acme", "openai", "gpt-4o", 200, 100, 20, 10, 0.25);
    add(kNov1 + 2000, "alice", "acme", "openai", "gpt-4o", 200, 50, 10, 0, 0.125);
    add(kNov1 + kDay + 5, "alice", "acme", "mock", "echo", 200, 7, 3, 0, 0.0);
    add(kNov1 + kDay + 9, "bob", "beta", "openai", "gpt-4o", 502, 0, 0, 0, 0.0);
    add(kNov1 + 2 * kDay, "bob", "beta", "local", "llama3", 200, 40, 40, 0, std::nullopt);
    add(kNov1 - 1, "alice", "acme", "openai", "gpt-4o", 200, 1000, 1000, 0, 9.0);  // before
    (*l)->close();
    auto d = gw::store::open_sqlite(path, false);
    REQUIRE(d);
    db = std::move(*d);
  }
  ~Fixture() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  gw::store::Report run(std::vector<std::string> by, int64_t until = kNov1 + 30 * kDay) {
    gw::store::ReportQuery q;
    q.by = std::move(by);
    q.since_ms = kNov1;
    q.until_ms = until;
    return run(q);
  }
  gw::store::Report run(const gw::store::ReportQuery& q) {
    auto r = gw::store::run_report(*db, q);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    return *r;
  }
};

}  // namespace

TEST_CASE("--by: comma lists of known keys") {
  auto b = gw::store::parse_group_by("user,model, day");
  REQUIRE(b);
  CHECK(*b == std::vector<std::string>{"user", "model", "day"});
  CHECK_FALSE(gw::store::parse_group_by("user,color"));
  CHECK_FALSE(gw::store::parse_group_by("user,user"));
  CHECK_FALSE(gw::store::parse_group_by(""));
  CHECK(gw::store::parse_group_by("user,color").error().type == "usage_error");
}

TEST_CASE("periods: spans before now, ISO dates and datetimes") {
  const int64_t now = kNov1 + 12 * 3'600'000;
  CHECK(parse_time("7d", now, false) == now - 7 * kDay);
  CHECK(parse_time("24h", now, false) == now - kDay);
  CHECK(parse_time("30m", now, false) == now - 30 * 60'000);
  CHECK(parse_time("2w", now, false) == now - 14 * kDay);
  CHECK(parse_time("now", now, true) == now);
  CHECK(parse_time("2026-11-01", now, false) == kNov1);
  CHECK(parse_time("2026-11-01", now, true) == kNov1 + kDay);  // --until: the whole day
  CHECK(parse_time("2026-11-01T12:30:00Z", now, false) == kNov1 + (12 * 60 + 30) * 60'000);
  CHECK(parse_time("2026-11-01T12:30", now, true) == kNov1 + (12 * 60 + 30) * 60'000);
  CHECK(parse_time("2026-11-01 00:00:01.5Z", now, false) == kNov1 + 1500);
  CHECK(parse_time("2026-11-01T02:00:00+02:00", now, false) == kNov1);
  for (const char* bad : {"", "7", "7x", "d", "-7d", "2026-13-01", "2026-02-30", "2026-11-01T25:00",
                          "2026-11-01Tnoon", "yesterday", "2026-11-01T12:00:00+0200"})
    CHECK_MESSAGE(!parse_time(bad, now, false), bad);
  CHECK(gw::store::iso_utc(kNov1) == "2026-11-01T00:00:00Z");
  CHECK(gw::store::iso_utc(kNov1 + kDay + 3'723'999) == "2026-11-02T01:02:03Z");
}

TEST_CASE("report: by user, with errors, window and NULL cost propagation") {
  Fixture f;
  auto r = f.run({"user"});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].keys == std::vector<std::string>{"alice"});
  CHECK(r.rows[0].t.requests == 3);
  CHECK(r.rows[0].t.errors == 0);
  CHECK(r.rows[0].t.input_tokens == 157);
  CHECK(r.rows[0].t.output_tokens == 33);
  CHECK(r.rows[0].t.cached_tokens == 10);
  CHECK(r.rows[0].t.cost_usd == 0.375);
  CHECK(r.rows[1].keys == std::vector<std::string>{"bob"});
  CHECK(r.rows[1].t.errors == 1);
  CHECK_FALSE(r.rows[1].t.cost_usd);  // llama3 has no price
  CHECK(r.total.requests == 5);
  CHECK(r.total.input_tokens == 197);
  CHECK_FALSE(r.total.cost_usd);
}

TEST_CASE("report: by user,model and by day; filters") {
  Fixture f;
  auto r = f.run({"user", "model"});
  REQUIRE(r.rows.size() == 4);
  CHECK(r.rows[0].keys == std::vector<std::string>{"alice", "mock/echo"});
  CHECK(r.rows[1].keys == std::vector<std::string>{"alice", "openai/gpt-4o"});
  CHECK(r.rows[1].t.requests == 2);
  CHECK(r.rows[3].keys == std::vector<std::string>{"bob", "openai/gpt-4o"});

  auto d = f.run({"day"});
  REQUIRE(d.rows.size() == 3);
  CHECK(d.rows[0].keys[0] == "2026-11-01");
  CHECK(d.rows[2].keys[0] == "2026-11-03");
  CHECK(f.run({"month"}).rows.at(0).keys[0] == "2026-11");
  CHECK(f.run({"tenant", "provider"}).rows.size() == 4);

  gw::store::ReportQuery q;
  q.by = {"model"};
  q.since_ms = kNov1;
  q.until_ms = kNov1 + 30 * kDay;
  q.user = "bob";
  CHECK(f.run(q).total.requests == 2);
  q.user.reset();
  q.model = "gpt-4o";
  CHECK(f.run(q).total.requests == 3);
  q.model = "openai/gpt-4o";
  CHECK(f.run(q).total.requests == 3);
  q.model.reset();
  q.tenant = "acme";
  CHECK(f.run(q).total.cost_usd == 0.375);
  q.until_ms = kNov1 + 1500;  // until is excluded
  CHECK(f.run(q).total.requests == 1);
}

TEST_CASE("report json: the exact documented shape") {
  Fixture f;
  auto r = f.run({"user"}, kNov1 + kDay);
  CHECK(gw::store::render_json(r) ==
        R"({"by":["user"],"since":"2026-11-01T00:00:00Z","until":"2026-11-02T00:00:00Z",)"
        R"("rows":[{"user":"alice","requests":2,"errors":0,"input_tokens":150,"output_tokens":30,)"
        R"("cached_tokens":10,"cost_usd":0.375}],"total":{"requests":2,"errors":0,)"
        R"("input_tokens":150,"output_tokens":30,"cached_tokens":10,"cost_usd":0.375}})"
        "\n");
  auto all = gw::store::render_json(f.run({"user", "model"}));
  CHECK(all.find(R"({"user":"bob","model":"local/llama3","requests":1)") != std::string::npos);
  CHECK(all.find(R"("cost_usd":null})") != std::string::npos);

  gw::store::ReportQuery empty;
  empty.by = {"user"};
  empty.since_ms = 0;
  empty.until_ms = 1000;
  CHECK(gw::store::render_json(f.run(empty)) ==
        R"({"by":["user"],"since":"1970-01-01T00:00:00Z","until":"1970-01-01T00:00:01Z",)"
        R"("rows":[],"total":{"requests":0,"errors":0,"input_tokens":0,"output_tokens":0,)"
        R"("cached_tokens":0,"cost_usd":0.0}})"
        "\n");
}

TEST_CASE("report csv and table") {
  Fixture f;
  auto r = f.run({"user"});
  CHECK(gw::store::render_csv(r) ==
        "user,requests,errors,input_tokens,output_tokens,cached_tokens,cost_usd\n"
        "alice,3,0,157,33,10,0.375\n"
        "bob,2,1,40,40,0,\n");
  std::string t = gw::store::render_table(r);
  CHECK(t.find("USER   REQUESTS  ERRORS  INPUT  OUTPUT  CACHED   COST USD") == 0);
  CHECK(t.find("alice         3       0    157      33      10   0.375000") != std::string::npos);
  CHECK(t.find("unknown *") != std::string::npos);
  CHECK(t.find("TOTAL         5       1    197      73      10  unknown *") != std::string::npos);
  CHECK(t.find("* cost unknown") != std::string::npos);
}

namespace {

// Ledger rows with known latencies, an hour apart, for --by hour and --latency.
struct LatencyFixture {
  std::string dir, path;
  std::unique_ptr<gw::store::SqliteConn> db;
  LatencyFixture() {
    char tmpl[] = "/tmp/gw_report_lat_XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/gw.db";
    auto l = gw::store::Ledger::open(path);
    REQUIRE(l);
    for (int i = 1; i <= 100; ++i) {  // gpt-4o: 1..100 ms, in hours 0 and 1
      gw::store::LedgerRow r;
      r.ts_ms = kNov1 + (i <= 60 ? 0 : 3'600'000) + i;
      r.request_id = "lat_" + std::to_string(i);
      r.user = "alice";
      r.provider = "openai";
      r.model = "gpt-4o";
      r.requested_model = "gpt-4o";
      r.status = 200;
      r.latency_ms = i;
      r.cost_usd = 0.5;
      (*l)->enqueue(std::move(r));
    }
    gw::store::LedgerRow slow;  // one more model, one request of 2.5 s
    slow.ts_ms = kNov1 + 7'200'000;
    slow.request_id = "lat_slow";
    slow.user = "bob";
    slow.provider = "anthropic";
    slow.model = "claude";
    slow.status = 529;
    slow.latency_ms = 2500;
    slow.cost_usd = 0.0;
    (*l)->enqueue(std::move(slow));
    (*l)->close();
    auto d = gw::store::open_sqlite(path, false);
    REQUIRE(d);
    db = std::move(*d);
  }
  ~LatencyFixture() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("report: by hour, and nearest-rank latency percentiles with --latency") {
  LatencyFixture f;
  gw::store::ReportQuery q;
  q.by = {"hour"};
  q.since_ms = kNov1;
  q.until_ms = kNov1 + kDay;
  auto h = gw::store::run_report(*f.db, q);
  REQUIRE(h);
  REQUIRE(h->rows.size() == 3);
  CHECK(h->rows[0].keys[0] == "2026-11-01T00");
  CHECK(h->rows[0].t.requests == 60);
  CHECK(h->rows[1].keys[0] == "2026-11-01T01");
  CHECK(h->rows[2].keys[0] == "2026-11-01T02");
  CHECK_FALSE(h->rows[0].latency);  // not asked for
  CHECK(gw::store::render_json(*h).find("latency_ms") == std::string::npos);

  q.by = {"model"};
  q.latency = true;
  auto m = gw::store::run_report(*f.db, q);
  REQUIRE(m);
  REQUIRE(m->rows.size() == 2);
  CHECK(m->rows[0].keys[0] == "anthropic/claude");
  REQUIRE(m->rows[0].latency);
  CHECK(m->rows[0].latency->p50 == 2500);
  CHECK(m->rows[0].latency->p99 == 2500);
  REQUIRE(m->rows[1].latency);
  CHECK(m->rows[1].latency->p50 == 50);
  CHECK(m->rows[1].latency->p95 == 95);
  CHECK(m->rows[1].latency->p99 == 99);
  REQUIRE(m->total_latency);  // 101 values: rank ceil(0.99 * 101) = 100 -> 100 ms
  CHECK(m->total_latency->p50 == 51);
  CHECK(m->total_latency->p99 == 100);
  std::string json = gw::store::render_json(*m);
  CHECK(json.find(R"("model":"openai/gpt-4o","requests":100,"errors":0,"input_tokens":0,)"
                  R"("output_tokens":0,"cached_tokens":0,"cost_usd":50.0,)"
                  R"("latency_ms":{"p50":50.0,"p95":95.0,"p99":99.0}})") != std::string::npos);
  CHECK(json.find(R"("total":{"requests":101,"errors":1,)") != std::string::npos);

  q.until_ms = kNov1;  // no rows: a null latency, never a made-up 0
  q.since_ms = kNov1 - 1000;
  auto none = gw::store::run_report(*f.db, q);
  REQUIRE(none);
  CHECK(gw::store::render_json(*none).find(R"("latency_ms":null)") != std::string::npos);
  CHECK(gw::store::parse_group_by("day,hour"));
}

TEST_CASE("dashboard: /v1/gw/usage reads gw report's flags from the query string") {
  using gw::server::parse_query_string;
  using gw::server::report_query_from_params;
  const int64_t now = kNov1 + 10 * kDay;
  auto p = parse_query_string("by=day%2Cmodel&since=7d&until=now&user=al+ice&latency=1&tenant=");
  REQUIRE(p);
  auto q = report_query_from_params(*p, now);
  REQUIRE(q);
  CHECK(q->by == std::vector<std::string>{"day", "model"});
  CHECK(q->since_ms == now - 7 * kDay);
  CHECK(q->until_ms == now);
  CHECK(q->user == "al ice");
  CHECK_FALSE(q->tenant);  // empty: no filter
  CHECK(q->latency);

  auto defaults = report_query_from_params({}, now);  // gw report's defaults
  REQUIRE(defaults);
  CHECK(defaults->by == std::vector<std::string>{"user"});
  CHECK(defaults->since_ms == now - 30 * kDay);

  auto bad = [&](std::string_view qs, const char* param) {
    auto pq = parse_query_string(qs);
    if (!pq) return pq.error().status == 400;
    auto r = report_query_from_params(*pq, now);
    return !r && r.error().status == 400 && r.error().param == param;
  };
  CHECK(bad("by=colour", "by"));
  CHECK(bad("since=yesterday", "since"));
  CHECK(bad("until=2026-13-01", "until"));
  CHECK(bad("since=now&until=7d", "since"));
  CHECK(bad("format=csv", "format"));
  CHECK(bad("by=user&by=model", "by"));
  CHECK(bad("latency=maybe", "latency"));
  CHECK(bad("user=%zz", ""));
  CHECK(bad("user=%4", ""));
  CHECK(bad("user=" + std::string(600, 'a'), "user"));
}

TEST_CASE("dashboard: the HTML report holds every view's report JSON inline, nothing remote") {
  LatencyFixture f;
  gw::config::Config cfg;
  gw::store::ReportQuery q;
  q.since_ms = kNov1;
  q.until_ms = kNov1 + kDay;
  q.user = "</script><b>";  // a hostile filter must not end the script element
  auto html = gw::server::dashboard_report_html(cfg, *f.db, q, "user", kNov1 + kDay);
  REQUIRE(html);
  CHECK(html->find("window.GW_EMBED") != std::string::npos);
  CHECK(html->find("</script><b>") == std::string::npos);
  CHECK(html->find("\\u003c/script>\\u003cb>") != std::string::npos);
  CHECK(html->find("src=") == std::string::npos);  // no script or image from anywhere
  CHECK(html->find("href=\"/ui") == std::string::npos);
  CHECK(html->find("http://") == html->find("http://www.w3.org/2000/svg"));
  CHECK(html->find("https://") == std::string::npos);

  // Each embedded report is exactly what gw report --format json prints for it.
  q.user.reset();
  auto full = gw::server::dashboard_report_html(cfg, *f.db, q, "model", kNov1 + kDay);
  REQUIRE(full);
  CHECK(full->find("\"gran\":\"hour\"") != std::string::npos);
  for (auto qq : gw::server::dashboard_queries(q, "hour")) {
    auto rep = gw::store::run_report(*f.db, qq);
    REQUIRE(rep);
    std::string json = gw::store::render_json(*rep);
    json.pop_back();  // its newline
    for (size_t i = 0; (i = json.find('<', i)) != std::string::npos;) json.replace(i, 1, "\\u003c");
    const std::string key = gw::server::dashboard_query_key(qq);
    std::string needle = "\"";
    needle.append(key).append("\":").append(json);
    CHECK_MESSAGE(full->find(needle) != std::string::npos, key);
  }
  CHECK(gw::server::dashboard_granularity(0, 2 * kDay) == "hour");
  CHECK(gw::server::dashboard_granularity(0, 2 * kDay + 1) == "day");
}

TEST_CASE("dashboard: a batch of views from one pass equals each report alone, byte for byte") {
  LatencyFixture f;
  using gw::server::parse_query_string;
  using gw::server::report_queries_from_params;
  const int64_t now = kNov1 + kDay;
  auto p = parse_query_string(
      "view=hour%2Cmodel&view=model%3Blatency&view=tenant%2Cuser%2Cmodel&view=user&since=2026-11-01"
      "&until=now");
  REQUIRE(p);
  auto qs = report_queries_from_params(*p, now);
  REQUIRE(qs);
  REQUIRE(qs->size() == 4);
  CHECK((*qs)[1].by == std::vector<std::string>{"model"});
  CHECK((*qs)[1].latency);
  CHECK_FALSE((*qs)[0].latency);
  auto batch = gw::store::run_reports(*f.db, *qs);
  REQUIRE(batch);
  REQUIRE(batch->size() == 4);
  std::string all = gw::server::batch_json(*batch);
  CHECK(all.starts_with("{\"reports\":["));
  for (size_t i = 0; i < qs->size(); ++i) {
    auto alone = gw::store::run_report(*f.db, (*qs)[i]);
    REQUIRE(alone);
    std::string one = gw::store::render_json(*alone);
    CHECK(gw::store::render_json((*batch)[i]) == one);
    one.pop_back();  // its newline
    CHECK(all.find(one) != std::string::npos);
  }
  // Reports of different periods or filters cannot share a pass.
  auto other = (*qs)[0];
  other.user = "alice";
  CHECK_FALSE(gw::store::run_reports(*f.db, {(*qs)[0], other}));

  auto bad = [&](std::string_view qs_text, const char* param) {
    auto pq = parse_query_string(qs_text);
    REQUIRE(pq);
    auto r = report_queries_from_params(*pq, now);
    return !r && r.error().status == 400 && r.error().param == param;
  };
  CHECK(bad("since=7d", "view"));
  CHECK(bad("view=colour", "view"));
  CHECK(bad("view=model&by=user", "by"));
  CHECK(bad("view=model&latency=1", "latency"));
  CHECK(bad("view=model&since=yesterday", "since"));
  std::string many;
  for (int i = 0; i < 17; ++i) many += "view=user&";
  CHECK(bad(many, "view"));
}
