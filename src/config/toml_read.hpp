// What the config readers share (config_load.cpp, config_policy.cpp): typed reads of a TOML
// table with errors that name the file and line. Internal to the config layer; toml++ is a
// heavy header, so only these two files include it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/config.hpp"

namespace gw::config::detail {

// "file:line: what", a config_error (defined in config_load.cpp: out of line, which also keeps
// gcc 12's -Wrestrict false positive on inlined string concatenation away).
Error config_error(const std::string& where, int line, const std::string& what);
// "'key' must be <want>", the error of a value of the wrong type.
Error type_error(const std::string& file, int line, std::string_view key, const char* want);

inline int line_of(const toml::node& n) {
  return static_cast<int>(n.source().begin.line);
}

// Reads an optional typed value, failing with the node's line when the type is wrong.
template <class T>
Result<std::optional<T>> get(const toml::table& t, std::string_view key, const std::string& file,
                             const char* want) {
  const toml::node* n = t.get(key);
  if (!n) return std::optional<T>{};
  if constexpr (std::is_same_v<T, double>) {
    if (auto v = n->value<double>()) return std::optional<T>(*v);  // accepts integers too
  } else if constexpr (std::is_same_v<T, int64_t>) {
    if (n->is_integer()) return std::optional<T>(*n->value<int64_t>());
  } else {
    if (auto v = n->value_exact<T>()) return std::optional<T>(*v);
  }
  return fail(type_error(file, line_of(*n), key, want));
}

#define GW_GET(var, T, tbl, key, want)                   \
  auto var##_r = get<T>(tbl, key, file, want);           \
  if (!var##_r) return fail(std::move(var##_r.error())); \
  auto var = *var##_r

// The policy tables (config_policy.cpp).
Result<Limits> read_limits(const toml::table& t, const std::string& what, const std::string& file);
Result<void> read_policy_tables(std::map<std::string, Limits>& into, const toml::table& root,
                                const char* key, const char* singular, const std::string& file);
Result<void> read_guard(GuardConfig& g, const toml::table& t, const std::string& file);

}  // namespace gw::config::detail
