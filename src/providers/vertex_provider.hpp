// Google Vertex AI (kind "vertex", docs/PROTOCOLS.md §14): Gemini models through the Gemini
// adapter and Claude models through the Anthropic adapter, each wrapped only for Vertex's
// URL, body envelope and OAuth2 bearer token. The publisher follows from the model name:
// `claude*` → anthropic, anything else → google.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "net/upstream_pool.hpp"
#include "providers/google_auth.hpp"
#include "providers/http_provider.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

inline constexpr std::string_view kVertexAnthropicVersion = "vertex-2023-10-16";

// "anthropic" for Claude models, else "google".
std::string_view vertex_publisher(std::string_view model);

// "/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}",
// appended to the provider's base_url (the location's host, or a configured one). The model
// may hold letters, digits and -_.@+= only (Vertex Claude ids carry '@'): nullopt otherwise.
std::optional<std::string> vertex_path(const config::CloudConfig& c, std::string_view publisher,
                                       std::string_view model, std::string_view method);

// The two wrapped adapters (unit tests; the provider below uses them).
std::unique_ptr<Adapter> make_vertex_gemini_adapter();
std::unique_ptr<Adapter> make_vertex_anthropic_adapter();

class VertexProvider final : public Provider {
 public:
  explicit VertexProvider(net::UpstreamPool& pool);
  Result<api::ChatResponse> complete(const api::ChatRequest& req, const Target& t,
                                     CallStats& stats) override;
  Result<StreamResult> stream(const api::ChatRequest& req, const Target& t, const ChunkSink& sink,
                              CallStats& stats) override;

 private:
  // The provider's settings with the bearer token in api_key (where the adapters, and the
  // masking of upstream error text, look for the credential).
  Result<config::ProviderConfig> authorized(const config::ProviderConfig& p);
  HttpProvider& http_for(std::string_view model);

  google::TokenCache tokens_;
  HttpProvider gemini_, anthropic_;
};

}  // namespace gw::providers
