#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace gw::cli {
void add_store_command(CLI::App& app, const GlobalOptions& g, int& exit_code);
}
