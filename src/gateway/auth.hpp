// The auth stage of `gw serve`: checks the client's virtual key (Authorization:
// Bearer gk-... or x-api-key) and attributes the request to the key's tenant and user.
// [server] auth: none lets everything through; keys requires a valid key; auto (default)
// requires one as soon as any active key exists. Lookups are cached for at most 1 s, so a
// revoked key is refused by a running server within a second, without disk I/O per request;
// so is a key's changed policy (gw keys update), which the limits stage reads from the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "gateway/filter.hpp"
#include "store/keys.hpp"

namespace gw::gateway {

class Auth : public Filter {
 public:
  enum class Mode { kNone, kKeys, kAuto };
  using Clock = std::chrono::steady_clock;

  // `keys` may be null (the store could not be opened): then no key can be checked, so
  // `auto` lets requests through and `keys` refuses them.
  Auth(Mode mode, std::unique_ptr<store::KeyStore> keys,
       Clock::duration ttl = std::chrono::seconds(1));
  // The stage for [server] auth with its own connection to the [store] path; a store that
  // cannot be opened is reported through `warn`.
  static std::unique_ptr<Auth> open(const config::Config& cfg,
                                    const std::function<void(const std::string&)>& warn);
  // Mode from the config text: "none", "keys", anything else is auto.
  static Mode parse_mode(const std::string& text);

  std::string_view name() const override { return "auth"; }
  Result<void> on_admit(RequestContext& ctx) override;  // before the body is read

 private:
  struct Entry {
    std::shared_ptr<const store::KeyRecord> key;  // null: unknown or revoked
    Clock::time_point expires;
  };
  Result<bool> required();  // is a key needed right now?
  Result<std::shared_ptr<const store::KeyRecord>> lookup(const std::string& secret);

  Mode mode_;
  Clock::duration ttl_;
  std::mutex db_mu_;  // the SQLite connection is single-threaded
  std::unique_ptr<store::KeyStore> keys_;

  std::mutex mu_;      // guards the two caches below
  struct DigestHash {  // a SHA-256 is already uniformly spread: its first bytes will do
    size_t operator()(const store::Sha256& d) const {
      size_t h;
      std::memcpy(&h, d.data(), sizeof h);
      return h;
    }
  };
  // By SHA-256 of the secret, held inline: one memory access fewer per request than a string.
  std::unordered_map<store::Sha256, Entry, DigestHash> cache_;
  int64_t active_ = 0;
  Clock::time_point active_expires_{};
  bool active_known_ = false;
};

}  // namespace gw::gateway
