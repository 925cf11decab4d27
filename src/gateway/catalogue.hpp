// The models a configuration offers, as plain values: the providers it names, its routes,
// the models those routes and the price overrides name, and the built-in mock's. `gw models`
// prints it and GET /v1/models lists it, so the two cannot drift apart.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace gw::gateway {

struct CatalogueProvider {
  std::string name;
  std::string kind;      // openai | anthropic | gemini | mock
  std::string base_url;  // empty for the mock
  bool mock = false;     // built in and offline: no key, no URL
  bool has_key = false;
};

struct CatalogueRoute {
  std::string name;
  std::string strategy;
  std::vector<std::string> targets;  // "provider/model"; empty for a rules-only route
};

// One name a client may put in "model".
struct CatalogueModel {
  std::string id;
  std::string owned_by;  // "gw" for a route, else the provider part of the id
};

struct Catalogue {
  std::vector<CatalogueProvider> providers;  // by name
  std::vector<CatalogueRoute> routes;        // by name
  // Every name the mock answers to, patterns included ("mock/slow-<ms>").
  std::vector<std::string> mock_models;
  // What a client may ask for by name, each once: the routes, then the models their targets
  // name, then the models the config prices, then the mock's offered models.
  std::vector<CatalogueModel> models;
};

Catalogue catalogue_of(const config::Config& cfg);

}  // namespace gw::gateway
