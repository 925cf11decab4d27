// gw store migrate's engine between two SQLite files (the PostgreSQL direction is the same code
// over the other connection, tested end to end in tests/reliability/scaleout_postgres): every
// row, id, NULL and cost bit arrives, reports and key lists read the same, and a second copy
// into a store that holds rows is refused.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>

#include "fixtures.hpp"
#include "store/copy.hpp"
#include "store/keys.hpp"
#include "store/ledger.hpp"
#include "store/report.hpp"
#include "store/sqlite_conn.hpp"

namespace {

using gw::test::TempDir;

void fill(const std::string& path) {
  auto l = gw::store::Ledger::open(path);
  REQUIRE(l);
  for (int i = 0; i < 2500; ++i) {  // more than one batch of the copy
    gw::store::LedgerRow r;
    r.ts_ms = 1'793'491'200'000 + i * 1000;
    r.request_id = "req_" + std::to_string(i);
    r.user = i % 3 ? "alice" : "bob";
    r.tenant = i % 2 ? "acme" : "";
    r.provider = "openai";
    r.model = i % 5 ? "gpt-4o" : "gpt-4o-mini";
    r.status = i % 17 ? 200 : 502;
    r.input_tokens = i;
    r.output_tokens = 2 * i;
    // Costs whose sum depends on the order it is taken in, and some unknown.
    if (i % 11) r.cost_usd = 0.1 * i / 3.0 + 1e-9;
    if (i % 4 == 0) r.ttft_ms = i / 7.0;
    r.latency_ms = i / 3.0;
    r.endpoint = i % 2 ? "chat" : "responses";
    (*l)->enqueue(std::move(r));
  }
  (*l)->enqueue(
      gw::store::BodyRow{"req_1", 1, std::string("{\"q\":\"\xe2\x82\xac\"}"), std::nullopt});
  (*l)->close();
  auto ks = gw::store::KeyStore::open(path);
  REQUIRE(ks);
  gw::config::Limits lim;
  lim.rpm = 7;
  lim.budget_usd = 2.5;
  REQUIRE(ks->create("first", "alice", "acme", lim));
  auto second = ks->create("second", "bob", "", {}, true);
  REQUIRE(second);
  REQUIRE(ks->revoke(second->id));
}

std::string report(gw::store::Conn& db, std::vector<std::string> by) {
  gw::store::ReportQuery q;
  q.by = std::move(by);
  q.since_ms = 0;
  q.until_ms = 4'000'000'000'000;
  q.latency = true;
  auto r = gw::store::run_report(db, q);
  REQUIRE(r);
  return gw::store::render_json(*r) + gw::store::render_table(*r);
}

}  // namespace

TEST_CASE("store copy: every row arrives exactly; reports and keys read the same") {
  TempDir tmp("gw_store_copy_");
  fill(tmp.path + "/from.db");
  auto from = gw::store::open_sqlite(tmp.path + "/from.db", false);
  auto to = gw::store::open_sqlite(tmp.path + "/to.db", true);
  REQUIRE(from);
  REQUIRE(to);
  auto n = gw::store::copy_store(**from, **to);
  REQUIRE_MESSAGE(n, (n ? "" : n.error().message));
  CHECK(n->ledger == 2500);
  CHECK(n->keys == 2);
  CHECK(n->bodies == 1);
  CHECK(n->responses == 0);

  for (auto by : {std::vector<std::string>{"user", "model"}, {"day", "endpoint"}, {"tenant"}})
    CHECK(report(**from, by) == report(**to, by));
  gw::store::KeyStore a(**from), b(**to);
  auto ka = a.list(), kb = b.list();
  REQUIRE(ka);
  REQUIRE(kb);
  REQUIRE(ka->size() == kb->size());
  for (size_t i = 0; i < ka->size(); ++i) {
    CHECK((*ka)[i].id == (*kb)[i].id);
    CHECK((*ka)[i].revoked_ms == (*kb)[i].revoked_ms);
    CHECK((*ka)[i].limits.rpm == (*kb)[i].limits.rpm);
    CHECK((*ka)[i].limits.budget_usd == (*kb)[i].limits.budget_usd);
    CHECK((*ka)[i].admin == (*kb)[i].admin);
  }
  // Row for row, NULLs included.
  auto rows = [](gw::store::Conn& db) {
    std::string out;
    auto r = db.each(
        "SELECT id, request_id, cost_usd, ttft_ms, latency_ms, tenant FROM ledger ORDER BY id", {},
        [&](const gw::store::Row& row) {
          out += std::to_string(row.i64(0)) + "|" + row.str(1) + "|" +
                 (row.null(2) ? "NULL" : std::to_string(std::bit_cast<uint64_t>(row.f64(2)))) +
                 "|" + (row.null(3) ? "NULL" : std::to_string(row.f64(3))) + "|" +
                 std::to_string(std::bit_cast<uint64_t>(row.f64(4))) + "|" + row.str(5) + "\n";
        });
    REQUIRE(r);
    return out;
  };
  CHECK(rows(**from) == rows(**to));
  auto body =
      (*to)->scalar("SELECT count(*) FROM bodies WHERE request = '{\"q\":\"\xe2\x82\xac\"}'");
  REQUIRE(body);
  CHECK(body->value_or(0) == 1);

  // A second copy would count every request twice.
  auto again = gw::store::copy_store(**from, **to);
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find("not empty") != std::string::npos);
  CHECK(report(**from, {"user"}) == report(**to, {"user"}));
}

TEST_CASE("store copy: new rows continue after the copied ids") {
  TempDir tmp("gw_store_copy_ids_");
  fill(tmp.path + "/from.db");
  {
    auto from = gw::store::open_sqlite(tmp.path + "/from.db", false);
    auto to = gw::store::open_sqlite(tmp.path + "/to.db", true);
    REQUIRE(gw::store::copy_store(**from, **to));
  }
  auto l = gw::store::Ledger::open(tmp.path + "/to.db");
  REQUIRE(l);
  gw::store::LedgerRow r;
  r.request_id = "after";
  r.status = 200;
  (*l)->enqueue(r);
  (*l)->close();
  auto to = gw::store::open_sqlite(tmp.path + "/to.db", false);
  auto id = (*to)->scalar("SELECT id FROM ledger WHERE request_id = 'after'");
  REQUIRE(id);
  CHECK(id->value_or(0) == 2501);
}
