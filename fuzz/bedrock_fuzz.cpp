// Bedrock answers, error bodies and ConverseStream event-stream bytes are translated field by
// field into OpenAI shape: whatever an upstream (or a proxy in front of it) sends must not
// crash the gateway. The stream is cut where the socket might cut it.
#include <iterator>

#include "api/json_codec.hpp"
#include "fuzz_util.hpp"
#include "providers/bedrock_translate.hpp"

namespace {

using namespace gw;

struct Fixture {
  config::ProviderConfig cfg;
  providers::Target target;
  api::ChatRequest plain, json_mode;
  Fixture() {
    cfg.name = "bedrock";
    cfg.kind = "bedrock";
    cfg.base_url = "http://127.0.0.1:9";
    target = providers::Target{&cfg, "anthropic.claude-3-5-sonnet-20240620-v1:0"};
    auto read = [](const std::string& extra) {
      return *api::parse_chat_request(
          R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}])" + extra +
          "}");
    };
    plain = read("");
    json_mode = read(R"(,"response_format":{"type":"json_object"})");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture f;
  std::string_view in = fuzz::as_text(data, size);
  uint64_t h = fuzz::hash(in);
  size_t cut = static_cast<size_t>(h % (in.size() + 1));
  fuzz::guarded([&] {
    auto r = providers::bedrock::response_from_body(in, f.target);
    if (r) (void)api::serialize(*r);
  });
  fuzz::guarded([&] {
    static const int kStatuses[] = {400, 403, 404, 408, 424, 429, 500, 503};
    net::Headers headers;
    if (h & 1) headers.emplace_back("x-amzn-ErrorType", std::string(in.substr(0, 64)));
    Error e = providers::bedrock::error_from_response(kStatuses[(h >> 8) % std::size(kStatuses)],
                                                      in, headers, "bedrock");
    fuzz::check(e.status >= 400 && e.status <= 599, "an upstream error maps to an error status");
    (void)api::error_body(e);
  });
  fuzz::guarded([&] {
    providers::bedrock::StreamTranslator tr((h >> 16) & 1 ? f.json_mode : f.plain, f.target);
    api::ChunkList chunks;
    bool ok = static_cast<bool>(tr.feed(in.substr(0, cut), chunks));
    if (ok) ok = static_cast<bool>(tr.feed(in.substr(cut), chunks));
    if (ok) (void)tr.finish(chunks);
    for (const auto& c : chunks) (void)api::serialize(c);
    (void)tr.usage();
    (void)tr.finish_reason();
  });
  return 0;
}
