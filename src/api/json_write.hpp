// Writing JSON text without a DOM, byte for byte as api::dump() writes the same value
// (nlohmann's compact dump, UTF-8 kept, invalid UTF-8 replaced by U+FFFD), so the direct
// serializers of json_codec.hpp can be checked against dump(to_json(x)) by string equality.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api::json {

// A quoted, escaped string: \" \\ \b \f \n \r \t, other control characters as \u00xx, the
// rest as is. A string with invalid UTF-8 (rare: gw's own text is valid) is written by
// nlohmann itself, so its replacement rules hold exactly.
void put_string(std::string& out, std::string_view s);
void put_int(std::string& out, int64_t v);
void put_double(std::string& out, double v);  // nlohmann's number format (1.0, 0.2, 1e+20)
void put_json(std::string& out, const Json& j);

}  // namespace gw::api::json
