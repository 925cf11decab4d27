// OpenAI-compatible upstreams are the most common, and their answers and stream events are
// forwarded as they came when they read as chat JSON: the adapter must survive any upstream
// bytes, its simdjson readers must agree with the nlohmann ones on all they take, and
// whatever it reads must write back to text that reads the same.
#include "adapter_harness.hpp"
#include "providers/openai_read.hpp"

namespace {

using gw::api::Json;
using gw::fuzz::check;

// An answer or event gw reads is written again for clients whenever a stage edits it: the
// written text must read back to the same value.
void reads_back(std::string_view in) {
  Json j = Json::parse(in, nullptr, false);
  if (j.is_discarded()) return;
  if (auto r = gw::api::chat_response_from_json(j)) {
    auto again = gw::api::chat_response_from_json(Json::parse(gw::api::serialize(*r)));
    check(again.has_value(), "a written answer does not read again");
    check(gw::api::to_json(*again) == gw::api::to_json(*r),
          "a written answer reads back differently");
  }
  if (auto c = gw::api::chat_chunk_from_json(j)) {
    auto again = gw::api::chat_chunk_from_json(Json::parse(gw::api::serialize(*c)));
    check(again.has_value(), "a written chunk does not read again");
    check(gw::api::to_json(*again) == gw::api::to_json(*c),
          "a written chunk reads back differently");
  }
}

// The simdjson readers (providers/openai_read.hpp) may decline anything, but what they take
// they must read as the nlohmann readers do.
void simd_agrees(std::string_view in) {
  auto chunk = gw::providers::read_openai_chunk(in);
  auto answer = gw::providers::read_openai_response(in);
  if (!chunk && !answer) return;
  Json j = Json::parse(in, nullptr, false);
  check(!j.is_discarded(), "simdjson took what nlohmann rejects");
  if (chunk) {
    auto slow = gw::api::chat_chunk_from_json(j);
    check(slow && gw::api::to_json(*slow) == gw::api::to_json(*chunk), "chunk readers disagree");
  }
  if (answer) {
    auto slow = gw::api::chat_response_from_json(j);
    check(slow && gw::api::to_json(*slow) == gw::api::to_json(*answer), "answer readers disagree");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const gw::fuzz::AdapterFixture f("openai", gw::providers::make_openai_adapter(), "gpt-4o");
  std::string_view in = gw::fuzz::as_text(data, size);
  gw::fuzz::fuzz_adapter(f, in);
  gw::fuzz::guarded([&] {
    reads_back(in);
    simd_agrees(in);
  });
  return 0;
}
