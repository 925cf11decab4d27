// The spend dashboard on `gw serve` (docs/DASHBOARD.md): GET /ui (the page), /ui/app.js and
// /ui/app.css (its script and style, compiled in), POST /ui/login and /ui/logout (a browser's
// session), GET /v1/gw/usage (exactly `gw report --format json` for the same flags, as query
// parameters) and GET /v1/gw/budgets. The page and the data need an admin credential: an
// admin key (gw keys create --admin) or the token of [server] admin_token_env, as
// `Authorization: Bearer`, or a session cookie from the login form. A server that lets
// everyone in (auth = "none", or auto with no key yet) and has no admin token lets them in here
// too.
#pragma once

#include "config/config.hpp"
#include "gateway/auth.hpp"

namespace gw::server {

class HttpServer;

// Adds the dashboard's routes; `auth` says whether the server is open right now.
void install_dashboard(HttpServer& http, const config::Config& cfg, gateway::Auth& auth);

}  // namespace gw::server
