// The ledger: created with its folders (0600), migrations idempotent, batched background
// writes that flush() and close() make durable, clear errors for unusable paths.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fixtures.hpp"
#include "store/ledger.hpp"
#include "store/sqlite_conn.hpp"

namespace {

namespace fs = std::filesystem;

using gw::test::TempDir;

gw::store::LedgerRow row(std::string user, int64_t in, int64_t out, std::optional<double> cost) {
  gw::store::LedgerRow r;
  r.ts_ms = 1'700'000'000'000;
  r.request_id = "req_" + user + std::to_string(in);
  r.user = std::move(user);
  r.provider = "openai";
  r.model = "gpt-4o-mini";
  r.status = 200;
  r.input_tokens = in;
  r.output_tokens = out;
  r.cost_usd = cost;
  r.price_version = "v1";
  return r;
}

int64_t scalar(gw::store::Db& db, const char* sql) {
  auto st = db.prepare(sql);
  REQUIRE(st);
  REQUIRE(st->step() == SQLITE_ROW);
  return st->int64(0);
}

}  // namespace

TEST_CASE("ledger: creates folders and a 0600 file, writes every enqueued row on flush") {
  TempDir tmp("gw_ledger_test_");
  std::string path = tmp.path + "/a/b/gw.db";
  auto l = gw::store::Ledger::open(path);
  REQUIRE_MESSAGE(l, (l ? "" : l.error().message));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((tmp.path + "/a").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  for (int i = 0; i < 1000; ++i) (*l)->enqueue(row(i % 2 ? "alice" : "bob", i, 2 * i, 0.5));
  (*l)->flush();
  CHECK((*l)->rows_written() == 1000);
  CHECK((*l)->write_failures() == 0);

  auto db = gw::store::open_sqlite(path, false);
  REQUIRE(db);
  CHECK(scalar((*db)->db(), "SELECT COUNT(*) FROM ledger") == 1000);
  CHECK(scalar((*db)->db(), "SELECT SUM(input_tokens) FROM ledger") == 999 * 1000 / 2);
  CHECK(scalar((*db)->db(), "SELECT COUNT(*) FROM ledger WHERE user = 'alice'") == 500);
  // Text is bound without a copy: every row must carry its own strings, not a neighbour's.
  CHECK(scalar((*db)->db(),
               "SELECT COUNT(*) FROM ledger WHERE request_id = 'req_' || user || input_tokens "
               "AND model = 'gpt-4o-mini' AND price_version = 'v1'") == 1000);
}

TEST_CASE("ledger: close (and the destructor) writes what is pending; NULL cost stays NULL") {
  TempDir tmp("gw_ledger_test_");
  std::string path = tmp.path + "/gw.db";
  {
    auto l = gw::store::Ledger::open(path);
    REQUIRE(l);
    (*l)->enqueue(row("carol", 10, 5, std::nullopt));
    (*l)->enqueue(row("carol", 20, 5, 0.25));
  }  // no flush: the destructor must do it
  auto db = gw::store::open_sqlite(path, false);
  REQUIRE(db);
  CHECK(scalar((*db)->db(), "SELECT COUNT(*) FROM ledger") == 2);
  CHECK(scalar((*db)->db(), "SELECT COUNT(cost_usd) FROM ledger") == 1);
}

TEST_CASE("ledger: an idle writer (no timer) is woken by the first row and writes it unasked") {
  TempDir tmp("gw_ledger_test_");
  auto l = gw::store::Ledger::open(tmp.path + "/gw.db");
  REQUIRE(l);
  for (int round = 0; round < 3; ++round) {  // idle → one row → idle again, three times
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    (*l)->enqueue(row("erin", round, 1, 0.1));
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((*l)->rows_written() < static_cast<uint64_t>(round + 1) &&
           std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK((*l)->rows_written() == static_cast<uint64_t>(round + 1));
  }
}

TEST_CASE("ledger: enqueue after close is dropped and counted, never blocks") {
  TempDir tmp("gw_ledger_test_");
  auto l = gw::store::Ledger::open(tmp.path + "/gw.db");
  REQUIRE(l);
  (*l)->close();
  (*l)->enqueue(row("dave", 1, 1, 0.0));
  (*l)->flush();
  CHECK((*l)->rows_dropped() == 1);
}

TEST_CASE("ledger: the two halves of a logged body meet by request id, in either order") {
  TempDir tmp("gw_ledger_test_");
  std::string path = tmp.path + "/gw.db";
  auto l = gw::store::Ledger::open(path);
  REQUIRE(l);
  (*l)->enqueue(gw::store::BodyRow{"req_1", 5, std::string("{\"q\":1}"), std::nullopt});
  (*l)->enqueue(gw::store::BodyRow{"req_1", 0, std::nullopt, std::string("{\"a\":2}")});
  // gw serve: the answer's half goes first (on_response, before the Settlement), untimed.
  (*l)->enqueue(gw::store::BodyRow{"req_2", 0, std::nullopt, std::string("{\"a\":3}")});
  (*l)->enqueue(gw::store::BodyRow{"req_2", 7, std::string("{\"q\":4}"), std::nullopt});
  (*l)->flush();
  auto db = gw::store::open_sqlite(path, false);
  REQUIRE(db);
  auto st = (*db)->db().prepare(
      "SELECT request, response, ts_ms FROM bodies WHERE request_id IN ('req_1', 'req_2') "
      "ORDER BY request_id");
  REQUIRE(st);
  REQUIRE(st->step() == SQLITE_ROW);
  CHECK(st->text(0) == "{\"q\":1}");
  CHECK(st->text(1) == "{\"a\":2}");
  CHECK(st->int64(2) == 5);
  REQUIRE(st->step() == SQLITE_ROW);
  CHECK(st->text(0) == "{\"q\":4}");
  CHECK(st->text(1) == "{\"a\":3}");
  CHECK(st->int64(2) == 7);  // the request half's time, whichever half came first
}

TEST_CASE("migrations: idempotent, recorded in user_version, WAL mode") {
  TempDir tmp("gw_ledger_test_");
  std::string path = tmp.path + "/gw.db";
  for (int i = 0; i < 3; ++i) {
    auto db = gw::store::open_sqlite(path, true);
    REQUIRE(db);
    REQUIRE(gw::store::migrate((*db)->db()));
    CHECK(scalar((*db)->db(), "PRAGMA user_version") == gw::store::schema_version_latest());
    auto st = (*db)->db().prepare("PRAGMA journal_mode");
    REQUIRE(st);
    REQUIRE(st->step() == SQLITE_ROW);
    CHECK(st->text(0) == "wal");
  }
}

TEST_CASE("migration 3: only the time index is kept on the ledger, and a query plan uses it") {
  TempDir tmp("gw_ledger_test_");
  auto db = gw::store::open_sqlite(tmp.path + "/gw.db", true);
  REQUIRE(db);
  auto st = (*db)->db().prepare(
      "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'index' "
      "AND tbl_name = 'ledger' AND sql IS NOT NULL ORDER BY name)");
  REQUIRE(st);
  REQUIRE(st->step() == SQLITE_ROW);
  CHECK(st->text(0) == "ledger_ts");
  auto plan = (*db)->db().prepare(
      "EXPLAIN QUERY PLAN SELECT status FROM ledger WHERE ts_ms >= 1 AND ts_ms < 2 AND user = 'u'");
  REQUIRE(plan);
  REQUIRE(plan->step() == SQLITE_ROW);
  CHECK(plan->text(3).find("ledger_ts") != std::string::npos);
}

TEST_CASE("open: a newer schema than this gw knows is refused") {
  TempDir tmp("gw_ledger_test_");
  std::string path = tmp.path + "/gw.db";
  {
    auto db = gw::store::open_sqlite(path, true);
    REQUIRE(db);
    REQUIRE((*db)->db().exec("PRAGMA user_version = 999"));
  }
  auto again = gw::store::open_sqlite(path, true);
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find("newer") != std::string::npos);
}

TEST_CASE("open: unusable paths give a config_error naming the path") {
  TempDir tmp("gw_ledger_test_");
  std::string file = tmp.path + "/not-a-folder";
  std::ofstream(file) << "x";
  auto l = gw::store::Ledger::open(file + "/gw.db");
  REQUIRE_FALSE(l);
  CHECK(l.error().type == "config_error");
  CHECK(l.error().message.find(file) != std::string::npos);

  auto missing = gw::store::open_sqlite(tmp.path + "/none.db", false);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().type == "config_error");
  CHECK(missing.error().message.find("none.db") != std::string::npos);

  auto garbage = tmp.path + "/garbage.db";
  std::ofstream(garbage) << "this is not an sqlite database, not at all, not even close.....";
  auto g = gw::store::open_sqlite(garbage, true);
  REQUIRE_FALSE(g);
  CHECK(g.error().message.find(garbage) != std::string::npos);

  if (::geteuid() != 0) {  // root ignores permission bits
    std::string ro = tmp.path + "/ro";
    fs::create_directory(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    auto r = gw::store::Ledger::open(ro + "/sub/gw.db");
    REQUIRE_FALSE(r);
    CHECK(r.error().type == "config_error");
    CHECK(r.error().message.find(ro) != std::string::npos);
  }
}
