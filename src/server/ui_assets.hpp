// The dashboard's files (src/server/ui/), compiled into the binary by ui/embed.cmake.
#pragma once

#include <string_view>

namespace gw::server {

// The bytes of ui/<name> ("app.js"); empty for an unknown name.
std::string_view ui_asset(std::string_view name);

}  // namespace gw::server
