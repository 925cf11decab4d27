// AWS Bedrock (kind "bedrock", docs/PROTOCOLS.md §14.4): the Converse and ConverseStream APIs,
// each request signed with AWS Signature Version 4 over its final host, path and body. Its
// own Provider rather than an Adapter under HttpProvider: the signature needs the wire's host
// and path, and ConverseStream is binary event-stream framing, not SSE.
#pragma once

#include <string>
#include <string_view>

#include "net/upstream_pool.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

// The call for `req` to `t`, signed as of `amz_date` ("YYYYMMDDTHHMMSSZ") for the provider's
// base_url: path (appended to the base URL's path, as for every provider), headers (the
// signature's among them) and body. 400 for a request Converse cannot take; a config error
// (502 missing_api_key) when the provider has no AWS credentials.
Result<UpstreamCall> bedrock_call(const api::ChatRequest& req, const Target& t, bool stream,
                                  std::string_view amz_date);

class BedrockProvider final : public Provider {
 public:
  explicit BedrockProvider(net::UpstreamPool& pool) : pool_(pool) {}
  Result<api::ChatResponse> complete(const api::ChatRequest& req, const Target& t,
                                     CallStats& stats) override;
  Result<StreamResult> stream(const api::ChatRequest& req, const Target& t, const ChunkSink& sink,
                              CallStats& stats) override;

 private:
  net::UpstreamPool& pool_;
};

}  // namespace gw::providers
