// `gw config check` and every start-up read a hand-written TOML file: a broken one must give a
// config error naming its line, never a crash, and what loads must render.
#include <string>

#include "config/config.hpp"
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = gw::fuzz::as_text(data, size);
  // A name no file has: parse_config stats it to warn about group-readable secrets.
  auto c = gw::config::parse_config(in, "/nonexistent/gw-fuzz.toml");
  if (!c) {
    gw::fuzz::check(c.error().type == "config_error" && !c.error().message.empty(),
                    "a config failure that is no config_error");
    return 0;
  }
  (void)gw::config::render_config(*c);
  return 0;
}
