// One list behind `gw models` and GET /v1/models (see catalogue.hpp); the mock's names come
// from the mock provider itself.
#include "gateway/catalogue.hpp"

#include <set>

#include "providers/mock_provider.hpp"

namespace gw::gateway {
namespace {

std::string provider_of(const std::string& model) {
  return model.substr(0, model.find('/'));
}

}  // namespace

Catalogue catalogue_of(const config::Config& cfg) {
  Catalogue c;
  for (const auto& [name, p] : cfg.providers) {
    bool mock = p.kind == "mock";
    c.providers.push_back(
        {name, p.kind, mock ? std::string() : p.base_url, mock,
         !mock && (!p.api_key.empty() || !p.cloud.sa_private_key.empty() ||  // vertex: its key
                   !p.cloud.secret_access_key.empty())});                    // bedrock
  }
  for (const auto& [name, r] : cfg.routes) {
    CatalogueRoute route{name, r.strategy, {}};
    for (const auto& t : r.targets) route.targets.push_back(t.model);
    c.routes.push_back(std::move(route));
  }
  // The built-in mock is always configured under the name "mock" (config defaults).
  for (const auto& m : providers::kMockModels)
    c.mock_models.push_back("mock/" + std::string(m.name));

  std::set<std::string> seen;  // the first mention of an id decides its owner
  auto add = [&](const std::string& id, const std::string& owner) {
    if (seen.insert(id).second) c.models.push_back({id, owner});
  };
  for (const auto& r : c.routes) add(r.name, "gw");
  for (const auto& [from, to] : cfg.aliases) add(from, "gw");
  for (const auto& r : c.routes)
    for (const auto& t : r.targets) add(t, provider_of(t));
  for (const auto& [key, p] : cfg.prices) add(key, provider_of(key));
  for (const auto& m : providers::kMockModels)
    if (m.offered) add("mock/" + std::string(m.name), "mock");
  return c;
}

}  // namespace gw::gateway
