// Azure OpenAI (kind "azure", docs/PROTOCOLS.md §14): OpenAI's body and answers through the
// OpenAI adapter; only the URL (a deployment's, or the v1 API's), the `api-key` header and a
// few error shapes (content filtering, DeploymentNotFound) are Azure's own.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api/error.hpp"
#include "net/http_types.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

// The deployment serving `model`: the provider's `deployments` entry, else the model's name.
std::string azure_deployment(const config::CloudConfig& c, std::string_view model);

// The path (after base_url) of an `operation` ("chat/completions", "embeddings") for `model`:
// deployments style "/openai/deployments/{deployment}/{operation}?api-version={v}", or
// "/openai/v1/{operation}" with api_style "v1".
std::string azure_path(const config::CloudConfig& c, std::string_view model,
                       std::string_view operation);

// An Azure error body → the OpenAI-shaped error: a prompt stopped by the content filter is a
// 400 with code content_filter naming the filtered categories; a missing deployment a 404
// model_not_found; the rest as OpenAI's.
Error azure_error(int status, std::string_view body, const net::Headers& headers,
                  const config::ProviderConfig& p);

std::unique_ptr<Adapter> make_azure_adapter();

}  // namespace gw::providers
