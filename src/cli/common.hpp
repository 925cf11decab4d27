// What every subcommand shares: the global options, config loading, exit codes, terminal
// facts. Answers go to stdout; everything else to stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/error.hpp"
#include "config/config.hpp"

namespace gw::cli {

// The exit codes (man page, EXIT STATUS); an Error carries its own (Error::exit).
enum Exit : int {
  kOk = exit_code::kOk,
  kUpstream = exit_code::kUpstream,  // upstream or model error
  kUsage = exit_code::kUsage,
  kConfig = exit_code::kConfig,
  kRejected = exit_code::kRejected,  // auth, rate limit, budget, PII block
  kInterrupted = 130,
};

struct GlobalOptions {
  std::optional<std::string> config_path;
  bool verbose = false;
};

// Loads the config or prints the problem and returns nullopt (exit kConfig).
std::optional<config::Config> load_config_or_report(const GlobalOptions& g);

int exit_code_for(const Error& e);
Error usage_error(std::string msg);  // exit kUsage
// -o KEY=VALUE into a request body: VALUE is JSON when it parses (numbers, booleans, arrays),
// else a string.
Result<void> apply_options(nlohmann::json& body, const std::vector<std::string>& opts);
void print_error(const Error& e);  // "gw: error: ..." on stderr
void print_warning(const std::string& msg);

bool stdout_is_tty();
bool stdin_is_tty();
bool color_enabled(int fd);                     // a TTY and NO_COLOR unset
std::string cli_user(const std::string& flag);  // --user, $GW_USER, login name

}  // namespace gw::cli
