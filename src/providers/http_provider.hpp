// The transport every HTTP provider shares, and the one place that turns what went wrong on
// the wire (net::TransportError) into what a client is told.
#pragma once

#include <string_view>

#include "net/transport_error.hpp"
#include "net/upstream_pool.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

// The client-facing error for a transport failure: 502 (upstream_connect_error,
// upstream_tls_error, bad_upstream_response) or 504 (timeout), naming the provider and the
// address it was reached at (`base`), and the proxy when there was one. A request that cannot
// go on the wire at all is gw's own fault: 500.
Error transport_error(const net::TransportError& e, std::string_view provider,
                      const net::Url& base);

class HttpProvider final : public Provider {
 public:
  HttpProvider(std::unique_ptr<Adapter> adapter, net::UpstreamPool& pool);
  Result<api::ChatResponse> complete(const api::ChatRequest& req, const Target& t,
                                     CallStats& stats) override;
  Result<StreamResult> stream(const api::ChatRequest& req, const Target& t, const ChunkSink& sink,
                              CallStats& stats) override;
  Result<std::optional<int64_t>> count_tokens(const api::ChatRequest& req,
                                              const Target& t) override;
  Result<api::EmbeddingResponse> embed(const api::EmbeddingRequest& req, const Target& t,
                                       CallStats& stats) override;

 private:
  Result<net::Url> base_url(const Target& t) const;
  Result<std::string> exchange(const UpstreamCall& call, const Target& t, CallStats& stats);
  Result<api::EmbeddingResponse> embed_once(const api::EmbeddingRequest& req, const Target& t,
                                            CallStats& stats);
  std::unique_ptr<Adapter> adapter_;
  net::UpstreamPool& pool_;
};

}  // namespace gw::providers
