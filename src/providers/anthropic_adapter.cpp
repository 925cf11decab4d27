// Anthropic Messages (docs/PROTOCOLS.md §4.3). The translation lives in anthropic_request.cpp,
// anthropic_response.cpp and anthropic_stream.cpp; this file wires it to the Adapter seam.
#include <algorithm>
#include <cctype>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/anthropic_translate.hpp"
#include "providers/provider.hpp"

namespace gw::providers {
namespace {

class AnthropicAdapter final : public Adapter {
 public:
  Result<UpstreamCall> build_request(const api::ChatRequest& req, const Target& t,
                                     bool stream) const override {
    auto body = anthropic::request_body(req, t, stream);
    if (!body) return fail(body.error());
    UpstreamCall call;
    // An anthropic base_url carries no version (docs/PROTOCOLS.md §4.1).
    call.path = "/v1/messages";
    call.body = api::dump(*body);
    if (!t.provider->api_key.empty()) call.headers.emplace_back("x-api-key", t.provider->api_key);
    call.headers.emplace_back("anthropic-version", std::string(anthropic::kApiVersion));
    call.headers.emplace_back("content-type", "application/json");
    if (!req.anthropic_beta.empty())
      call.headers.emplace_back("anthropic-beta", req.anthropic_beta);
    apply_configured_headers(call.headers, *t.provider);
    return call;
  }

  Result<api::ChatResponse> parse_response(std::string_view body, const Target& t) const override {
    return anthropic::response_from_body(body, t);
  }

  Error parse_error(int status, std::string_view body, const net::Headers& headers,
                    const Target& t) const override {
    api::Json j = parse_upstream_json(body);
    Error e = anthropic::error_from_body(status, j, t.provider->name, net::retry_after_ms(headers));
    e.message = mask_secrets(std::move(e.message), *t.provider);
    return e;
  }

  std::unique_ptr<StreamDecoder> make_stream_decoder(const api::ChatRequest& req,
                                                     const Target& t) const override {
    return anthropic::make_decoder(req, t);
  }

  // POST /v1/messages/count_tokens takes the request without its sampling and output fields.
  std::optional<UpstreamCall> count_tokens_request(const api::ChatRequest& req,
                                                   const Target& t) const override {
    auto call = build_request(req, t, false);
    if (!call) return std::nullopt;
    api::Json body = api::Json::parse(call->body, nullptr, false);
    if (!body.is_object()) return std::nullopt;
    api::Json counted = api::Json::object();
    for (const char* k : {"model", "messages", "system", "tools", "tool_choice", "thinking"})
      if (auto it = body.find(k); it != body.end()) counted[k] = *it;
    call->path = "/v1/messages/count_tokens";
    call->body = api::dump(counted);
    return std::move(*call);
  }

  Result<int64_t> parse_count_tokens(std::string_view body, const Target& t) const override {
    api::Json j = parse_upstream_json(body);
    if (!j.is_object() || !j.contains("input_tokens") || !j["input_tokens"].is_number_integer() ||
        j["input_tokens"].get<int64_t>() < 0)
      return fail(Error::upstream(502, t.provider->name + ": count_tokens answered no input_tokens",
                                  "bad_upstream_response"));
    return j["input_tokens"].get<int64_t>();
  }
};

}  // namespace

std::unique_ptr<Adapter> make_anthropic_adapter() {
  return std::make_unique<AnthropicAdapter>();
}

}  // namespace gw::providers
