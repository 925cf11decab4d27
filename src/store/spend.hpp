// Spend by key, user and tenant, read from the ledger: what the limits stage starts from (so
// budgets survive a restart) and the SPEND and LAST USED columns of `gw keys list`. Periods are
// UTC calendar days and months, by each request's start time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/error.hpp"
#include "store/conn.hpp"

namespace gw::store {

// Where the period holding `now_ms` began, and where the next one begins; "total" begins at 0
// and never ends (next = 0).
int64_t period_start_ms(std::string_view period, int64_t now_ms);
int64_t period_end_ms(std::string_view period, int64_t now_ms);

struct SpendTotals {
  double day = 0, month = 0, total = 0;  // USD in today's day and month, and ever
  int64_t last_ms = 0;                   // the newest request's start (0: none)
  double in(std::string_view period) const {
    return period == "day" ? day : period == "total" ? total : month;
  }
};

struct SpendByScope {
  std::unordered_map<std::string, SpendTotals> keys, users, tenants;
};

// One pass over the ledger rows started at or after `since_ms` (0: all), grouped by the store.
Result<SpendByScope> spend_by_scope(Conn& db, int64_t now_ms, int64_t since_ms = 0);

}  // namespace gw::store
