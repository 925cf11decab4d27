// POST /v1/embeddings (OpenAI's shape) through the gateway's pipeline, and GET /v1/models/{id}
// from the model catalogue.
#pragma once

#include <string_view>

#include "config/config.hpp"
#include "gateway/auth.hpp"
#include "gateway/gateway.hpp"
#include "gateway/limits.hpp"
#include "server/http_exchange.hpp"

namespace gw::server {

struct EmbeddingsEndpoint {
  gateway::Gateway& gateway;

  void handle(const Request& http_req, Response& res) const;
};

// The model id in a GET /v1/models/{id} path after `prefix`, percent-decoded (the SDKs encode
// the '/' of provider/model as %2F); nullopt when the encoding is broken or the id is no
// model name gw could know (gateway::valid_model_name).
std::optional<std::string> model_id_of_path(std::string_view path, std::string_view prefix);

}  // namespace gw::server
