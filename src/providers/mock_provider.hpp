#pragma once

#include <string_view>

#include "providers/provider.hpp"

namespace gw::providers {

// The model names the built-in mock answers to (mock_provider.cpp says what each does), for
// the catalogues (`gw models`, GET /v1/models). `offered`: a model a client may simply use,
// listed by GET /v1/models; the others simulate faults and latency for tests.
struct MockModel {
  std::string_view name;  // without the provider: "echo", or a pattern: "slow-<ms>"
  bool offered;
};
inline constexpr MockModel kMockModels[] = {{"echo", true},
                                            {"lorem", true},
                                            {"fail-429", false},
                                            {"fail-500", false},
                                            {"slow-<ms>", false}};

class MockProvider final : public Provider {
 public:
  Result<api::ChatResponse> complete(const api::ChatRequest& req, const Target& t,
                                     CallStats& stats) override;
  Result<StreamResult> stream(const api::ChatRequest& req, const Target& t, const ChunkSink& sink,
                              CallStats& stats) override;
  // Deterministic vectors (mock_provider.cpp says how), so `gw serve` without keys embeds too.
  Result<api::EmbeddingResponse> embed(const api::EmbeddingRequest& req, const Target& t,
                                       CallStats& stats) override;
};

}  // namespace gw::providers
