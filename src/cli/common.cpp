#include "cli/common.hpp"

#include "api/printable.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace gw::cli {

std::optional<config::Config> load_config_or_report(const GlobalOptions& g) {
  auto cfg = config::load_config(config::locate_config(g.config_path));
  if (!cfg) {
    print_error(cfg.error());
    return std::nullopt;
  }
  for (const auto& w : cfg->warnings) print_warning(w);
  return std::move(*cfg);
}

int exit_code_for(const Error& e) {
  return e.exit;
}

Error usage_error(std::string msg) {
  return Error::usage(std::move(msg));
}

Result<void> apply_options(nlohmann::json& body, const std::vector<std::string>& opts) {
  for (const auto& o : opts) {
    auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(usage_error("-o expects KEY=VALUE, got '" + o + "'"));
    std::string key = o.substr(0, eq), val = o.substr(eq + 1);
    auto v = nlohmann::json::parse(val, nullptr, false);
    body[key] = v.is_discarded() ? nlohmann::json(val) : v;
  }
  return {};
}

constexpr size_t kMaxLogText = 4096;

void print_error(const Error& e) {
  bool color = color_enabled(STDERR_FILENO);
  // Messages may quote an upstream's words: one line, no terminal escapes.
  std::fprintf(stderr, "%sgw: error:%s %s\n", color ? "\033[1;31m" : "", color ? "\033[0m" : "",
               api::printable(e.message, kMaxLogText).c_str());
}

void print_warning(const std::string& msg) {
  bool color = color_enabled(STDERR_FILENO);
  std::fprintf(stderr, "%sgw: warning:%s %s\n", color ? "\033[1;33m" : "", color ? "\033[0m" : "",
               api::printable(msg, kMaxLogText).c_str());
}

bool stdout_is_tty() {
  return ::isatty(STDOUT_FILENO) == 1;
}
bool stdin_is_tty() {
  return ::isatty(STDIN_FILENO) == 1;
}

bool color_enabled(int fd) {
  const char* nc = std::getenv("NO_COLOR");
  if (nc && *nc) return false;
  return ::isatty(fd) == 1;
}

std::string cli_user(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* u = std::getenv("GW_USER"); u && *u) return u;
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) return pw->pw_name;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  return "unknown";
}

}  // namespace gw::cli
