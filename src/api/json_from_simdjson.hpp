// One simdjson DOM value as the api::Json nlohmann's parser would build from the same text:
// the readers that walk simdjson (the request body, an upstream's answer) keep what they pass
// through as api::Json without printing it and lexing it again.
#pragma once

#include <simdjson.h>

#include "api/chat.hpp"

namespace gw::api {

// Positive integers unsigned, negative ones signed, a repeated member's last value kept, as
// nlohmann does. false: declined, for the one value the DOM cannot tell apart ("-0.0" from
// "-0"); the caller then parses that text with nlohmann.
bool json_from_simdjson(simdjson::dom::element e, Json& out);

}  // namespace gw::api
