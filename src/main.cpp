// gw: one binary, every LLM provider behind one OpenAI interface. This file only wires the
// subcommands; each lives in src/cli/.
#include <CLI/CLI.hpp>

#include "cli/chat.hpp"
#include "cli/common.hpp"
#include "cli/compare.hpp"
#include "cli/config_cmd.hpp"
#include "cli/keys.hpp"
#include "cli/models.hpp"
#include "cli/report.hpp"
#include "cli/serve.hpp"
#include "cli/store_cmd.hpp"

int main(int argc, char** argv) {
  using namespace gw::cli;
  CLI::App app{
      "gw — one gateway for every LLM provider (OpenAI, Anthropic, Gemini, any OpenAI-compatible "
      "server)",
      "gw"};
  app.set_version_flag("-V,--version", "gw " GW_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the subcommand too

  GlobalOptions g;
  app.add_option("-c,--config", g.config_path,
                 "Config file (default: $GW_CONFIG, else ~/.config/gw/config.toml)");

  int exit_code = kOk;
  add_chat_command(app, g, exit_code);
  add_compare_command(app, g, exit_code);
  add_serve_command(app, g, exit_code);
  add_models_command(app, g, exit_code);
  add_config_command(app, g, exit_code);
  add_report_command(app, g, exit_code);
  add_keys_command(app, g, exit_code);
  add_store_command(app, g, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  return exit_code;
}
