// %XX escapes (RFC 3986) decoded, for the few places gw reads them: a query string, a model id
// in a URL path, a password in a Redis URL, AWS's canonical query.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gw::api {

// `strict`: a '%' not followed by two hex digits makes the whole string nullopt; otherwise it
// is kept as it stands. `plus_is_space`: '+' is a space, as in a form-encoded query string.
std::optional<std::string> percent_decode(std::string_view s, bool strict,
                                          bool plus_is_space = false);

}  // namespace gw::api
