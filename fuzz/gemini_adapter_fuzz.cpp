// Gemini answers, errors and streams (with the pretty-printed JSON errors it may write between
// events) are translated into OpenAI shape: no upstream bytes may crash the gateway.
#include "adapter_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const gw::fuzz::AdapterFixture f("gemini", gw::providers::make_gemini_adapter(),
                                          "gemini-2.5-flash");
  gw::fuzz::fuzz_adapter(f, gw::fuzz::as_text(data, size));
  return 0;
}
