#include "store/connect.hpp"

#include "store/pg_conn.hpp"
#include "store/sqlite_conn.hpp"

namespace gw::store {

Result<std::unique_ptr<Conn>> connect(std::string_view spec, bool create) {
  if (config::is_postgres_url(spec)) {
    auto pg = PgConn::open(std::string(spec));
    if (!pg) return fail(pg.error());
    return std::unique_ptr<Conn>(std::move(*pg));
  }
  if (spec.starts_with("sqlite:")) spec.remove_prefix(7);
  auto db = open_sqlite(std::string(spec), create);
  if (!db) return fail(db.error());
  return std::unique_ptr<Conn>(std::move(*db));
}

Result<std::unique_ptr<Conn>> connect(const config::StoreConfig& store, bool create) {
  return connect(store.url.empty() ? store.path : store.url, create);
}

}  // namespace gw::store
