// Anthropic answers, errors and event streams are translated field by field into OpenAI shape:
// whatever an upstream (or a proxy in front of it) sends must not crash the gateway.
#include "adapter_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const gw::fuzz::AdapterFixture f("anthropic", gw::providers::make_anthropic_adapter(),
                                          "claude-sonnet-4-5");
  gw::fuzz::fuzz_adapter(f, gw::fuzz::as_text(data, size));
  return 0;
}
