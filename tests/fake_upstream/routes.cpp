#include "routes.hpp"

#include <string>
#include <string_view>

#include "clouds.hpp"
#include "dialects.hpp"
#include "embeddings.hpp"
#include "faults.hpp"
#include "recorder.hpp"
#include "text_util.hpp"

namespace fake {

namespace {

using nlohmann::json;

std::string dialect_of_path(std::string_view path, const httplib::Request& req) {
  if (path.starts_with("/v1beta/") || path == "/v1beta") return "gemini";
  if (path.starts_with("/v1/messages")) return "anthropic";
  if (path.starts_with("/v1/models") &&
      (req.has_header("anthropic-version") || req.has_header("x-api-key")))
    return "anthropic";
  if (path.starts_with("/v1/")) return "openai";
  return "unknown";
}

Exchange make_exchange(const httplib::Request& req, httplib::Response& res) {
  Exchange ex{req,     res,        dialect_of_path(req.path, req), json(), "", {},
              nullptr, next_seq(), parse_query(req.target),        -1};
  if (!req.body.empty())
    ex.body = json::parse(req.body, nullptr, false);
  else
    ex.body = json(json::value_t::discarded);
  return ex;
}

void not_found(Exchange& ex) {
  const std::string what = ex.req.method + " " + ex.req.path;
  if (ex.dialect == "gemini") {
    gemini_error(ex, 404, "Method not found: " + what);
  } else if (ex.dialect == "anthropic") {
    anthropic_error(ex, 404, "not_found_error", "Not found: " + what);
  } else {
    openai_error(ex, 404, "Invalid URL (" + what + ")", "invalid_request_error", nullptr, nullptr);
  }
}

// "/v1beta/models/<model>:<method>" with an optional extra "models/" before the model.
void gemini_post(Exchange& ex) {
  std::string_view rest = ex.req.path;
  rest.remove_prefix(std::string_view("/v1beta/").size());
  if (rest.starts_with("models/")) rest.remove_prefix(7);
  if (rest.starts_with("models/")) rest.remove_prefix(7);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return not_found(ex);
  ex.model = std::string(rest.substr(0, colon));
  std::string_view method = rest.substr(colon + 1);
  if (method == "generateContent") return gemini_generate(ex, false);
  if (method == "streamGenerateContent") return gemini_generate(ex, true);
  if (method == "batchEmbedContents") return gemini_embed(ex, true);
  if (method == "embedContent") return gemini_embed(ex, false);
  not_found(ex);
}

// A field of an unexpected JSON type deep in a request makes nlohmann throw; the real APIs
// answer such requests with a 400, so the fake does too (and still records them).
void bad_type(Exchange& ex, const std::exception& e) {
  const std::string msg = std::string("Invalid request: ") + e.what();
  if (ex.dialect == "gemini") {
    gemini_error(ex, 400, "Invalid JSON payload received. " + msg);
  } else if (ex.dialect == "anthropic") {
    anthropic_error(ex, 400, "invalid_request_error", msg);
  } else {
    openai_error(ex, 400, msg, "invalid_request_error", nullptr, nullptr);
  }
}

void handle_post(const httplib::Request& req, httplib::Response& res) {
  Exchange ex = make_exchange(req, res);
  const std::string& path = req.path;
  try {
    if (path == "/v1/chat/completions") {
      openai_chat(ex);
    } else if (path == "/v1/embeddings") {
      openai_embeddings(ex);
    } else if (path == "/v1/messages") {
      anthropic_messages(ex);
    } else if (path == "/v1/messages/count_tokens") {
      anthropic_count_tokens(ex);
    } else if (path.starts_with("/v1beta/")) {
      gemini_post(ex);
    } else if (path.starts_with("/v1/projects/")) {
      vertex_post(ex);
    } else if (path.starts_with("/openai/")) {
      azure_post(ex);
    } else if (path.starts_with("/model/")) {
      bedrock_post(ex);
    } else if (path == "/oauth2/token") {
      google_token(ex);
    } else {
      not_found(ex);
    }
  } catch (const nlohmann::json::exception& e) {
    bad_type(ex, e);
  }
  apply_body_faults(ex);
  record_exchange(ex);
}

void handle_get(const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  if (path == "/_fake/health") return send_json(res, 200, R"({"ok":true})");
  if (path == "/_fake/requests") return send_json(res, 200, dump(recorder().list()));

  Exchange ex = make_exchange(req, res);
  if (path == "/v1/models" || path.starts_with("/v1/models/")) {
    if (ex.dialect == "anthropic")
      anthropic_models(ex);
    else
      openai_models(ex);
  } else if (path == "/v1beta/models") {
    gemini_models(ex, "");
  } else if (path.starts_with("/v1beta/models/")) {
    gemini_models(ex, std::string_view(path).substr(std::string_view("/v1beta/models/").size()));
  } else {
    not_found(ex);
  }
  record_exchange(ex);
}

void handle_delete(const httplib::Request& req, httplib::Response& res) {
  if (req.path == "/_fake/requests") {
    recorder().clear();
    return send_json(res, 200, R"({"ok":true})");
  }
  Exchange ex = make_exchange(req, res);
  not_found(ex);
  record_exchange(ex);
}

}  // namespace

void install_routes(httplib::Server& server) {
  server.Get(".*", handle_get);
  server.Post(".*", handle_post);
  server.Delete(".*", handle_delete);
}

}  // namespace fake
