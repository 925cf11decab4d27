#pragma once

#include "net/upstream_pool.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

class HttpProvider final : public Provider {
 public:
  HttpProvider(std::unique_ptr<Adapter> adapter, net::UpstreamPool& pool);
  Result<api::ChatResponse> complete(const api::ChatRequest& req, const Target& t,
                                     CallStats& stats) override;
  Result<StreamResult> stream(const api::ChatRequest& req, const Target& t, const ChunkSink& sink,
                              CallStats& stats) override;

 private:
  Result<net::Url> base_url(const Target& t) const;
  std::unique_ptr<Adapter> adapter_;
  net::UpstreamPool& pool_;
};

}  // namespace gw::providers
