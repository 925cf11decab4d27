// The effective configuration: embedded defaults, then the TOML file, then environment
// overrides. Read once at start-up; the only "global" state gw has.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.hpp"

namespace gw::config {

// The settings of the cloud kinds (`azure`, `vertex`; read in config_cloud.cpp).
struct CloudConfig {
  // azure: "deployments" ({base_url}/openai/deployments/{deployment}/...?api-version=) or "v1"
  // ({base_url}/openai/v1/...); the deployment serving each model (default: the model's name).
  std::string api_style = "deployments";
  std::string api_version = "2024-10-21";
  std::map<std::string, std::string> deployments;
  // Both: api_key (azure) is sent as `Authorization: Bearer` instead when it came from
  // access_token_env (a token obtained outside gw).
  bool bearer = false;
  // vertex: where the models run, and the service-account key gw signs its token requests
  // with (credentials_file, else $GOOGLE_APPLICATION_CREDENTIALS; read at load).
  std::string project, location;
  std::string credentials_file;
  std::string sa_email, sa_key_id, sa_token_uri;
  std::string sa_private_key;  // PEM; never logged or printed
  std::string token_url;       // where tokens are fetched: token_url, else the key's token_uri
  // bedrock: the AWS region requests are signed for, and the SigV4 credentials, read at load
  // from the environment variables named here (the secret and the token never logged or
  // printed).
  std::string region;
  std::string access_key_id_env = "AWS_ACCESS_KEY_ID";
  std::string secret_access_key_env = "AWS_SECRET_ACCESS_KEY";
  std::string session_token_env = "AWS_SESSION_TOKEN";  // "" = none
  std::string access_key_id, secret_access_key, session_token;
};

struct ProviderConfig {
  std::string name;  // the table name: the provider part of "name/model"
  std::string kind;  // openai | anthropic | gemini | azure | vertex | bedrock | mock
  std::string base_url;
  std::string api_key;      // resolved secret (from api_key or api_key_env); never logged
  std::string api_key_env;  // where it came from, for messages
  double timeout_s = 600;
  double connect_timeout_s = 10;
  double first_byte_timeout_s = 120;
  std::vector<std::pair<std::string, std::string>> headers;
  bool drop_params = false;  // drop, rather than reject, parameters the provider can't honour
  int line = 0;              // where it was defined (0 = built in)
  CloudConfig cloud = {};    // kind azure | vertex | bedrock only
};

struct RouteTarget {
  std::string model;  // "provider/model"
  double weight = 1;
};

struct RouteRule {
  std::optional<std::string> task;
  std::optional<int64_t> max_prompt_tokens, min_prompt_tokens;
  std::optional<bool> tools, images;
  std::string use;  // a route or model
};

struct RouteConfig {
  std::string name;
  std::string strategy = "fallback";  // fallback | cheapest | fastest | weighted
  std::vector<RouteTarget> targets;
  int retries = 2;
  double cooldown_s = 30;
  std::vector<RouteRule> rules;
  std::string default_use;  // for rule routes: where requests matching no rule go
  int line = 0;
};

struct Price {  // USD per million tokens
  double input = 0, output = 0;
  std::optional<double> cached_input, cache_write;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:4000";
  int64_t max_body_bytes = 4 * 1024 * 1024;
  std::string auth = "auto";  // auto | keys | none
  int threads = 0;            // event-loop threads of gw serve; 0 = one per CPU
  // GET /metrics needs `Authorization: Bearer <token>` when set (read from this variable).
  std::string metrics_token_env;
  std::string metrics_token;  // resolved at load; never printed
  // The dashboard (/ui) and its data (/v1/gw/usage) also take this token as an admin credential.
  std::string admin_token_env;
  std::string admin_token;  // resolved at load; never printed
};

struct StoreConfig {
  std::string path;  // resolved, ~ expanded
  std::string url;   // postgres://...: keys and ledger in PostgreSQL instead; $GW_STORE_URL
  bool log_bodies = false;
};

// An operator-written detector ([[guard.custom]]): an RE2 pattern, or a list of terms.
struct CustomDetector {
  std::string name;  // the type its values are reported and masked as (EMPLOYEE_ID)
  std::string pattern;
  std::vector<std::string> terms;  // from terms = [...] and terms_file
};

struct GuardConfig {
  std::vector<std::string> pii;  // built-in detectors: email, phone, credit_card, ssn, ...
  std::string action = "off";    // mask | block | off
  std::map<std::string, std::string> actions;  // per detector (actions = { secret = "block" })
  bool restore = true;
  std::vector<CustomDetector> custom;
};

// A tenant's ([tenants.NAME.guard]) or a key's (gw keys --guard) changes to [guard]: what is
// set replaces the value before it; an action replaces every earlier per-detector one too.
struct GuardOverride {
  std::optional<std::vector<std::string>> pii;
  std::optional<std::string> action;
  std::map<std::string, std::string> actions;
  std::optional<bool> restore;
};

// A key's --guard text: "mask", "block" or "off", then per-detector overrides
// ("mask,secret=block,ip=off"); and back.
Result<GuardOverride> parse_guard_override(std::string_view text);
std::string guard_override_text(const GuardOverride& g);

// One traffic policy: rate limits, a budget and a model allow-list. A virtual key carries one
// (gw keys), and so can a tenant ([tenants.NAME]), a user ([users.NAME]) and everyone not
// named ([limits]); every policy that applies to a request is enforced. Absent = unlimited.
struct Limits {
  std::optional<int64_t> rpm, tpm;      // requests and tokens per minute (token buckets)
  std::optional<int64_t> max_parallel;  // requests in flight
  std::optional<double> budget_usd;     // hard budget per period
  std::string period = "month";         // day | month | total (calendar periods in UTC)
  std::vector<std::string> models;      // allowed names, `*` globs; empty = all
  bool unpriced_allow = false;          // a model with no known price passes the budget as $0
  std::optional<GuardOverride> guard;   // [tenants.NAME.guard], a key's --guard

  bool has_rates() const { return rpm || tpm || max_parallel; }
  bool empty() const { return !has_rates() && !budget_usd && models.empty(); }
};

// Where the limit counters live ([limits] redis, redis_failure, redis_timeout_ms,
// redis_lease_ms): in this process, or in a Redis shared by several gw instances.
struct LimitStoreConfig {
  std::string redis;         // redis://[:password@]host[:port][/db]; empty = in memory
  bool fail_closed = false;  // redis_failure: fail_open (local limits) | fail_closed (503)
  int64_t timeout_ms = 100;  // one command's round trip; a connect gets half
  // How long a parallel slot or budget reservation outlives an instance that died holding it;
  // longer than the longest request (streams included), or a live one's slot expires early.
  int64_t lease_ms = 600'000;
};
// redis://[[user]:password@]host[:port][/db] (config_limit_store.cpp).
struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string user, password;
};
// Errors name what is wrong, never the password.
Result<RedisUrl> parse_redis_url(std::string_view url);
// postgres:// or postgresql:// ([store] url).
bool is_postgres_url(std::string_view url);
// The URL with its password (user:PASSWORD@, ?password=) replaced by "***".
std::string mask_postgres_url(std::string_view url);
// The URL with its password replaced by "***" (logs, errors, gw config show).
std::string mask_redis_url(std::string_view url);

// "day", "month" or "total".
bool valid_period(std::string_view p);
// `name` matches one of `patterns` (`*` matches any run of characters); no patterns = all.
bool model_allowed(const std::vector<std::string>& patterns, std::string_view name);

struct Config {
  ServerConfig server;
  StoreConfig store;
  std::map<std::string, ProviderConfig> providers;
  std::map<std::string, RouteConfig> routes;
  std::map<std::string, Price> prices;
  GuardConfig guard;
  Limits limits;                          // [limits]: each user not named in [users.*]
  LimitStoreConfig limit_store;           // [limits] redis*
  std::map<std::string, Limits> tenants;  // [tenants.NAME]
  std::map<std::string, Limits> users;    // [users.NAME]
  // [aliases]: an inbound model name → a model or route (Claude Code's dated names → "smart").
  std::map<std::string, std::string> aliases;
  std::string default_model;
  std::string source;  // the file read, empty for zero-config
  std::vector<std::string> warnings;

  const ProviderConfig* provider(std::string_view name) const {
    auto it = providers.find(std::string(name));
    return it == providers.end() ? nullptr : &it->second;
  }
};

// Which file to read: --config, else $GW_CONFIG, else $XDG_CONFIG_HOME/gw/config.toml
// (~/.config/gw/config.toml). An explicit path that does not exist is an error; the default
// path may be absent (zero-config).
struct ConfigSource {
  std::string path;
  bool explicit_path = false;
};
ConfigSource locate_config(const std::optional<std::string>& cli_path);

// Errors carry type "config_error" and a message naming the file and line.
Result<Config> load_config(const ConfigSource& src);
Result<Config> parse_config(std::string_view toml_text, const std::string& source_name);

// Effective config as TOML with secrets masked (`gw config show`).
std::string render_config(const Config& c);

std::string expand_home(std::string_view path);

}  // namespace gw::config
