// Every embeddings request body is read by parse_embedding_request, then written for an
// OpenAI-compatible upstream: a hostile body must get a 400, never a crash, and what gw writes
// upstream must read back as the same request. The base64 codec round-trips the input's bytes
// read as floats.
#include <cstring>
#include <string>
#include <vector>

#include "api/embeddings.hpp"
#include "api/json_codec.hpp"
#include "fuzz_util.hpp"

namespace {

using gw::fuzz::check;
using gw::fuzz::guarded;
namespace api = gw::api;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = gw::fuzz::as_text(data, size);
  guarded([&] {
    // The raw bytes as float32 values: encode, decode, compare bit patterns (NaN included).
    std::vector<double> values;
    for (size_t i = 0; i + 4 <= size && values.size() < 256; i += 4) {
      float f;
      std::memcpy(&f, data + i, 4);
      values.push_back(f);
    }
    auto back = api::decode_float32_base64(api::encode_float32_base64(values));
    check(back && back->size() == values.size(), "base64 floats do not decode to as many");
    for (size_t i = 0; back && i < values.size(); ++i) {
      float a = static_cast<float>(values[i]), b = (*back)[i];
      check(std::memcmp(&a, &b, 4) == 0 || (a != a && b != b), "a float changed in base64");
    }
    (void)api::decode_float32_base64(in);  // hostile base64 text: no crash

    auto req = api::parse_embedding_request(in);
    if (!req) {
      check(req.error().status == 400, "a bad embeddings body that is no 400");
      return;
    }
    check(req->count() > 0 && req->count() <= api::kMaxEmbeddingInputs,
          "an input count past bounds");
    std::string up = api::serialize_upstream(*req, req->model);
    auto again = api::parse_embedding_request(up);
    check(again.has_value(), "the upstream body does not read back");
    check(again && api::to_json(*again) == api::to_json(*req),
          "the upstream body changed the request");
  });
  return 0;
}
