#pragma once

#include "providers/provider.hpp"

namespace gw::providers {

class MockProvider final : public Provider {
 public:
  Result<api::ChatResponse> complete(const api::ChatRequest& req, const Target& t,
                                     CallStats& stats) override;
  Result<StreamResult> stream(const api::ChatRequest& req, const Target& t, const ChunkSink& sink,
                              CallStats& stats) override;
};

}  // namespace gw::providers
