#include "api/json_fast.hpp"

#include <simdjson.h>

#include <string>

#include "api/json_from_simdjson.hpp"

namespace gw::api {

namespace dom = simdjson::dom;

std::optional<Json> parse_json_fast(std::string_view text) {
  if (text.size() > kFastParseMaxBytes) return std::nullopt;
  thread_local dom::parser parser;
  thread_local std::string padded;
  padded.assign(text);
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  dom::element doc;
  if (parser.parse(padded.data(), text.size(), false).get(doc)) return std::nullopt;
  Json out;
  if (!json_from_simdjson(doc, out)) return std::nullopt;
  return out;
}

}  // namespace gw::api
