// Vertex AI: the Gemini and Anthropic adapters' requests re-addressed to Vertex's publisher
// URLs, with `Authorization: Bearer` instead of the vendors' API-key headers; their answers,
// streams and errors are the vendors' own and go through the same adapters unchanged.
#include "providers/vertex_provider.hpp"

#include <algorithm>
#include <cctype>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"

namespace gw::providers {
namespace {

void drop_header(net::Headers& h, std::string_view name) {
  std::erase_if(h, [&](const auto& kv) { return net::iequals(kv.first, name); });
}

// The bearer token, unless the operator configured an Authorization header of their own.
void add_bearer(net::Headers& h, const config::ProviderConfig& p) {
  if (!p.api_key.empty() && net::header_value(h, "authorization").empty())
    h.emplace_back("Authorization", "Bearer " + p.api_key);
}

Error bad_model(const Target& t) {
  return Error::bad_request(
      t.provider->name + ": invalid model id for Vertex AI (letters, " + "digits and -_.@+= only)",
      "model", "invalid_model");
}

// Shared by both: everything but build_request goes to the wrapped vendor adapter.
class VertexAdapterBase : public Adapter {
 public:
  explicit VertexAdapterBase(std::unique_ptr<Adapter> inner) : inner_(std::move(inner)) {}
  Result<api::ChatResponse> parse_response(std::string_view body, const Target& t) const override {
    return inner_->parse_response(body, t);
  }
  Error parse_error(int status, std::string_view body, const net::Headers& headers,
                    const Target& t) const override {
    return inner_->parse_error(status, body, headers, t);
  }
  std::unique_ptr<StreamDecoder> make_stream_decoder(const api::ChatRequest& req,
                                                     const Target& t) const override {
    return inner_->make_stream_decoder(req, t);
  }

 protected:
  std::unique_ptr<Adapter> inner_;
};

class VertexGeminiAdapter final : public VertexAdapterBase {
 public:
  VertexGeminiAdapter() : VertexAdapterBase(make_gemini_adapter()) {}
  Result<UpstreamCall> build_request(const api::ChatRequest& req, const Target& t,
                                     bool stream) const override {
    auto call = inner_->build_request(req, t, stream);
    if (!call) return call;
    // The Gemini adapter has validated the id: "/v1beta/models/<id>:<method>".
    constexpr std::string_view kPrefix = "/v1beta/models/";
    std::string_view path = call->path;
    auto colon = path.rfind(':');
    if (!path.starts_with(kPrefix) || colon == std::string_view::npos) return fail(bad_model(t));
    auto vpath = vertex_path(t.provider->cloud, "google",
                             path.substr(kPrefix.size(), colon - kPrefix.size()),
                             stream ? "streamGenerateContent?alt=sse" : "generateContent");
    if (!vpath) return fail(bad_model(t));
    call->path = std::move(*vpath);
    drop_header(call->headers, "x-goog-api-key");
    add_bearer(call->headers, *t.provider);
    return call;
  }
};

// Claude on Vertex: Anthropic's body without `model` (it is in the URL) and with
// anthropic_version in the body instead of the header; Vertex's google.rpc errors (auth,
// quota, before the model runs) are read as Gemini's.
class VertexAnthropicAdapter final : public VertexAdapterBase {
 public:
  VertexAnthropicAdapter()
      : VertexAdapterBase(make_anthropic_adapter()), google_(make_gemini_adapter()) {}
  Result<UpstreamCall> build_request(const api::ChatRequest& req, const Target& t,
                                     bool stream) const override {
    auto vpath = vertex_path(t.provider->cloud, "anthropic", t.model,
                             stream ? "streamRawPredict" : "rawPredict");
    if (!vpath) return fail(bad_model(t));
    auto call = inner_->build_request(req, t, stream);
    if (!call) return call;
    api::Json body = api::Json::parse(call->body, nullptr, false);
    if (!body.is_object()) return fail(Error::internal("vertex: unreadable Anthropic body"));
    body.erase("model");
    body["anthropic_version"] = kVertexAnthropicVersion;
    call->body = api::dump(body);
    call->path = std::move(*vpath);
    drop_header(call->headers, "x-api-key");
    drop_header(call->headers, "anthropic-version");
    add_bearer(call->headers, *t.provider);
    return call;
  }
  Error parse_error(int status, std::string_view body, const net::Headers& headers,
                    const Target& t) const override {
    api::Json j = parse_upstream_json(body);
    const api::Json* e = j.is_object() && j.contains("error") ? &j["error"] : nullptr;
    bool google_rpc = e && e->is_object() && e->contains("status") && (*e)["status"].is_string();
    return (google_rpc ? google_ : inner_)->parse_error(status, body, headers, t);
  }

 private:
  std::unique_ptr<Adapter> google_;
};

bool model_char(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '@' || c == '+' || c == '=';
}

}  // namespace

std::string_view vertex_publisher(std::string_view model) {
  return model.starts_with("claude") ? "anthropic" : "google";
}

std::optional<std::string> vertex_path(const config::CloudConfig& c, std::string_view publisher,
                                       std::string_view model, std::string_view method) {
  if (model.empty() || model.find("..") != std::string_view::npos ||
      !std::all_of(model.begin(), model.end(), [](char ch) { return model_char(ch); }))
    return std::nullopt;
  std::string p = "/v1/projects/" + c.project + "/locations/" + c.location + "/publishers/";
  p.append(publisher).append("/models/").append(model).append(":").append(method);
  return p;
}

std::unique_ptr<Adapter> make_vertex_gemini_adapter() {
  return std::make_unique<VertexGeminiAdapter>();
}
std::unique_ptr<Adapter> make_vertex_anthropic_adapter() {
  return std::make_unique<VertexAnthropicAdapter>();
}

VertexProvider::VertexProvider(net::UpstreamPool& pool)
    : tokens_(pool),
      gemini_(make_vertex_gemini_adapter(), pool),
      anthropic_(make_vertex_anthropic_adapter(), pool) {}

Result<config::ProviderConfig> VertexProvider::authorized(const config::ProviderConfig& p) {
  auto token = tokens_.token(p);
  if (!token) return fail(token.error());
  config::ProviderConfig with = p;
  with.api_key = std::move(*token);
  return with;
}

HttpProvider& VertexProvider::http_for(std::string_view model) {
  return vertex_publisher(model) == "anthropic" ? anthropic_ : gemini_;
}

Result<api::ChatResponse> VertexProvider::complete(const api::ChatRequest& req, const Target& t,
                                                   CallStats& stats) {
  auto p = authorized(*t.provider);
  if (!p) return fail(p.error());
  return http_for(t.model).complete(req, Target{&*p, t.model}, stats);
}

Result<StreamResult> VertexProvider::stream(const api::ChatRequest& req, const Target& t,
                                            const ChunkSink& sink, CallStats& stats) {
  auto p = authorized(*t.provider);
  if (!p) return fail(p.error());
  return http_for(t.model).stream(req, Target{&*p, t.model}, sink, stats);
}

}  // namespace gw::providers
