#include "api/json_from_simdjson.hpp"

#include <cmath>
#include <string>

namespace gw::api {

namespace dom = simdjson::dom;

bool json_from_simdjson(dom::element e, Json& out) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      out = Json::object();
      for (auto [key, value] : dom::object(e))
        if (!json_from_simdjson(value, out[std::string(key)])) return false;
      return true;
    }
    case dom::element_type::ARRAY: {
      out = Json::array();
      for (dom::element value : dom::array(e)) {
        out.push_back(nullptr);
        if (!json_from_simdjson(value, out.back())) return false;
      }
      return true;
    }
    case dom::element_type::STRING:
      out = std::string(std::string_view(e));
      return true;
    case dom::element_type::INT64: {  // "-0" too reads as an unsigned 0: the same whole 0
      int64_t v = int64_t(e);
      out = v >= 0 ? Json(static_cast<uint64_t>(v)) : Json(v);
      return true;
    }
    case dom::element_type::UINT64:
      out = uint64_t(e);
      return true;
    case dom::element_type::DOUBLE: {
      double v = double(e);
      // "-0" is an integer to nlohmann and "-0.0" a double; a simdjson that reads "-0" as a
      // double (versions differ) could not tell them apart, so a negative zero declines.
      if (v == 0 && std::signbit(v)) return false;
      out = v;
      return true;
    }
    case dom::element_type::BOOL:
      out = bool(e);
      return true;
    case dom::element_type::NULL_VALUE:
      out = nullptr;
      return true;
  }
  return false;
}

}  // namespace gw::api
