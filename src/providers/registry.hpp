// One Provider per configured kind, sharing one upstream connection pool.
#pragma once

#include <memory>
#include <string_view>

#include "net/upstream_pool.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

class Registry {
 public:
  Registry();
  ~Registry();
  // openai | anthropic | gemini | azure | vertex | bedrock | mock
  Provider& for_kind(std::string_view kind);
  // Puts `p` in place of the provider of `kind` (tests; an embedder's own provider).
  void replace(std::string_view kind, std::unique_ptr<Provider> p);

 private:
  net::UpstreamPool pool_;
  std::unique_ptr<Provider> openai_, anthropic_, gemini_, azure_, vertex_, bedrock_, mock_;
};

}  // namespace gw::providers
