// Equality of two JSON values with the same kinds throughout, and of two requests, shared by
// the unit test and the fuzzer that check the simdjson request readers against nlohmann
// (nlohmann's == takes 5u and 5 as equal, and 1.0 and 1).
#pragma once

#include <cstddef>

#include "api/json_codec.hpp"

namespace gw::test {

inline bool same_json(const api::Json& a, const api::Json& b) {
  // "-0" is the one integer read as either kind: nothing tells a signed from an unsigned 0.
  if (a.is_number_integer() && b.is_number_integer() && a == 0 && b == 0) return true;
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !same_json(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!same_json(a[i], b[i])) return false;
    return true;
  }
  return a == b && api::dump(a) == api::dump(b);  // dump: the same double to the last digit
}

// Two requests alike in every member a client can set: to_json writes each described
// parameter, every message's content kind, parts, tool calls and extras, and the extras.
inline bool same_request(const api::ChatRequest& a, const api::ChatRequest& b) {
  return same_json(api::to_json(a), api::to_json(b)) && a.stream == b.stream &&
         a.include_usage == b.include_usage && a.include_obfuscation == b.include_obfuscation;
}

}  // namespace gw::test
