// Every Responses API request body is read by read_responses_request and turned into the
// canonical request: a hostile body must get a 400 naming a parameter, never a crash. The
// answer side is fed the request's own texts as a stream, cut where the input says, and must
// end in exactly one terminal event whose response object is valid JSON.
#include <string>

#include "api/json_codec.hpp"
#include "fuzz_util.hpp"
#include "providers/responses_inbound.hpp"

namespace {

using gw::fuzz::check;
using gw::fuzz::guarded;
namespace api = gw::api;
namespace rsp = gw::providers::responses;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = gw::fuzz::as_text(data, size);
  guarded([&] {
    auto call = rsp::read_responses_request(in);
    if (!call) {
      check(call.error().status == 400, "a bad Responses body that is no 400");
      return;
    }
    auto req = rsp::chat_request_for(*call, api::Json::array());
    if (!req) {
      check(req.error().status == 400, "a bad Responses body that is no 400 (chat schema)");
      check(!req.error().param.starts_with("max_completion_tokens"), "a chat name leaked out");
      return;
    }
    // Stream the request's texts back as answer text and tool arguments.
    rsp::ResponsesStreamWriter w({"resp_fuzz", 1, req->model, &*call, false});
    std::string sse;
    int i = 0;
    for (const auto& m : req->messages) {
      api::ChatChunk c;
      c.choices.emplace_back();
      std::string text = m.all_text();
      if (i % 3 == 0) c.choices[0].content = text;
      if (i % 3 == 1) c.choices[0].reasoning = text;
      if (i % 3 == 2) c.choices[0].tool_calls.push_back({i, m.tool_call_id, "", "f", text});
      sse += w.on_chunk(c);
      ++i;
    }
    sse += gw::fuzz::hash(in) % 2 ? w.finish(api::Usage{1, 2, 3, 0, 0, 0}, "")
                                  : w.error(gw::Error::internal("cut"));
    check(w.finish(std::nullopt, "").empty(), "a second end of one stream");
    if (!w.final_response().is_null())
      check(!api::dump(w.final_response()).empty(), "an empty final response");
  });
  return 0;
}
