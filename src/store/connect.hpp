// Opening the store the configuration names: PostgreSQL when [store] url (or $GW_STORE_URL)
// is set, else the SQLite file at [store] path (or $GW_DB).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "store/conn.hpp"

namespace gw::store {

// Connected and migrated. `create`: a missing SQLite file is created (a PostgreSQL database
// must exist; its tables are created either way).
Result<std::unique_ptr<Conn>> connect(const config::StoreConfig& store, bool create);

// "sqlite:PATH", a bare PATH, or a postgres:// URL (gw store migrate --from / --to).
Result<std::unique_ptr<Conn>> connect(std::string_view spec, bool create);

}  // namespace gw::store
