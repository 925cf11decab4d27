#include "providers/registry.hpp"

#include "providers/azure_adapter.hpp"
#include "providers/bedrock_provider.hpp"
#include "providers/http_provider.hpp"
#include "providers/mock_provider.hpp"
#include "providers/vertex_provider.hpp"

namespace gw::providers {

Registry::Registry()
    : openai_(std::make_unique<HttpProvider>(make_openai_adapter(), pool_)),
      anthropic_(std::make_unique<HttpProvider>(make_anthropic_adapter(), pool_)),
      gemini_(std::make_unique<HttpProvider>(make_gemini_adapter(), pool_)),
      azure_(std::make_unique<HttpProvider>(make_azure_adapter(), pool_)),
      vertex_(std::make_unique<VertexProvider>(pool_)),
      bedrock_(std::make_unique<BedrockProvider>(pool_)),
      mock_(std::make_unique<MockProvider>()) {}

Registry::~Registry() = default;

void Registry::replace(std::string_view kind, std::unique_ptr<Provider> p) {
  (kind == "anthropic" ? anthropic_
   : kind == "gemini"  ? gemini_
   : kind == "azure"   ? azure_
   : kind == "vertex"  ? vertex_
   : kind == "bedrock" ? bedrock_
   : kind == "mock"    ? mock_
                       : openai_) = std::move(p);
}

Provider& Registry::for_kind(std::string_view kind) {
  if (kind == "anthropic") return *anthropic_;
  if (kind == "gemini") return *gemini_;
  if (kind == "azure") return *azure_;
  if (kind == "vertex") return *vertex_;
  if (kind == "bedrock") return *bedrock_;
  if (kind == "mock") return *mock_;
  return *openai_;
}

}  // namespace gw::providers
