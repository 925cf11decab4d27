#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace gw::cli {

struct ChatOptions {
  std::vector<std::string> prompt;
  std::string model;
  std::string system;
  std::vector<std::string> options;  // KEY=VALUE
  bool no_stream = false;
  bool json = false;
  bool stats = false;
  std::string user;
};

void add_chat_command(CLI::App& app, const GlobalOptions& g, int& exit_code);

// The model used when -m is not given: config default_model / $GW_MODEL, else the first
// provider with a key, else mock/echo so gw works offline out of the box.
std::string default_model(const config::Config& cfg);

}  // namespace gw::cli
