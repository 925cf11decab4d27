// Azure OpenAI as a thin wrapper of the OpenAI adapter: same body, answers and stream, an
// Azure URL and auth header, and Azure's own error and content-filter shapes mapped to
// OpenAI's.
#include "providers/azure_adapter.hpp"

#include <optional>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"

namespace gw::providers {
namespace {

const Adapter& openai_adapter() {
  static const std::unique_ptr<Adapter> a = make_openai_adapter();
  return *a;
}

// "jailbreak, hate (high)": the categories innererror.content_filter_result marks filtered.
std::string filtered_categories(const api::Json& result) {
  std::string out;
  if (!result.is_object()) return out;
  for (const auto& [name, v] : result.items()) {
    if (!v.is_object() || !v.contains("filtered") || v["filtered"] != true) continue;
    if (!out.empty()) out += ", ";
    out += name;
    if (auto sev = api::str_or(v, "severity"); !sev.empty() && sev != "safe")
      out += " (" + sev + ")";
  }
  return out;
}

// Azure's first stream event carries only prompt_filter_results (choices empty, id ""):
// nothing for the client; every other event is OpenAI's.
bool prompt_filter_only(std::string_view data) {
  if (data.find("\"prompt_filter_results\"") == std::string_view::npos &&
      data.find("\"prompt_annotations\"") == std::string_view::npos)
    return false;
  api::Json j = parse_upstream_json(data);
  if (!j.is_object()) return false;
  auto c = j.find("choices");
  auto u = j.find("usage");
  return c != j.end() && c->is_array() && c->empty() && (u == j.end() || u->is_null());
}

class AzureStreamDecoder final : public StreamDecoder {
 public:
  explicit AzureStreamDecoder(std::unique_ptr<StreamDecoder> inner) : inner_(std::move(inner)) {}
  Result<void> on_event(const net::SseEvent& ev, api::ChunkList& out) override {
    if (prompt_filter_only(ev.data)) return {};
    return inner_->on_event(ev, out);
  }
  Result<void> on_end(api::ChunkList& out) override { return inner_->on_end(out); }
  bool done() const override { return inner_->done(); }
  std::optional<api::Usage> usage() const override { return inner_->usage(); }
  bool usage_final() const override { return inner_->usage_final(); }
  std::string finish_reason() const override { return inner_->finish_reason(); }

 private:
  std::unique_ptr<StreamDecoder> inner_;
};

// What Azure changes in an OpenAI call: the path, and the key sent as `api-key` rather than
// as a bearer token (unless it is a token, from access_token_env).
Result<UpstreamCall> to_azure(Result<UpstreamCall> call, const config::ProviderConfig& p,
                              std::string path) {
  if (!call) return call;
  call->path = std::move(path);
  if (!p.cloud.bearer) {
    std::erase_if(call->headers, [](const auto& kv) {
      return net::iequals(kv.first, "authorization") && kv.second.starts_with("Bearer ");
    });
    call->headers.emplace_back("api-key", p.api_key);
    apply_configured_headers(call->headers, p);  // an operator's own value still wins
  }
  return call;
}

std::optional<Error> missing_key(const config::ProviderConfig& p) {
  if (!p.api_key.empty()) return std::nullopt;
  std::string how =
      p.api_key_env.empty() ? "set api_key in the config" : "set " + p.api_key_env + " or api_key";
  return Error::config(p.name + ": no API key (" + how + ")", 502, "missing_api_key");
}

class AzureAdapter final : public Adapter {
 public:
  // The body names the deployment: the v1 API reads it from there; the deployments URL
  // already holds it (and Azure ignores the field).
  Result<UpstreamCall> build_request(const api::ChatRequest& req, const Target& t,
                                     bool stream) const override {
    const auto& p = *t.provider;
    if (auto e = missing_key(p)) return fail(std::move(*e));
    Target deployment{&p, azure_deployment(p.cloud, t.model)};
    return to_azure(openai_adapter().build_request(req, deployment, stream), p,
                    azure_path(p.cloud, t.model, "chat/completions"));
  }

  Result<api::ChatResponse> parse_response(std::string_view body, const Target& t) const override {
    return openai_adapter().parse_response(body, t);
  }
  Error parse_error(int status, std::string_view body, const net::Headers& headers,
                    const Target& t) const override {
    return azure_error(status, body, headers, *t.provider);
  }
  std::unique_ptr<StreamDecoder> make_stream_decoder(const api::ChatRequest& req,
                                                     const Target& t) const override {
    return std::make_unique<AzureStreamDecoder>(openai_adapter().make_stream_decoder(req, t));
  }

  Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest& req,
                                               const Target& t) const override {
    const auto& p = *t.provider;
    if (auto e = missing_key(p)) return fail(std::move(*e));
    Target deployment{&p, azure_deployment(p.cloud, t.model)};
    return to_azure(openai_adapter().build_embedding_request(req, deployment), p,
                    azure_path(p.cloud, t.model, "embeddings"));
  }
  Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                          const api::EmbeddingRequest& req,
                                                          const Target& t) const override {
    return openai_adapter().parse_embedding_response(body, req, t);
  }
};

}  // namespace

std::string azure_deployment(const config::CloudConfig& c, std::string_view model) {
  if (auto it = c.deployments.find(std::string(model)); it != c.deployments.end())
    return it->second;
  return std::string(model);
}

std::string azure_path(const config::CloudConfig& c, std::string_view model,
                       std::string_view operation) {
  if (c.api_style == "v1") return "/openai/v1/" + std::string(operation);
  return "/openai/deployments/" + percent_encode_segment(azure_deployment(c, model)) + "/" +
         std::string(operation) + "?api-version=" + c.api_version;
}

Error azure_error(int status, std::string_view body, const net::Headers& headers,
                  const config::ProviderConfig& p) {
  api::Json j = parse_upstream_json(body);
  const api::Json* e =
      j.is_object() && j.contains("error") && j["error"].is_object() ? &j["error"] : nullptr;
  std::string code = e ? api::str_or(*e, "code") : std::string();
  const api::Json* inner = e && e->contains("innererror") ? &(*e)["innererror"] : nullptr;
  if (code == "content_filter" ||
      (inner && api::str_or(*inner, "code") == "ResponsibleAIPolicyViolation")) {
    std::string msg = p.name + ": the prompt was stopped by Azure's content filter";
    if (inner && inner->is_object() && inner->contains("content_filter_result"))
      if (auto cats = filtered_categories((*inner)["content_filter_result"]); !cats.empty())
        msg += " (" + cats + ")";
    if (auto m = api::str_or(*e, "message"); !m.empty()) msg += ": " + m;
    return Error::bad_request(mask_secrets(std::move(msg), p), "messages", "content_filter");
  }
  Target t{&p, ""};
  Error err = openai_adapter().parse_error(status, body, headers, t);
  if (status == 404 && (code == "DeploymentNotFound" || code == "404")) {
    err.code = "model_not_found";
    err.message += " (is the deployment in [providers." + p.name + "].deployments?)";
  }
  return err;
}

std::unique_ptr<Adapter> make_azure_adapter() {
  return std::make_unique<AzureAdapter>();
}

}  // namespace gw::providers
