// Every client request body is read by parse_chat_request and then translated for one of the
// three upstream dialects: a hostile body must get a 400, never a crash, and the simdjson
// readers (into a Json, and straight into a ChatRequest) must give exactly the value the
// nlohmann path gives, as must the direct upstream writer.
#include <memory>
#include <string>

#include "../tests/unit/json_same.hpp"
#include "api/json_codec.hpp"
#include "api/json_fast.hpp"
#include "fuzz_util.hpp"
#include "providers/provider.hpp"

namespace {

using gw::fuzz::check;
using gw::fuzz::guarded;
namespace api = gw::api;
namespace providers = gw::providers;

struct Upstream {
  gw::config::ProviderConfig cfg;
  std::unique_ptr<providers::Adapter> adapter;
};

Upstream make(const char* kind, std::unique_ptr<providers::Adapter> a) {
  Upstream u;
  u.cfg.name = kind;
  u.cfg.kind = kind;
  u.cfg.base_url = "http://127.0.0.1:9";
  u.cfg.api_key = "sk-fuzz";
  u.cfg.headers = {{"x-fuzz", "1"}};
  u.adapter = std::move(a);
  return u;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Upstream upstreams[] = {make("openai", providers::make_openai_adapter()),
                                 make("anthropic", providers::make_anthropic_adapter()),
                                 make("gemini", providers::make_gemini_adapter())};
  std::string_view in = gw::fuzz::as_text(data, size);
  guarded([&] {
    // The simdjson readings of a body: nlohmann's value, number kinds alike, or declined; and
    // straight into a ChatRequest, the reference reader's request, or declined.
    if (api::json_depth(in, api::kMaxJsonNesting) <= api::kMaxJsonNesting) {
      if (auto fast = api::parse_json_fast(in)) {
        api::Json ref = api::Json::parse(in, nullptr, false);
        check(!ref.is_discarded(), "simdjson accepted a body nlohmann refuses");
        check(ref.is_discarded() || gw::test::same_json(*fast, ref),
              "simdjson read a body differently from nlohmann");
      }
      if (auto direct = api::read_chat_request_fast(in)) {
        api::Json tree = api::Json::parse(in, nullptr, false);
        check(!tree.is_discarded(), "the direct reader took a body nlohmann refuses");
        auto ref = api::chat_request_from_json(tree);
        check(ref.has_value(), "the direct reader took a request the reference reader refuses");
        check(!ref || gw::test::same_request(*direct, *ref),
              "the direct reader read a request differently from the reference");
      }
    }
    auto req = api::parse_chat_request(in);
    if (!req) {
      check(req.error().status == 400, "a bad request body that is no 400");
      return;
    }
    // What the server does with a request: serialize it again, and build the upstream call.
    std::string text = api::serialize(*req);
    auto again = api::parse_chat_request(text);
    check(again.has_value(), "a serialized request does not parse again");
    check(api::serialize(*again) == text, "a serialized request reads back differently");
    // The direct upstream writer gives the JSON value the nlohmann tree gives (gw's model and
    // stream edits included), and valid JSON whatever the strings hold.
    for (bool stream : {false, true}) {
      std::string up = api::serialize_upstream(*req, "m", stream);
      api::Json direct = api::Json::parse(up, nullptr, false);
      check(!direct.is_discarded(), "the upstream body is not valid JSON");
      api::Json tree = api::to_json(*req);
      tree["model"] = "m";
      api::Json options = api::Json::object();
      if (auto so = tree.find("stream_options"); so != tree.end() && so->is_object()) options = *so;
      tree.erase("stream");
      tree.erase("stream_options");
      if (stream) {
        options["include_usage"] = true;
        tree["stream"] = true;
        tree["stream_options"] = options;
      }
      check(direct == api::Json::parse(api::dump(tree)), "the upstream body differs from to_json");
    }
    for (auto& u : upstreams)
      (void)u.adapter->build_request(*req, providers::Target{&u.cfg, req->model}, req->stream);
  });
  return 0;
}
