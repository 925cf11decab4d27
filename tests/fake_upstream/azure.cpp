// Azure OpenAI: `/openai/deployments/{deployment}/{chat/completions|embeddings}?api-version=`
// (the deployment is the model; api-version required) and the v1 API
// `/openai/v1/{chat/completions|embeddings}` (the body's model is the deployment). Auth by
// `api-key` (or a bearer token). Answers are OpenAI's plus Azure's content-filter annotations:
// `prompt_filter_results` (a stream starts with an event holding only that, choices empty) and
// `choices[i].content_filter_results`. The directive `filter` answers the 400 of a prompt the
// content filter stopped.
#include <memory>

#include "clouds.hpp"
#include "dialects.hpp"
#include "embeddings.hpp"

namespace fake {
namespace {

using nlohmann::json;

void azure_error(Exchange& ex, int status, const std::string& code, const std::string& message) {
  json body = {{"error", {{"code", code}, {"message", message}, {"status", status}}}};
  send_json(ex.res, status, body.dump());
}

json safe_results() {
  json r = json::object();
  for (const char* c : {"hate", "self_harm", "sexual", "violence"})
    r[c] = {{"filtered", false}, {"severity", "safe"}};
  return r;
}

json prompt_filter_results() {
  json r = safe_results();
  r["jailbreak"] = {{"filtered", false}, {"detected", false}};
  return json::array({{{"prompt_index", 0}, {"content_filter_results", r}}});
}

bool has_piece(std::string_view model, std::string_view piece) {
  size_t at = 0;
  while ((at = model.find('+', at)) != std::string_view::npos) {
    ++at;
    auto end = model.find('+', at);
    if (model.substr(at, end == std::string_view::npos ? end : end - at) == piece) return true;
  }
  return false;
}

// Azure's annotations on an OpenAI answer.
void annotate(Exchange& ex) {
  httplib::Response& res = ex.res;
  if (res.status != 200) {
    if (res.status == 429) res.set_header("retry-after-ms", "1000");
    return;
  }
  if (!res.body.empty()) {
    json j = json::parse(res.body, nullptr, false);
    if (!j.is_object() || !j.contains("choices")) return;
    j["prompt_filter_results"] = prompt_filter_results();
    for (auto& c : j["choices"]) c["content_filter_results"] = safe_results();
    res.body = j.dump();
    return;
  }
  if (!res.content_provider_) return;
  json first = {{"choices", json::array()},
                {"created", 0},
                {"id", ""},
                {"model", ""},
                {"object", ""},
                {"prompt_filter_results", prompt_filter_results()}};
  auto prefix = std::make_shared<std::string>("data: " + first.dump() + "\n\n");
  auto inner = res.content_provider_;
  auto sent = std::make_shared<bool>(false);
  res.content_provider_ = [inner, prefix, sent](size_t offset, size_t length,
                                                httplib::DataSink& sink) {
    if (!*sent) {
      *sent = true;
      if (!sink.write(prefix->data(), prefix->size())) return false;
    }
    return inner(offset, length, sink);
  };
}

}  // namespace

void azure_post(Exchange& ex) {
  ex.dialect = "azure";
  constexpr std::string_view kDeployments = "/openai/deployments/", kV1 = "/openai/v1/";
  std::string_view path = ex.req.path;
  std::string model;
  bool embeddings = path.ends_with("/embeddings");
  std::string_view op = embeddings ? "/embeddings" : "/chat/completions";
  if (path.starts_with(kDeployments) && path.ends_with(op) &&
      path.size() > kDeployments.size() + op.size()) {
    model = path.substr(kDeployments.size(), path.size() - kDeployments.size() - op.size());
    if (model.find('/') != std::string::npos)
      return azure_error(ex, 404, "404", "Resource not found");
    if (ex.query_value("api-version").empty())
      return azure_error(ex, 404, "404", "Resource not found (no api-version)");
  } else if (path == std::string(kV1) + std::string(op.substr(1))) {
    if (ex.body_is_object()) model = ex.body.value("model", "");
  } else {
    return azure_error(ex, 404, "404", "Resource not found");
  }
  std::string key = ex.header("api-key");
  std::string auth = ex.header("Authorization");
  if ((key.empty() && !auth.starts_with("Bearer ")) || key == "bad-key" || auth == "Bearer bad-key")
    return azure_error(ex, 401, "401",
                       "Access denied due to invalid subscription key or wrong API endpoint. "
                       "Make sure to provide a valid key for an active subscription and use a "
                       "correct regional API endpoint for your resource.");
  if (!key.empty() && !auth.empty())
    return azure_error(ex, 400, "BadRequest", "send api-key or Authorization, not both");
  ex.model = model;
  if (has_piece(model, "filter")) {
    json body = {{"error",
                  {{"message",
                    "The response was filtered due to the prompt triggering Azure OpenAI's "
                    "content management policy."},
                   {"type", nullptr},
                   {"param", "prompt"},
                   {"code", "content_filter"},
                   {"status", 400},
                   {"innererror",
                    {{"code", "ResponsibleAIPolicyViolation"},
                     {"content_filter_result",
                      {{"hate", {{"filtered", false}, {"severity", "safe"}}},
                       {"jailbreak", {{"filtered", true}, {"detected", true}}},
                       {"violence", {{"filtered", true}, {"severity", "medium"}}}}}}}}}};
    return send_json(ex.res, 400, body.dump());
  }
  json body = ex.body;
  if (body.is_object()) body["model"] = model;  // Azure: the deployment decides
  httplib::Request req = ex.req;
  req.body = body.is_discarded() ? ex.req.body : body.dump();
  if (key.empty()) key = auth.substr(7);
  req.headers.erase("api-key");
  req.headers.erase("Authorization");
  req.headers.emplace("Authorization", "Bearer " + key);
  Exchange inner{req, ex.res, "openai", std::move(body), model, {}, nullptr, ex.seq, ex.query, -1};
  if (embeddings)
    openai_embeddings(inner);
  else
    openai_chat(inner);
  ex.behavior = inner.behavior;
  ex.usage = std::move(inner.usage);
  ex.peer_gone_ms = inner.peer_gone_ms;
  annotate(ex);
}

}  // namespace fake
