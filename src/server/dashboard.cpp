#include "server/dashboard.hpp"

#include <openssl/crypto.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "net/io.hpp"
#include "server/dashboard_page.hpp"
#include "server/http_server.hpp"
#include "server/response_head.hpp"
#include "server/ui_assets.hpp"
#include "store/connect.hpp"
#include "store/keys.hpp"
#include "store/ledger.hpp"

namespace gw::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSessionLife = std::chrono::hours(12);
constexpr size_t kMaxSessions = 1024;
constexpr std::string_view kCookie = "gw_ui";

constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// At most this many dashboard requests read the store at once (each on its own thread); more
// get a 503 at once (a flood, even an unauthenticated one, cannot pile up threads).
constexpr int kMaxJobs = 8;
std::atomic<int> g_jobs{0};

// Runs `f` (a scan of the ledger) on its own thread while this fiber sleeps, so the event
// loop keeps serving the other connections meanwhile.
template <class F>
auto off_loop(F f) -> decltype(f()) {
  if (g_jobs.fetch_add(1) >= kMaxJobs) {
    g_jobs.fetch_sub(1);
    Error e = Error::refused(503, "server_error", "dashboard_busy",
                             "The dashboard is answering too many requests; try again shortly.");
    e.retry_after_ms = 1000;
    return fail(std::move(e));
  }
  struct Release {
    ~Release() { g_jobs.fetch_sub(1); }
  } release;
  std::optional<decltype(f())> out;
  std::atomic<bool> done{false};
  std::thread t;
  try {
    t = std::thread([&] {
      try {
        out.emplace(f());
      } catch (...) {
        out.emplace(fail(Error::internal("the dashboard's query failed")));
      }
      done.store(true, std::memory_order_release);
    });
  } catch (...) {  // no thread to be had: answer 503 rather than block the loop
    Error e = Error::internal("the dashboard cannot start its query (no thread)");
    e.status = 503;
    return fail(std::move(e));
  }
  while (!done.load(std::memory_order_acquire)) net::sleep_for(std::chrono::milliseconds(2));
  t.join();
  return std::move(*out);
}

// The value of cookie `name` in a Cookie header; empty when absent.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=')
      return part.substr(name.size() + 1);
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

enum class Access { kAllowed, kUnauthorized, kForbidden, kUnavailable };

class Dashboard {
 public:
  Dashboard(const config::Config& cfg, gateway::Auth& auth) : cfg_(cfg), auth_(auth) {}

  // Who may look. `store` is an open ledger connection (keys live there too).
  Access check(const Request& req, store::Conn& db, std::string& why) {
    if (cfg_.server.admin_token.empty()) {
      gateway::RequestContext anon;  // no key: does the server let anyone in right now?
      if (auth_.on_admit(anon)) return Access::kAllowed;
    }
    std::string cred = req.presented_key();
    if (cred.empty()) cred = session_secret(cookie_value(req.header("Cookie"), kCookie));
    return check_secret(cred, db, why);
  }

  Access check_secret(const std::string& cred, store::Conn& db, std::string& why) {
    if (cred.empty()) {
      why =
          "The dashboard needs an admin credential: an admin key (gw keys create --admin) or "
          "the token of [server] admin_token_env, as Authorization: Bearer, or log in at /ui.";
      return Access::kUnauthorized;
    }
    if (!cfg_.server.admin_token.empty() && same_secret(cred, cfg_.server.admin_token))
      return Access::kAllowed;
    if (cred.rfind("gk-", 0) == 0) {
      store::KeyStore ks(db);
      auto key = ks.find_by_secret(cred);
      if (!key) {
        why = "cannot check the key: " + key.error().message;
        return Access::kUnavailable;
      }
      if (*key && (*key)->admin) return Access::kAllowed;
      if (*key) {
        why =
            "This key is not an admin key: the dashboard needs one (gw keys create --admin, "
            "or gw keys update ID --admin).";
        return Access::kForbidden;
      }
    }
    why = "Invalid admin credential.";
    return Access::kUnauthorized;
  }

  std::string new_session(const std::string& secret) {
    auto id = store::random_alnum(32);
    if (!id) return {};
    std::lock_guard lk(mu_);
    auto now = Clock::now();
    if (sessions_.size() >= kMaxSessions)
      std::erase_if(sessions_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (sessions_.size() >= kMaxSessions) sessions_.clear();
    sessions_[*id] = Session{secret, now + kSessionLife};
    return *id;
  }

  void end_session(std::string_view id) {
    std::lock_guard lk(mu_);
    sessions_.erase(std::string(id));
  }

  const config::Config& cfg() const { return cfg_; }

 private:
  struct Session {
    std::string secret;  // re-checked on every request: a revoked key ends its sessions
    Clock::time_point expires;
  };

  std::string session_secret(std::string_view id) {
    if (id.empty() || id.size() > 64) return {};
    std::lock_guard lk(mu_);
    auto it = sessions_.find(std::string(id));
    if (it == sessions_.end() || it->second.expires <= Clock::now()) return {};
    return it->second.secret;
  }

  const config::Config& cfg_;
  gateway::Auth& auth_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;
};

Error access_error(Access a, const std::string& why) {
  if (a == Access::kForbidden)
    return Error::refused(403, "invalid_request_error", "admin_required", why);
  if (a == Access::kUnavailable) {
    Error e = Error::internal(why);
    e.status = 503;
    return e;
  }
  return Error::refused(401, "invalid_request_error", "invalid_api_key", why);
}

Result<std::unique_ptr<store::Conn>> open_ledger(const config::Config& cfg) {
  auto db = store::connect(cfg.store, false);
  if (!db) return fail(db.error());
  if (!(*db)->postgres())
    (void)(*db)->exec("PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
  return db;
}

void no_store(Response& res) {
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
}

struct Answer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// A JSON endpoint: the access check and `produce` run off the loop, on one ledger connection.
template <class F>
void json_endpoint(Dashboard& d, const Request& req, Response& res, F produce) {
  auto out = off_loop([&]() -> Result<std::string> {
    auto db = open_ledger(d.cfg());
    if (!db) return fail(db.error());
    std::string why;
    if (Access a = d.check(req, **db, why); a != Access::kAllowed)
      return fail(access_error(a, why));
    return produce(**db);
  });
  no_store(res);
  if (!out) return send_error(res, out.error());
  res.send(200, *out);
}

std::string_view query_of(const Request& req) {
  std::string_view target = req.head.target;
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

}  // namespace

void install_dashboard(HttpServer& http, const config::Config& cfg, gateway::Auth& auth) {
  auto d = std::make_shared<Dashboard>(cfg, auth);

  auto page = [d](const Request& req, Response& res) {
    std::string why;
    Result<Access> a = off_loop([&]() -> Result<Access> {
      auto db = open_ledger(d->cfg());
      if (!db) return fail(db.error());
      return d->check(req, **db, why);
    });
    no_store(res);
    res.set_header("Content-Security-Policy", std::string(kPageCsp));
    res.set_header("Referrer-Policy", "no-referrer");
    if (!a) return send_error(res, a.error());
    if (*a == Access::kAllowed)
      return (void)res.send(200, dashboard_page(), "text/html; charset=utf-8");
    if (*a == Access::kUnavailable) return send_error(res, access_error(*a, why));
    res.send(*a == Access::kForbidden ? 403 : 401, dashboard_login_page(why),
             "text/html; charset=utf-8");
  };
  http.route("GET", "/ui", page);
  http.route("GET", "/ui/", page);

  // The script and style hold no data: anyone may fetch them (the login page uses the style).
  for (std::string_view name : {"app.js", "app.css"}) {
    std::string type =
        name.ends_with(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
    http.route("GET", "/ui/" + std::string(name), [name, type](const Request&, Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.send(200, ui_asset(name), type);
    });
  }

  // The login form posts the credential once; the browser then holds only a session id.
  http.route("POST", "/ui/login", [d](const Request& req, Response& res) {
    std::string secret;
    if (auto params = parse_query_string(req.body)) {
      for (auto& [k, v] : *params)
        if (k == "token") secret = std::move(v);
    }
    std::string why;
    Result<Access> a = off_loop([&]() -> Result<Access> {
      auto db = open_ledger(d->cfg());
      if (!db) return fail(db.error());
      return d->check_secret(secret, **db, why);
    });
    no_store(res);
    res.set_header("Content-Security-Policy", std::string(kPageCsp));
    if (!a) return send_error(res, a.error());
    if (*a != Access::kAllowed)
      return (void)res.send(*a == Access::kForbidden ? 403 : 401, dashboard_login_page(why),
                            "text/html; charset=utf-8");
    std::string sid = d->new_session(secret);
    res.set_header("Set-Cookie", std::string(kCookie) + "=" + sid +
                                     "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
    res.set_header("Location", "/ui");
    res.send(303, "", "text/plain");
  });
  http.route("POST", "/ui/logout", [d](const Request& req, Response& res) {
    d->end_session(cookie_value(req.header("Cookie"), kCookie));
    res.set_header("Set-Cookie",
                   std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.set_header("Location", "/ui");
    res.send(303, "", "text/plain");
  });

  http.route("GET", "/v1/gw/usage", [d](const Request& req, Response& res) {
    auto params = parse_query_string(query_of(req));
    if (!params) return send_error(res, params.error());
    auto q = report_query_from_params(*params, now_ms());
    if (!q) return send_error(res, q.error());
    json_endpoint(*d, req, res, [&](store::Conn& db) -> Result<std::string> {
      auto rep = store::run_report(db, *q);
      if (!rep) return fail(rep.error());
      return store::render_json(*rep);
    });
  });
  http.route("GET", "/v1/gw/usage/batch", [d](const Request& req, Response& res) {
    auto params = parse_query_string(query_of(req));
    if (!params) return send_error(res, params.error());
    auto qs = report_queries_from_params(*params, now_ms());
    if (!qs) return send_error(res, qs.error());
    json_endpoint(*d, req, res, [&](store::Conn& db) -> Result<std::string> {
      auto reps = store::run_reports(db, *qs);
      if (!reps) return fail(reps.error());
      return batch_json(*reps);
    });
  });
  http.route("GET", "/v1/gw/budgets", [d](const Request& req, Response& res) {
    json_endpoint(*d, req, res, [&](store::Conn& db) -> Result<std::string> {
      auto b = budgets_json(d->cfg(), db, now_ms());
      if (!b) return fail(b.error());
      return *b + "\n";
    });
  });
}

}  // namespace gw::server
