// Google Gemini (generativelanguage v1beta). The translation lives in gemini_request.cpp,
// gemini_response.cpp and gemini_stream.cpp; this file is the Adapter seam: paths and headers.
#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/embeddings.hpp"
#include "providers/gemini_translate.hpp"

namespace gw::providers {
namespace {

class GeminiAdapter final : public Adapter {
 public:
  Result<UpstreamCall> build_request(const api::ChatRequest& req, const Target& t,
                                     bool stream) const override {
    auto resource = gemini::model_resource(t.model);
    if (!resource)
      return fail(Error::bad_request(
          t.provider->name + ": invalid model id (letters, digits and -_.+=, after an optional "
                             "'models/' or 'tunedModels/')",
          "model", "invalid_model"));
    auto body = gemini::build_body(req, *t.provider, t.model);
    if (!body) return fail(body.error());
    UpstreamCall call;
    // A gemini base_url has no version; gw always streams with alt=sse (docs/PROTOCOLS.md §4.4).
    call.path =
        "/v1beta/" + *resource + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    call.body = api::dump(*body);
    call.headers.emplace_back("Content-Type", "application/json");
    if (stream) call.headers.emplace_back("Accept", "text/event-stream");
    if (!t.provider->api_key.empty())
      call.headers.emplace_back("x-goog-api-key", t.provider->api_key);
    apply_configured_headers(call.headers, *t.provider);
    return call;
  }

  Result<api::ChatResponse> parse_response(std::string_view body, const Target& t) const override {
    return gemini::parse_response(body, t);
  }

  Error parse_error(int status, std::string_view body, const net::Headers& headers,
                    const Target& t) const override {
    api::Json j = parse_upstream_json(body);
    Error e = gemini::error_from_body(status, j, headers, *t.provider);
    e.message = mask_secrets(std::move(e.message), *t.provider);
    return e;
  }

  std::unique_ptr<StreamDecoder> make_stream_decoder(const api::ChatRequest&,
                                                     const Target& t) const override {
    return gemini::make_stream_decoder(t);
  }

  // :batchEmbedContents (gemini_embed.cpp).
  Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest& req,
                                               const Target& t) const override {
    return gemini::build_embedding_request(req, t);
  }
  Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                          const api::EmbeddingRequest& req,
                                                          const Target& t) const override {
    return gemini::parse_embedding_response(body, req, t);
  }
};

}  // namespace

std::unique_ptr<Adapter> make_gemini_adapter() {
  return std::make_unique<GeminiAdapter>();
}

}  // namespace gw::providers
