#include "store/spend.hpp"

#include <ctime>

namespace gw::store {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// The first instant of the UTC month holding `ms`, moved by `months` (0 or 1).
int64_t month_start(int64_t ms, int months) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mon += months;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

int64_t period_start_ms(std::string_view period, int64_t now_ms) {
  if (period == "total") return 0;
  if (period == "day") return now_ms - now_ms % kDayMs;
  return month_start(now_ms, 0);
}

int64_t period_end_ms(std::string_view period, int64_t now_ms) {
  if (period == "total") return 0;
  if (period == "day") return now_ms - now_ms % kDayMs + kDayMs;
  return month_start(now_ms, 1);
}

Result<SpendByScope> spend_by_scope(Conn& db, int64_t now_ms, int64_t since_ms) {
  SpendByScope out;
  auto add = [](SpendTotals& into, const SpendTotals& row) {
    into.day += row.day;
    into.month += row.month;
    into.total += row.total;
    if (row.last_ms > into.last_ms) into.last_ms = row.last_ms;
  };
  auto r = db.each(
      "SELECT key_id, \"user\", tenant, max(ts_ms), "
      "coalesce(sum(CASE WHEN ts_ms >= ?1 THEN cost_usd END), 0), "
      "coalesce(sum(CASE WHEN ts_ms >= ?2 THEN cost_usd END), 0), coalesce(sum(cost_usd), 0) "
      "FROM ledger WHERE ts_ms >= ?3 GROUP BY key_id, \"user\", tenant",
      {period_start_ms("day", now_ms), period_start_ms("month", now_ms), since_ms},
      [&](const Row& st) {
        SpendTotals row{st.f64(4), st.f64(5), st.f64(6), st.i64(3)};
        if (auto k = st.text(0); !k.empty()) add(out.keys[std::string(k)], row);
        add(out.users[st.str(1)], row);
        if (auto t = st.text(2); !t.empty()) add(out.tenants[std::string(t)], row);
      });
  if (!r) return fail(r.error());
  return out;
}

}  // namespace gw::store
