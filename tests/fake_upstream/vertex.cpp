// Vertex AI's publisher URLs: Gemini (`publishers/google`, generateContent and
// streamGenerateContent) and Claude (`publishers/anthropic`, rawPredict and streamRawPredict).
// Needs `Authorization: Bearer` with a token google_token issued; Claude bodies must carry
// anthropic_version "vertex-2023-10-16" and no `model`. The answer is the vendor dialect's.
#include <vector>

#include "clouds.hpp"
#include "dialects.hpp"

namespace fake {
namespace {

using nlohmann::json;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

// A copy of the request as the vendor's own API would have received it.
Exchange vendor_exchange(const Exchange& ex, const httplib::Request& req, const char* dialect,
                         json body, std::string model) {
  return Exchange{req, ex.res,  dialect, std::move(body), std::move(model),
                  {},  nullptr, ex.seq,  ex.query,        -1};
}

void take_results(Exchange& ex, Exchange& inner) {
  ex.model = inner.model;
  ex.behavior = inner.behavior;
  ex.usage = std::move(inner.usage);
  ex.peer_gone_ms = inner.peer_gone_ms;
}

void anthropic_on_vertex(Exchange& ex, const std::string& model, bool stream) {
  auto bad = [&](const std::string& msg) {
    anthropic_error(ex, 400, "invalid_request_error", msg);
  };
  if (!ex.body_is_object()) return bad("the body must be a JSON object");
  if (ex.body.value("anthropic_version", "") != "vertex-2023-10-16")
    return bad("anthropic_version: Input should be 'vertex-2023-10-16'");
  if (ex.body.contains("model")) return bad("model: Extra inputs are not permitted");
  if (ex.body.value("stream", false) != stream)
    return bad(stream ? "streamRawPredict needs \"stream\": true"
                      : "rawPredict does not stream; use streamRawPredict");
  json body = ex.body;
  body.erase("anthropic_version");
  body["model"] = model;
  httplib::Request req = ex.req;
  req.body = body.dump();
  req.headers.emplace("x-api-key", "vertex-bearer");
  if (!req.has_header("anthropic-version")) req.headers.emplace("anthropic-version", "2023-06-01");
  Exchange inner = vendor_exchange(ex, req, "anthropic", std::move(body), model);
  anthropic_messages(inner);
  take_results(ex, inner);
}

void gemini_on_vertex(Exchange& ex, const std::string& model, bool stream) {
  httplib::Request req = ex.req;
  req.headers.emplace("x-goog-api-key", "vertex-bearer");
  Exchange inner = vendor_exchange(ex, req, "gemini", ex.body, model);
  gemini_generate(inner, stream);
  take_results(ex, inner);
}

}  // namespace

void vertex_post(Exchange& ex) {
  ex.dialect = "vertex";
  // v1 / projects / P / locations / L / publishers / PUB / models / MODEL:METHOD
  auto seg = split_path(ex.req.path);
  auto colon = seg.size() == 9 ? seg[8].rfind(':') : std::string_view::npos;
  if (seg.size() != 9 || seg[0] != "v1" || seg[1] != "projects" || seg[3] != "locations" ||
      seg[5] != "publishers" || seg[7] != "models" || colon == std::string_view::npos ||
      seg[2].empty() || seg[4].empty())
    return gemini_error(ex, 404, "Vertex: no such resource: " + ex.req.path);
  std::string publisher(seg[6]), model(seg[8].substr(0, colon));
  std::string_view method = seg[8].substr(colon + 1);

  std::string auth = ex.header("Authorization");
  if (!auth.starts_with("Bearer ") || !google_token_valid(auth.substr(7)))
    return gemini_error(ex, 401,
                        "Request had invalid authentication credentials. Expected OAuth 2 "
                        "access token, login cookie or other valid authentication credential.");
  if (ex.req.has_header("x-api-key") || ex.req.has_header("x-goog-api-key"))
    return gemini_error(ex, 400, "Vertex AI takes no vendor API key headers");

  if (publisher == "google" && (method == "generateContent" || method == "streamGenerateContent")) {
    ex.dialect = "vertex-gemini";
    return gemini_on_vertex(ex, model, method == "streamGenerateContent");
  }
  if (publisher == "anthropic" && (method == "rawPredict" || method == "streamRawPredict")) {
    ex.dialect = "vertex-anthropic";
    return anthropic_on_vertex(ex, model, method == "streamRawPredict");
  }
  gemini_error(ex, 404, "Vertex: publisher " + publisher + " has no method " + std::string(method));
}

}  // namespace fake
