// The guard stage (after limits, before the router): personal data and secrets never reach a
// provider unmasked. Every text a provider will see (message contents and text parts, system
// prompts, tool-call arguments, tool results) is scanned once (pii/scanner.hpp); each value
// found is masked with a typed placeholder stable within the request (`<EMAIL_1>`), refused
// (400 pii_detected, naming the types and never the values), or let through, as the
// caller's policy says: [guard], then the tenant's [tenants.NAME.guard], then the key's
// `gw keys create --guard`. With restore on, the answer gets the originals back, whole or
// streamed (pii/restore.hpp). The ledger row counts what was masked or blocked, by type.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "gateway/filter.hpp"
#include "pii/scanner.hpp"

namespace gw::gateway {

class Guard : public Filter {
 public:
  enum class Action : uint8_t { kOff, kMask, kBlock };

  // Compiles every detector any policy can turn on; a bad custom pattern is a config error.
  static Result<std::unique_ptr<Guard>> open(const config::Config& cfg);
  // Does any policy (global, a tenant's, or possibly a key's) turn a detector on? When none
  // can, the pipeline leaves the stage out.
  static bool wanted(const config::Config& cfg);

  std::string_view name() const override { return "guard"; }
  Result<void> on_request(api::ChatRequest& req, RequestContext& ctx) override;
  void on_chunk(api::Editable<api::ChatChunk>& c, RequestContext& ctx) override;
  void on_response(api::Editable<api::ChatResponse>& r, RequestContext& ctx) override;

  // The effective policy of a caller: an action per type the scanner reports.
  struct Policy {
    std::vector<std::pair<std::string, Action>> actions;  // by type (EMAIL, EMPLOYEE_ID...)
    bool restore = true;
    Action action_of(std::string_view type) const;
    bool any() const;
  };
  Guard(const config::Config& cfg, pii::Scanner scanner);

 private:
  // The caller's policy: the global one, made once, unless its tenant or key changes it (then
  // built in `scratch`).
  const Policy& policy_of(const Caller& caller, Policy& scratch) const;

  const config::Config& cfg_;
  pii::Scanner scanner_;
  Policy base_;  // [guard] alone
};

}  // namespace gw::gateway
