// `gw store migrate`: every table of one store copied into another, row for row (ids, NULLs
// and the bits of every cost kept), so a ledger moved from SQLite to PostgreSQL reports the
// same figures.
#pragma once

#include <cstdint>

#include "store/conn.hpp"

namespace gw::store {

struct CopyCounts {
  int64_t ledger = 0, bodies = 0, keys = 0, responses = 0;
};

// Copies `from` into `to` in one transaction of `to`. `to` must be empty (no ledger rows, keys,
// bodies or kept responses): a second copy would count every request twice. Both stores are
// migrated to the same schema before (connect does it).
Result<CopyCounts> copy_store(Conn& from, Conn& to);

}  // namespace gw::store
