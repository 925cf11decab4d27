// `gw keys create|list|revoke`: the virtual API keys of `gw serve`.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace gw::cli {
void add_keys_command(CLI::App& app, const GlobalOptions& g, int& exit_code);
}
