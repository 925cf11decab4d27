// The settings of the cloud provider kinds: `azure` (Azure OpenAI), `vertex` (Google Vertex
// AI) and `bedrock` (AWS Bedrock). Read after a provider's common settings (config_load.cpp);
// the Vertex service-account key file and the AWS credentials are read here, once, so a bad
// file is a config error at start-up, not a failed request later. Nothing read from the key
// file or the AWS secret variables is ever put in a message.
#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "config/toml_read.hpp"

namespace gw::config::detail {
namespace {

std::string env_value(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? std::string(v) : std::string();
}

// A value that goes into an upstream URL path: no '/', '?', '#' or '%' can sneak in.
bool url_safe(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char ch : s)
    if (!std::isalnum(ch) && ch != '-' && ch != '_' && ch != '.' && ch != ':') return false;
  return true;
}

// The Vertex AI host of a location (the `global` and multi-region ones have their own).
std::string vertex_base_url(const std::string& location) {
  if (location == "global") return "https://aiplatform.googleapis.com";
  if (location == "us" || location == "eu")
    return "https://aiplatform." + location + ".rep.googleapis.com";
  return "https://" + location + "-aiplatform.googleapis.com";
}

Result<void> read_azure(ProviderConfig& p, const toml::table& t, const std::string& file,
                        int line) {
  auto& c = p.cloud;
  GW_GET(style, std::string, t, "api_style", "a string");
  if (style) {
    if (*style != "deployments" && *style != "v1")
      return fail(config_error(file, line,
                               "provider '" + p.name + "': api_style must be deployments or v1"));
    c.api_style = *style;
  }
  GW_GET(version, std::string, t, "api_version", "a string like \"2024-10-21\"");
  if (version) {
    if (!url_safe(*version))
      return fail(config_error(file, line, "provider '" + p.name + "': invalid api_version"));
    c.api_version = *version;
  }
  if (const toml::node* d = t.get("deployments")) {
    const toml::table* dt = d->as_table();
    if (!dt)
      return fail(config_error(file, line_of(*d),
                               "'deployments' must be a table of \"model\" = \"deployment\""));
    c.deployments.clear();
    for (auto&& [k, v] : *dt) {
      auto s = v.value<std::string>();
      if (!s || !url_safe(*s))
        return fail(config_error(file, line_of(v),
                                 "deployment of '" + std::string(k.str()) + "' must be a name"));
      c.deployments[std::string(k.str())] = *s;
    }
  }
  return {};
}

// The service-account JSON key at `path`: its client_email, private_key, private_key_id,
// token_uri (and project_id, the default project).
Result<void> read_service_account(ProviderConfig& p, const std::string& path, bool from_env,
                                  Config& cfg, const std::string& file, int line) {
  std::string what = "provider '" + p.name +
                     "': " + (from_env ? "GOOGLE_APPLICATION_CREDENTIALS" : "credentials_file") +
                     " '" + path + "'";
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(config_error(file, line, what + " cannot be read"));
  std::ostringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!j.is_object())
    return fail(config_error(file, line, what + " is not JSON (a service-account key file)"));
  auto str = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string type = str("type");
  if (!type.empty() && type != "service_account")
    return fail(config_error(
        file, line,
        what + " holds a '" + type + "' credential; gw needs a service-account JSON key"));
  auto& c = p.cloud;
  c.sa_email = str("client_email");
  c.sa_private_key = str("private_key");
  c.sa_key_id = str("private_key_id");
  c.sa_token_uri = str("token_uri");
  if (c.sa_token_uri.empty()) c.sa_token_uri = "https://oauth2.googleapis.com/token";
  if (c.sa_email.empty())
    return fail(config_error(file, line, what + " is not a service-account key (no client_email)"));
  if (c.sa_private_key.find("-----BEGIN") == std::string::npos)
    return fail(
        config_error(file, line, what + " is not a service-account key (no PEM private_key)"));
  if (c.project.empty()) c.project = str("project_id");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    cfg.warnings.push_back(what + " is readable by group or others (chmod 600 it)");
  return {};
}

Result<void> read_vertex(Config& cfg, ProviderConfig& p, const toml::table& t,
                         const std::string& file, int line) {
  auto& c = p.cloud;
  GW_GET(project, std::string, t, "project", "a string");
  if (project) c.project = *project;
  GW_GET(location, std::string, t, "location", "a string like \"us-central1\"");
  if (location) c.location = *location;
  if (c.location.empty()) c.location = "us-central1";
  GW_GET(token_url, std::string, t, "token_url", "a string");
  if (token_url) {
    if (!token_url->starts_with("http://") && !token_url->starts_with("https://"))
      return fail(config_error(file, line,
                               "provider '" + p.name + "': token_url must start with http(s)://"));
    c.token_url = *token_url;
  }
  GW_GET(creds, std::string, t, "credentials_file", "a path");
  if (!c.bearer && (t.contains("api_key") || t.contains("api_key_env")))
    return fail(config_error(file, line,
                             "provider '" + p.name +
                                 "': vertex takes credentials_file or access_token_env, "
                                 "not api_key"));
  if (!c.bearer) {  // no access_token_env: a service-account key
    bool from_env = !creds;
    std::string path = creds ? *creds : env_value("GOOGLE_APPLICATION_CREDENTIALS");
    if (!path.empty()) {
      c.credentials_file = expand_home(path);
      if (auto r = read_service_account(p, c.credentials_file, from_env, cfg, file, line); !r)
        return r;
    }
    if (c.token_url.empty()) c.token_url = c.sa_token_uri;
  }
  if (c.project.empty())
    return fail(config_error(file, line, "provider '" + p.name + "' (vertex) needs a project"));
  if (!url_safe(c.project) || !url_safe(c.location))
    return fail(config_error(file, line, "provider '" + p.name + "': invalid project or location"));
  if (p.base_url.empty()) p.base_url = vertex_base_url(c.location);
  return {};
}

// An AWS region: "us-east-1", "eu-central-2", "us-gov-west-1" (it goes into a host name).
bool region_ok(std::string_view r) {
  if (r.empty() || r.size() > 32) return false;
  for (unsigned char ch : r)
    if (!(std::islower(ch) || std::isdigit(ch) || ch == '-')) return false;
  return true;
}

bool env_name_ok(std::string_view n) {
  if (n.empty() || n.size() > 128) return false;
  for (unsigned char ch : n)
    if (!std::isalnum(ch) && ch != '_') return false;
  return true;
}

// AWS credentials come from environment variables only (by default the AWS CLI's own), never
// from the file, so the config can be shared and shown.
Result<void> read_bedrock(ProviderConfig& p, const toml::table& t, const std::string& file,
                          int line) {
  auto& c = p.cloud;
  for (const char* k : {"api_key", "api_key_env", "access_token_env"})
    if (t.contains(k))
      return fail(config_error(file, line,
                               "provider '" + p.name +
                                   "': bedrock takes AWS credentials "
                                   "(access_key_id_env, secret_access_key_env, "
                                   "session_token_env), not " +
                                   k));
  for (const char* k : {"access_key_id", "secret_access_key", "session_token"})
    if (t.contains(k))
      return fail(config_error(file, line,
                               "provider '" + p.name +
                                   "': put the AWS credentials in "
                                   "environment variables and name them with " +
                                   k + "_env"));
  GW_GET(region, std::string, t, "region", "a string like \"us-east-1\"");
  if (region) c.region = *region;
  if (c.region.empty()) c.region = env_value("AWS_REGION");
  if (c.region.empty()) c.region = env_value("AWS_DEFAULT_REGION");
  if (c.region.empty()) c.region = "us-east-1";
  if (!region_ok(c.region))
    return fail(
        config_error(file, line, "provider '" + p.name + "': invalid region '" + c.region + "'"));
  GW_GET(akid_env, std::string, t, "access_key_id_env", "the name of an environment variable");
  GW_GET(secret_env, std::string, t, "secret_access_key_env",
         "the name of an environment variable");
  GW_GET(token_env, std::string, t, "session_token_env", "the name of an environment variable");
  if (akid_env) c.access_key_id_env = *akid_env;
  if (secret_env) c.secret_access_key_env = *secret_env;
  // Credentials of one's own naming: AWS_SESSION_TOKEN belongs to the default pair, not to them.
  if (token_env)
    c.session_token_env = *token_env;
  else if (akid_env)
    c.session_token_env.clear();
  for (const std::string* n : {&c.access_key_id_env, &c.secret_access_key_env})
    if (!env_name_ok(*n))
      return fail(
          config_error(file, line, "provider '" + p.name + "': invalid environment variable name"));
  if (!c.session_token_env.empty() && !env_name_ok(c.session_token_env))
    return fail(
        config_error(file, line, "provider '" + p.name + "': invalid environment variable name"));
  c.access_key_id = env_value(c.access_key_id_env);
  c.secret_access_key = env_value(c.secret_access_key_env);
  c.session_token = c.session_token_env.empty() ? "" : env_value(c.session_token_env);
  p.api_key.clear();
  p.api_key_env.clear();
  if (p.base_url.empty()) p.base_url = "https://bedrock-runtime." + c.region + ".amazonaws.com";
  return {};
}

}  // namespace

Result<void> read_cloud_provider(Config& cfg, ProviderConfig& p, const toml::table& t,
                                 const std::string& file, int line) {
  if (p.kind == "bedrock") return read_bedrock(p, t, file, line);
  if (p.kind != "azure" && p.kind != "vertex") return {};
  GW_GET(token_env, std::string, t, "access_token_env", "the name of an environment variable");
  if (token_env) {
    if (t.contains("api_key") || t.contains("api_key_env"))
      return fail(config_error(
          file, line,
          "provider '" + p.name + "': set api_key/api_key_env or access_token_env, not both"));
    p.api_key_env = *token_env;
    p.api_key = env_value(*token_env);
    p.cloud.bearer = true;
  }
  if (p.kind == "azure") return read_azure(p, t, file, line);
  return read_vertex(cfg, p, t, file, line);
}

}  // namespace gw::config::detail
