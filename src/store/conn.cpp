#include "store/conn.hpp"

namespace gw::store {

Result<std::optional<int64_t>> Conn::scalar(std::string_view sql, std::initializer_list<Param> p) {
  std::optional<int64_t> out;
  bool first = true;
  auto r = each(sql, p, [&](const Row& row) {
    if (first && !row.null(0)) out = row.i64(0);
    first = false;
  });
  if (!r) return fail(r.error());
  return out;
}

}  // namespace gw::store
