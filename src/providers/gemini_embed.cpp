// Gemini embeddings: OpenAI's request as one :batchEmbedContents call (a `requests` entry per
// input, `dimensions` as `outputDimensionality`), and its `embeddings[i].values` back as the
// canonical vectors. The Gemini API counts no tokens: the gateway estimates them.
#include <simdjson.h>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/embeddings.hpp"
#include "providers/gemini_translate.hpp"

namespace gw::providers::gemini {

Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest& req, const Target& t) {
  auto resource = model_resource(t.model);
  if (!resource)
    return fail(Error::bad_request(
        t.provider->name + ": invalid model id (letters, digits and -_.+=, after an optional "
                           "'models/' or 'tunedModels/')",
        "model", "invalid_model"));
  if (req.has_tokens())
    return fail(Error::bad_request(t.provider->name +
                                       ": Gemini embeds text only; send 'input' as a string or "
                                       "an array of strings, not token ids.",
                                   "input", "invalid_value"));
  if (req.texts.size() > kMaxBatchEmbed)
    return fail(Error::bad_request(t.provider->name + ": Gemini embeds at most " +
                                       std::to_string(kMaxBatchEmbed) +
                                       " inputs in one request; send fewer.",
                                   "input", "invalid_value"));
  api::Json requests = api::Json::array();
  for (const auto& text : req.texts) {
    api::Json one = {{"model", *resource},
                     {"content", {{"parts", api::Json::array({{{"text", text}}})}}}};
    if (req.dimensions) one["outputDimensionality"] = *req.dimensions;
    requests.push_back(std::move(one));
  }
  UpstreamCall call;
  call.path = "/v1beta/" + *resource + ":batchEmbedContents";
  call.body = api::dump(api::Json{{"requests", std::move(requests)}});
  call.headers.emplace_back("Content-Type", "application/json");
  if (!t.provider->api_key.empty())
    call.headers.emplace_back("x-goog-api-key", t.provider->api_key);
  apply_configured_headers(call.headers, *t.provider);
  return call;
}

Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                        const api::EmbeddingRequest& req,
                                                        const Target& t) {
  namespace dom = simdjson::dom;
  auto bad = [&](std::string what) {
    return fail(Error::upstream(502, t.provider->name + ": upstream sent " + what,
                                "bad_upstream_response"));
  };
  thread_local dom::parser parser(static_cast<size_t>(64) << 20);
  dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return bad("invalid JSON");
  dom::array list;
  if (doc.at_key("embeddings").get_array().get(list))
    return bad("no embedding list (no 'embeddings' array)");
  if (list.size() != req.count())
    return bad(std::to_string(list.size()) + " embeddings for " + std::to_string(req.count()) +
               " inputs");
  api::EmbeddingResponse r;
  r.model = t.model;
  r.data.reserve(list.size());
  for (dom::element e : list) {
    dom::array values;
    if (e.at_key("values").get_array().get(values)) return bad("an embedding without 'values'");
    std::vector<double> v;
    v.reserve(values.size());
    for (dom::element x : values) {
      double d = 0;
      if (x.get_double().get(d)) {  // get_double() takes integers too
        return bad("an embedding value that is not a number");
      }
      v.push_back(d);
    }
    r.data.push_back(std::move(v));
  }
  return r;
}

}  // namespace gw::providers::gemini
