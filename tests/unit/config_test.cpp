// Config: the TOML file (README "Configuration"), zero-config providers from the environment,
// errors that name file:line, and `gw config show` masking secrets.
#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace {

using gw::config::Config;
using gw::config::parse_config;

// Sets / clears environment variables for one test and puts the old values back after.
class EnvGuard {
 public:
  EnvGuard() {
    for (const char* n : kVars) {
      const char* v = std::getenv(n);
      saved_[n] = v ? std::optional<std::string>(v) : std::nullopt;
      ::unsetenv(n);
    }
  }
  ~EnvGuard() {
    for (const auto& [n, v] : saved_) {
      if (v)
        ::setenv(n.c_str(), v->c_str(), 1);
      else
        ::unsetenv(n.c_str());
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  void set(const char* name, const char* value) { ::setenv(name, value, 1); }

 private:
  static constexpr const char* kVars[] = {
      "OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL",
      "GEMINI_API_KEY", "GEMINI_BASE_URL", "GOOGLE_API_KEY",    "GW_MODEL",
      "GW_DB",          "XDG_DATA_HOME",   "GW_TEST_KEY",       "GW_TEST_OTHER_KEY",
      "GW_STORE_URL",
  };
  std::map<std::string, std::optional<std::string>> saved_;
};

Config parse_ok(const std::string& toml, const std::string& file = "test.toml") {
  auto c = parse_config(toml, file);
  REQUIRE_MESSAGE(c.has_value(), (c.has_value() ? std::string() : c.error().message));
  return *c;
}

gw::Error parse_err(const std::string& toml, const std::string& file = "bad.toml") {
  auto c = parse_config(toml, file);
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().type == "config_error");
  CHECK(c.error().exit == gw::exit_code::kConfig);  // gw exits 3 on a bad config
  return c.error();
}

// Line numbers below are asserted: keep the layout.
const char* kFullToml = R"(default_model = "smart"

[server]
listen = "127.0.0.1:4100"
max_body_bytes = 1048576
auth = "keys"
threads = 16

[store]
path = "/tmp/gw-test/gw.db"
log_bodies = true

[providers.openai]
kind = "openai"
base_url = "https://api.openai.com/v1/"
api_key_env = "GW_TEST_KEY"
timeout_s = 300
connect_timeout_s = 5.5
first_byte_timeout_s = 60
headers = { "OpenAI-Organization" = "org-123", "x-extra" = "yes" }

[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:11434/v1"
drop_params = true

[providers.claude]
kind = "anthropic"
base_url = "https://api.anthropic.com"
api_key = "sk-ant-inline-secret-0123456789"

[routes.smart]
strategy = "fallback"
targets = ["anthropic/claude-sonnet-4-5", "openai/gpt-4o", "gemini/gemini-2.5-pro"]
retries = 3
cooldown_s = 45

[routes.cheap]
strategy = "weighted"
targets = [{ model = "gemini/gemini-2.5-flash", weight = 3 }, { model = "openai/gpt-4o-mini", weight = 1 }]

[[routes.auto.rules]]
when = { task = "polish" }
use = "cheap"
[[routes.auto.rules]]
when = { max_prompt_tokens = 2000, tools = false }
use = "cheap"
[[routes.auto.rules]]
when = { min_prompt_tokens = 10, images = true }
use = "openai/gpt-4o"
[routes.auto]
default = "smart"

[prices."openai/gpt-4o"]
input = 2.50
output = 10
cached_input = 1.25
cache_write = 2.50

[prices."mock/echo"]
input = 0
output = 0

[guard]
pii = ["email", "phone", "credit_card", "ssn", "iban", "ip", "secret"]
action = "mask"
restore = false
)";

}  // namespace

TEST_CASE("config: a full file with every table") {
  EnvGuard env;
  env.set("GW_TEST_KEY", "sk-from-env-abcdefghijklmnop");
  Config c = parse_ok(kFullToml);
  CHECK(c.source == "test.toml");
  CHECK(c.default_model == "smart");

  CHECK(c.server.listen == "127.0.0.1:4100");
  CHECK(c.server.max_body_bytes == 1048576);
  CHECK(c.server.auth == "keys");
  CHECK(c.server.threads == 16);

  CHECK(c.store.path == "/tmp/gw-test/gw.db");
  CHECK(c.store.log_bodies);

  // Built-ins stay, file tables add or override.
  REQUIRE(c.providers.size() == 6);
  for (const char* n : {"openai", "anthropic", "gemini", "mock", "local", "claude"})
    CHECK_MESSAGE(c.provider(n) != nullptr, n);
  CHECK(c.provider("nope") == nullptr);

  const auto& oa = *c.provider("openai");
  CHECK(oa.name == "openai");
  CHECK(oa.kind == "openai");
  CHECK(oa.base_url == "https://api.openai.com/v1");  // trailing slash trimmed
  CHECK(oa.api_key_env == "GW_TEST_KEY");
  CHECK(oa.api_key == "sk-from-env-abcdefghijklmnop");
  CHECK(oa.timeout_s == 300);
  CHECK(oa.connect_timeout_s == 5.5);
  CHECK(oa.first_byte_timeout_s == 60);
  CHECK(oa.line == 13);
  using H = std::vector<std::pair<std::string, std::string>>;
  CHECK(oa.headers == H{{"OpenAI-Organization", "org-123"}, {"x-extra", "yes"}});

  const auto& local = *c.provider("local");
  CHECK(local.kind == "openai");
  CHECK(local.base_url == "http://127.0.0.1:11434/v1");
  CHECK(local.drop_params);
  CHECK(local.api_key.empty());
  CHECK(local.timeout_s == 600);  // defaults
  CHECK(local.connect_timeout_s == 10);
  CHECK(local.first_byte_timeout_s == 120);
  CHECK(local.line == 22);

  const auto& claude = *c.provider("claude");
  CHECK(claude.kind == "anthropic");
  CHECK(claude.api_key == "sk-ant-inline-secret-0123456789");
  CHECK(claude.api_key_env.empty());

  REQUIRE(c.routes.size() == 3);
  const auto& smart = c.routes.at("smart");
  CHECK(smart.name == "smart");
  CHECK(smart.strategy == "fallback");
  REQUIRE(smart.targets.size() == 3);
  CHECK(smart.targets[0].model == "anthropic/claude-sonnet-4-5");
  CHECK(smart.targets[1].model == "openai/gpt-4o");
  CHECK(smart.targets[2].model == "gemini/gemini-2.5-pro");
  CHECK(smart.targets[0].weight == 1);
  CHECK(smart.retries == 3);
  CHECK(smart.cooldown_s == 45);
  CHECK(smart.line == 32);

  const auto& cheap = c.routes.at("cheap");
  CHECK(cheap.strategy == "weighted");
  REQUIRE(cheap.targets.size() == 2);
  CHECK(cheap.targets[0].model == "gemini/gemini-2.5-flash");
  CHECK(cheap.targets[0].weight == 3);
  CHECK(cheap.targets[1].model == "openai/gpt-4o-mini");
  CHECK(cheap.targets[1].weight == 1);
  CHECK(cheap.retries == 2);  // default
  CHECK(cheap.cooldown_s == 30);

  const auto& autor = c.routes.at("auto");
  CHECK(autor.default_use == "smart");
  CHECK(autor.targets.empty());
  REQUIRE(autor.rules.size() == 3);
  CHECK(autor.rules[0].task == "polish");
  CHECK(autor.rules[0].use == "cheap");
  CHECK_FALSE(autor.rules[0].max_prompt_tokens.has_value());
  CHECK_FALSE(autor.rules[0].tools.has_value());
  CHECK(autor.rules[1].max_prompt_tokens == 2000);
  CHECK(autor.rules[1].tools == false);
  CHECK_FALSE(autor.rules[1].task.has_value());
  CHECK(autor.rules[1].use == "cheap");
  CHECK(autor.rules[2].min_prompt_tokens == 10);
  CHECK(autor.rules[2].images == true);
  CHECK(autor.rules[2].use == "openai/gpt-4o");

  REQUIRE(c.prices.size() == 2);
  const auto& p = c.prices.at("openai/gpt-4o");
  CHECK(p.input == 2.5);
  CHECK(p.output == 10);
  CHECK(p.cached_input == 1.25);
  CHECK(p.cache_write == 2.5);
  const auto& free = c.prices.at("mock/echo");
  CHECK(free.input == 0);
  CHECK_FALSE(free.cached_input.has_value());

  CHECK(c.guard.pii ==
        std::vector<std::string>{"email", "phone", "credit_card", "ssn", "iban", "ip", "secret"});
  CHECK(c.guard.action == "mask");
  CHECK_FALSE(c.guard.restore);
  CHECK(c.warnings.empty());  // the source file does not exist on disk: nothing to stat
}

TEST_CASE("config: zero-config providers and defaults") {
  EnvGuard env;
  env.set("XDG_DATA_HOME", "/tmp/xdg-data");
  Config c = parse_ok("", "");
  CHECK(c.source.empty());
  REQUIRE(c.providers.size() == 4);
  CHECK(c.provider("openai")->kind == "openai");
  CHECK(c.provider("openai")->base_url == "https://api.openai.com/v1");
  CHECK(c.provider("openai")->api_key.empty());
  CHECK(c.provider("openai")->api_key_env == "OPENAI_API_KEY");
  CHECK(c.provider("anthropic")->kind == "anthropic");
  CHECK(c.provider("anthropic")->base_url == "https://api.anthropic.com");
  CHECK(c.provider("gemini")->kind == "gemini");
  CHECK(c.provider("gemini")->base_url == "https://generativelanguage.googleapis.com");
  CHECK(c.provider("gemini")->api_key_env == "GEMINI_API_KEY");
  CHECK(c.provider("mock")->kind == "mock");
  CHECK(c.provider("openai")->line == 0);
  CHECK(c.routes.empty());
  CHECK(c.default_model.empty());
  CHECK(c.store.path == "/tmp/xdg-data/gw/gw.db");
  CHECK_FALSE(c.store.log_bodies);
  CHECK(c.server.listen == "127.0.0.1:4000");
  CHECK(c.server.max_body_bytes == 4 * 1024 * 1024);
  CHECK(c.server.auth == "auto");
  CHECK(c.guard.action == "off");
}

TEST_CASE("config: keys and base URLs from the environment") {
  EnvGuard env;
  env.set("OPENAI_API_KEY", "sk-openai-env");
  env.set("OPENAI_BASE_URL", "http://127.0.0.1:9000/v1");
  env.set("ANTHROPIC_API_KEY", "sk-ant-env");
  env.set("ANTHROPIC_BASE_URL", "http://127.0.0.1:9001");
  env.set("GEMINI_API_KEY", "gem-env");
  env.set("GEMINI_BASE_URL", "http://127.0.0.1:9002");
  env.set("GOOGLE_API_KEY", "google-env");
  Config c = parse_ok("", "");
  CHECK(c.provider("openai")->api_key == "sk-openai-env");
  CHECK(c.provider("openai")->base_url == "http://127.0.0.1:9000/v1");
  CHECK(c.provider("anthropic")->api_key == "sk-ant-env");
  CHECK(c.provider("anthropic")->base_url == "http://127.0.0.1:9001");
  CHECK(c.provider("gemini")->api_key == "gem-env");  // GEMINI_API_KEY wins
  CHECK(c.provider("gemini")->api_key_env == "GEMINI_API_KEY");
  CHECK(c.provider("gemini")->base_url == "http://127.0.0.1:9002");
}

TEST_CASE("config: GOOGLE_API_KEY is the fallback for gemini") {
  EnvGuard env;
  env.set("GOOGLE_API_KEY", "google-env");
  Config c = parse_ok("", "");
  CHECK(c.provider("gemini")->api_key == "google-env");
  CHECK(c.provider("gemini")->api_key_env == "GOOGLE_API_KEY");
}

TEST_CASE("config: GW_MODEL and GW_DB override the file") {
  EnvGuard env;
  env.set("GW_MODEL", "mock/echo");
  env.set("GW_DB", "/tmp/gw-env.db");
  Config c = parse_ok(
      "default_model = \"smart\"\n[store]\npath = \"/tmp/file.db\"\n"
      "[routes.smart]\ntargets = [\"mock/echo\"]\n");
  CHECK(c.default_model == "mock/echo");
  CHECK(c.store.path == "/tmp/gw-env.db");

  Config z = parse_ok("", "");
  CHECK(z.default_model == "mock/echo");
  CHECK(z.store.path == "/tmp/gw-env.db");
}

TEST_CASE("config: [store] url names a PostgreSQL store; GW_STORE_URL overrides it") {
  EnvGuard env;
  Config c = parse_ok("[store]\nurl = \"postgres://gw:pw@10.0.0.6/gw\"\n");
  CHECK(c.store.url == "postgres://gw:pw@10.0.0.6/gw");
  CHECK(parse_ok("").store.url.empty());  // SQLite by default
  auto bad = parse_config("[store]\nurl = \"mysql://h/db\"\n", "gw.toml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("gw.toml:2") != std::string::npos);
  CHECK(bad.error().message.find("postgres://") != std::string::npos);

  env.set("GW_STORE_URL", "postgresql://other@127.0.0.1:5433/gw");
  CHECK(parse_ok("[store]\nurl = \"postgres://gw:pw@10.0.0.6/gw\"\n").store.url ==
        "postgresql://other@127.0.0.1:5433/gw");
  CHECK(parse_ok("", "").store.url == "postgresql://other@127.0.0.1:5433/gw");
  env.set("GW_STORE_URL", "/var/lib/gw.db");
  CHECK_FALSE(parse_config("", ""));

  // Never the password in gw config show, errors or logs; a bare user@ has none to hide.
  using gw::config::mask_postgres_url;
  CHECK(mask_postgres_url("postgres://gw:s3cret@h:5432/gw") == "postgres://gw:***@h:5432/gw");
  CHECK(mask_postgres_url("postgres://gw:a@b@h/gw") == "postgres://gw:***@h/gw");
  CHECK(mask_postgres_url("postgres://gw@h/gw") == "postgres://gw@h/gw");
  CHECK(mask_postgres_url("postgres://h/gw?user=gw&password=s3cret&sslmode=require") ==
        "postgres://h/gw?user=gw&password=***&sslmode=require");
  env.set("GW_STORE_URL", "postgres://gw:s3cret@h/gw");
  std::string shown = gw::config::render_config(parse_ok("", ""));
  CHECK(shown.find("s3cret") == std::string::npos);
  CHECK(shown.find("url = \"postgres://gw:***@h/gw\"") != std::string::npos);
}

TEST_CASE("config: ~ in store paths expands to HOME") {
  EnvGuard env;
  const char* home = std::getenv("HOME");
  REQUIRE(home != nullptr);
  Config c = parse_ok("[store]\npath = \"~/x/gw.db\"\n");
  CHECK(c.store.path == std::string(home) + "/x/gw.db");
  env.set("GW_DB", "~/y.db");
  CHECK(parse_ok("", "").store.path == std::string(home) + "/y.db");
  CHECK(gw::config::expand_home("/abs/~/p") == "/abs/~/p");
}

TEST_CASE("config: a file table overrides a built-in provider and keeps its key") {
  EnvGuard env;
  env.set("ANTHROPIC_API_KEY", "sk-ant-env-key");
  Config c = parse_ok("[providers.anthropic]\nbase_url = \"http://127.0.0.1:7000\"\n");
  const auto& a = *c.provider("anthropic");
  CHECK(a.kind == "anthropic");
  CHECK(a.base_url == "http://127.0.0.1:7000");
  CHECK(a.api_key == "sk-ant-env-key");
  CHECK(a.line == 1);
}

TEST_CASE("config: errors name the file and the line") {
  SUBCASE("syntax error on line 3") {
    auto e = parse_err("[server]\nlisten = \"127.0.0.1:4000\"\nauth = = \"keys\"\n");
    CHECK(e.message.starts_with("bad.toml:3: "));
  }
  SUBCASE("wrong type on a known line") {
    auto e = parse_err("[server]\nlisten = \"127.0.0.1:4000\"\n\nmax_body_bytes = \"big\"\n");
    CHECK(e.message == "bad.toml:4: 'max_body_bytes' must be an integer");
  }
  SUBCASE("wrong type inside a provider") {
    auto e = parse_err(
        "[providers.x]\nkind = \"openai\"\nbase_url = \"http://h\"\ntimeout_s = "
        "\"slow\"\n");
    CHECK(e.message == "bad.toml:4: 'timeout_s' must be a number");
  }
  SUBCASE("unknown provider kind") {
    auto e = parse_err(
        "# providers\n\n[providers.weird]\nkind = \"cohere\"\nbase_url = "
        "\"https://x\"\n");
    CHECK(e.message.starts_with("bad.toml:3: "));
    CHECK(e.message.find("unknown kind 'cohere'") != std::string::npos);
  }
  SUBCASE("unknown strategy") {
    auto e = parse_err(
        "[routes.a]\ntargets = [\"mock/x\"]\n\n[routes.b]\nstrategy = "
        "\"random\"\ntargets = [\"mock/x\"]\n");
    CHECK(e.message.starts_with("bad.toml:4: "));
    CHECK(e.message.find("unknown strategy 'random'") != std::string::npos);
  }
  SUBCASE("a route with no targets") {
    auto e = parse_err("\n[routes.empty]\nstrategy = \"fallback\"\n");
    CHECK(e.message.starts_with("bad.toml:2: "));
    CHECK(e.message.find("'empty' has no targets") != std::string::npos);
    auto e2 = parse_err("[routes.empty]\ntargets = []\n");
    CHECK(e2.message.starts_with("bad.toml:1: "));
  }
  SUBCASE("base_url without http(s)") {
    auto e = parse_err("[providers.p]\nkind = \"openai\"\nbase_url = \"api.example.com/v1\"\n");
    CHECK(e.message.starts_with("bad.toml:1: "));
    CHECK(e.message.find("http:// or https://") != std::string::npos);
    auto e2 = parse_err("[providers.p]\nkind = \"openai\"\nbase_url = \"ftp://example.com\"\n");
    CHECK(e2.message.starts_with("bad.toml:1: "));
  }
  SUBCASE("a provider that needs a base_url") {
    auto e = parse_err("[providers.p]\nkind = \"openai\"\n");
    CHECK(e.message.find("needs a base_url") != std::string::npos);
  }
  SUBCASE("a weighted target without a model") {
    auto e = parse_err("[routes.w]\nstrategy = \"weighted\"\ntargets = [{ weight = 2 }]\n");
    CHECK(e.message.starts_with("bad.toml:3: "));
  }
  SUBCASE("a rule without use") {
    auto e = parse_err("[[routes.r.rules]]\nwhen = { task = \"x\" }\n");
    CHECK(e.message.find("needs 'use'") != std::string::npos);
  }
  SUBCASE("bad enum values") {
    CHECK(parse_err("[server]\nauth = \"maybe\"\n").message.starts_with("bad.toml:2: "));
    CHECK(parse_err("[guard]\naction = \"shout\"\n").message.starts_with("bad.toml:2: "));
    CHECK(parse_err("[server]\nmax_body_bytes = 0\n").message.starts_with("bad.toml:2: "));
  }
  SUBCASE("prices need input and output") {
    auto e = parse_err("[prices.\"a/b\"]\ninput = 1\n");
    CHECK(e.message.find("need input and output") != std::string::npos);
  }
  SUBCASE("a provider name with a slash") {
    auto e = parse_err("[providers.\"a/b\"]\nkind = \"mock\"\n");
    CHECK(e.message.find("cannot contain '/'") != std::string::npos);
  }
}

TEST_CASE("config: load_config of a missing file") {
  EnvGuard env;
  auto missing = gw::config::load_config({"/nonexistent/gw/config.toml", true});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().type == "config_error");
  CHECK(missing.error().message.starts_with("/nonexistent/gw/config.toml: "));
  auto zero = gw::config::load_config({"/nonexistent/gw/config.toml", false});
  REQUIRE(zero.has_value());
  CHECK(zero->source.empty());
  CHECK(zero->providers.size() == 4);
}

TEST_CASE("config: render_config masks secrets") {
  EnvGuard env;
  const std::string env_key = "sk-proj-ENVSECRETabcdefghijklmnop9876";
  const std::string file_key = "sk-ant-FILESECRET-0123456789wxyz";
  const std::string header_secret = "Bearer HEADERSECRET-abcdefgh-1234";
  env.set("OPENAI_API_KEY", env_key.c_str());
  env.set("GEMINI_API_KEY", "short");
  Config c = parse_ok(
      "[providers.claude]\nkind = \"anthropic\"\nbase_url = "
      "\"https://api.anthropic.com\"\napi_key = \"" +
      file_key + "\"\nheaders = { \"x-auth\" = \"" + header_secret + "\" }\n");
  std::string out = gw::config::render_config(c);
  CHECK(out.find(env_key) == std::string::npos);
  CHECK(out.find(file_key) == std::string::npos);
  CHECK(out.find(header_secret) == std::string::npos);
  CHECK(out.find("ENVSECRET") == std::string::npos);
  CHECK(out.find("FILESECRET") == std::string::npos);
  CHECK(out.find("HEADERSECRET") == std::string::npos);
  CHECK(out.find("api_key = \"sk-...9876\"") != std::string::npos);
  CHECK(out.find("api_key = \"sk-...wxyz\"") != std::string::npos);
  CHECK(out.find("api_key = \"****\"") != std::string::npos);  // short keys fully hidden
  CHECK(out.find("short") == std::string::npos);
  CHECK(out.find("api_key = \"(not set)\"") != std::string::npos);  // anthropic built-in
  CHECK(out.find("[providers.claude]") != std::string::npos);
  CHECK(out.find("base_url = \"https://api.anthropic.com\"") != std::string::npos);
}

// A key with a non-ASCII character where the mask cuts it: the fuzzer's crash (the cut left
// half a UTF-8 sequence, and the JSON dump of it threw).
TEST_CASE("config: render_config masks non-ASCII secrets at character boundaries") {
  Config c = parse_ok(
      "[providers.claude]\nkind = \"anthropic\"\nbase_url = \"https://api.anthropic.com\"\n"
      "api_key = \"sk\xd3\x9ent-inline-secret-0123456789\"\n"
      "[providers.other]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\n"
      "api_key = \"ab-secret-\xe4\xb8\xad\xe6\x96\x87\"\n");
  std::string out;
  REQUIRE_NOTHROW(out = gw::config::render_config(c));
  CHECK(out.find("api_key = \"sk\xd3\x9e...6789\"") != std::string::npos);
  CHECK(out.find("api_key = \"ab-...\xe4\xb8\xad\xe6\x96\x87\"") != std::string::npos);
  CHECK(out.find("inline-secret") == std::string::npos);
  CHECK_NOTHROW((void)nlohmann::json(out).dump());  // valid UTF-8 throughout
}

TEST_CASE("config: render_config output parses back to the same structure") {
  EnvGuard env;
  env.set("GW_TEST_KEY", "sk-from-env-abcdefghijklmnop");
  Config a = parse_ok(kFullToml);
  std::string text = gw::config::render_config(a);
  CAPTURE(text);
  Config b = parse_ok(text, "rendered.toml");
  CHECK(b.default_model == a.default_model);
  CHECK(b.server.listen == a.server.listen);
  CHECK(b.server.max_body_bytes == a.server.max_body_bytes);
  CHECK(b.server.auth == a.server.auth);
  CHECK(b.store.path == a.store.path);
  CHECK(b.store.log_bodies == a.store.log_bodies);
  REQUIRE(b.providers.size() == a.providers.size());
  for (const auto& [name, p] : a.providers) {
    CAPTURE(name);
    const auto* q = b.provider(name);
    REQUIRE(q != nullptr);
    CHECK(q->kind == p.kind);
    CHECK(q->base_url == p.base_url);
    CHECK(q->timeout_s == p.timeout_s);
    CHECK(q->headers.size() == p.headers.size());
  }
  REQUIRE(b.routes.size() == a.routes.size());
  for (const auto& [name, r] : a.routes) {
    CAPTURE(name);
    const auto& s = b.routes.at(name);
    CHECK(s.strategy == r.strategy);
    CHECK(s.retries == r.retries);
    CHECK(s.cooldown_s == r.cooldown_s);
    CHECK(s.default_use == r.default_use);
    REQUIRE(s.targets.size() == r.targets.size());
    for (size_t i = 0; i < r.targets.size(); ++i) {
      CHECK(s.targets[i].model == r.targets[i].model);
      CHECK(s.targets[i].weight == r.targets[i].weight);
    }
    REQUIRE(s.rules.size() == r.rules.size());
    for (size_t i = 0; i < r.rules.size(); ++i) {
      CHECK(s.rules[i].use == r.rules[i].use);
      CHECK(s.rules[i].task == r.rules[i].task);
      CHECK(s.rules[i].max_prompt_tokens == r.rules[i].max_prompt_tokens);
      CHECK(s.rules[i].min_prompt_tokens == r.rules[i].min_prompt_tokens);
      CHECK(s.rules[i].tools == r.rules[i].tools);
      CHECK(s.rules[i].images == r.rules[i].images);
    }
  }
  REQUIRE(b.prices.size() == a.prices.size());
  CHECK(b.prices.at("openai/gpt-4o").cached_input == 1.25);
  CHECK(b.guard.pii == a.guard.pii);
  CHECK(b.guard.action == a.guard.action);
  CHECK(b.guard.restore == a.guard.restore);
}
