// URL dispatch. Routing is done with plain string comparisons (cpp-httplib only sees three
// catch-all patterns), and every provider request is recorded for GET /_fake/requests.
#pragma once

#include <httplib.h>

namespace fake {

void install_routes(httplib::Server& server);

}  // namespace fake
