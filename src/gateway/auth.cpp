#include "gateway/auth.hpp"

#include "store/connect.hpp"

namespace gw::gateway {
namespace {

constexpr size_t kMaxCached = 131072;  // beyond this the cache starts over (random-key floods)

Error unauthorized(std::string message) {
  return Error::refused(401, "invalid_request_error", "invalid_api_key", std::move(message));
}

}  // namespace

Auth::Auth(Mode mode, std::unique_ptr<store::KeyStore> keys, Clock::duration ttl)
    : mode_(mode), ttl_(ttl), keys_(std::move(keys)) {}

std::unique_ptr<Auth> Auth::open(const config::Config& cfg,
                                 const std::function<void(const std::string&)>& warn) {
  Mode mode = parse_mode(cfg.server.auth);
  std::unique_ptr<store::KeyStore> keys;
  if (mode != Mode::kNone) {
    // Never create here: connect's SQLite create path opens and closes a plain descriptor, and
    // closing one drops every POSIX lock this process holds on the file (the ledger's).
    if (auto k = store::connect(cfg.store, false))
      keys = std::make_unique<store::KeyStore>(std::move(*k));
    else if (warn)
      warn("API keys cannot be checked (" +
           std::string(mode == Mode::kKeys ? "every request is refused"
                                           : "requests are let through") +
           "): " + k.error().message);
  }
  return std::make_unique<Auth>(mode, std::move(keys));
}

Auth::Mode Auth::parse_mode(const std::string& text) {
  if (text == "none") return Mode::kNone;
  if (text == "keys") return Mode::kKeys;
  return Mode::kAuto;
}

Result<bool> Auth::required() {
  if (mode_ == Mode::kNone) return false;
  if (mode_ == Mode::kKeys) return true;
  if (!keys_) return false;  // auto without a store: no key can exist
  auto now = Clock::now();
  {
    std::lock_guard lk(mu_);
    if (active_known_ && now < active_expires_) return active_ > 0;
  }
  Result<int64_t> n = 0;
  {
    std::lock_guard lk(db_mu_);
    n = keys_->count_active();
  }
  std::lock_guard lk(mu_);
  if (!n) {
    // Keep the last answer a little longer; with none, fail closed.
    if (active_known_) {
      active_expires_ = now + ttl_;
      return active_ > 0;
    }
    return fail(n.error());
  }
  active_ = *n;
  active_known_ = true;
  active_expires_ = now + ttl_;
  return active_ > 0;
}

Result<std::shared_ptr<const store::KeyRecord>> Auth::lookup(const std::string& secret) {
  const store::Sha256 hash = store::sha256(secret);
  auto now = Clock::now();
  {
    std::lock_guard lk(mu_);
    if (auto it = cache_.find(hash); it != cache_.end() && now < it->second.expires)
      return it->second.key;
  }
  if (!keys_) return nullptr;
  Result<std::optional<store::KeyRecord>> found;
  {
    std::lock_guard lk(db_mu_);
    found = keys_->find_by_secret(secret);
  }
  if (!found) {
    // The store is unreachable (a shared PostgreSQL restarting): a key seen before keeps its
    // last answer for another TTL rather than failing every request; a new one cannot be
    // checked.
    std::lock_guard lk(mu_);
    if (auto it = cache_.find(hash); it != cache_.end()) {
      it->second.expires = now + ttl_;
      return it->second.key;
    }
    return fail(found.error());
  }
  std::shared_ptr<const store::KeyRecord> key;
  if (*found) key = std::make_shared<const store::KeyRecord>(std::move(**found));
  std::lock_guard lk(mu_);
  if (cache_.size() >= kMaxCached) cache_.clear();
  cache_[hash] = Entry{key, now + ttl_};
  return key;
}

Result<void> Auth::on_admit(RequestContext& ctx) {
  if (mode_ == Mode::kNone) return {};
  auto need = required();
  if (!need) {
    Error e = Error::internal("cannot check API keys: " + need.error().message);
    e.status = 503;
    return fail(std::move(e));
  }
  if (!*need && ctx.presented_key.empty()) return {};
  if (!*need) {
    // Keys not required, but one that is valid still attributes the request; anything else
    // (an SDK's placeholder key) is ignored.
    if (ctx.presented_key.rfind("gk-", 0) != 0) return {};
  }
  if (ctx.presented_key.empty())
    return fail(unauthorized("Missing API key: pass Authorization: Bearer gk-…"));
  auto key = lookup(ctx.presented_key);
  if (!key) {
    Error e = Error::internal("cannot check API keys: " + key.error().message);
    e.status = 503;
    return fail(std::move(e));
  }
  if (!*key) {
    if (!*need) return {};
    return fail(unauthorized("Invalid API key"));
  }
  const store::KeyRecord& k = **key;
  ctx.caller.key_limits = std::shared_ptr<const config::Limits>(*key, &k.limits);
  ctx.caller.key_id = k.id;
  ctx.caller.key_name = k.name;
  ctx.caller.tenant = k.tenant;
  if (ctx.caller.user.empty()) ctx.caller.user = k.user;
  return {};
}

}  // namespace gw::gateway
