// One request/response pair as the dialect handlers see it, plus what gets recorded.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "behavior.hpp"

namespace fake {

struct Exchange {
  const httplib::Request& req;
  httplib::Response& res;
  std::string dialect;  // "openai" | "anthropic" | "gemini" | "unknown"
  nlohmann::json body;  // parsed body; discarded value when not JSON
  std::string model;    // full model string, directives included
  Behavior behavior;
  nlohmann::json usage;   // what this fake reported, in the dialect's shape; null if nothing
  std::uint64_t seq = 0;  // numbers the ids of this response
  // From the URL only: httplib also merges form-encoded bodies into req.params.
  std::map<std::string, std::string> query;
  // stall=: how long into the stall the client (gw) closed the connection; -1 if it did not.
  int peer_gone_ms = -1;

  bool body_is_object() const { return body.is_object(); }
  std::string header(const char* name) const { return req.get_header_value(name); }
  std::string query_value(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

// Process-wide counter behind chatcmpl-fake<N>, msg_fake<N>, fake<N>.
std::uint64_t next_seq();

void send_json(httplib::Response& res, int status, const std::string& body,
               const char* content_type = "application/json");

// Query parameters of the request target (first value wins).
std::map<std::string, std::string> parse_query(const std::string& target);

// Writes the log entry for GET /_fake/requests.
void record_exchange(Exchange& ex);

}  // namespace fake
