// The dialect-neutral part of embeddings (the estimate, the refusal of kinds without them) and
// OpenAI's /embeddings, whose answer is read for its usage only and relayed as it came.
#include "providers/embeddings.hpp"

#include <simdjson.h>

#include "providers/adapter_util.hpp"
#include "providers/tokens.hpp"

namespace gw::providers {

Error embeddings_unsupported(const Target& t) {
  return Error::bad_request(t.provider->name + " (kind " + t.provider->kind +
                                ") has no embeddings API: route embedding models to an "
                                "OpenAI-compatible or a Gemini provider.",
                            "model", "model_not_supported");
}

int64_t estimate_embedding_tokens(const api::EmbeddingRequest& req) {
  int64_t n = 0;
  for (const auto& s : req.texts) n += estimate_text_tokens(s);
  for (const auto& t : req.tokens) n += static_cast<int64_t>(t.size());
  return n;
}

size_t max_embedding_inputs(std::string_view kind) {
  return kind == "gemini" ? gemini::kMaxBatchEmbed : 0;
}

namespace openai {
namespace {

namespace dom = simdjson::dom;

// A count as read_token_count takes it: a whole number in [0, kMaxTokenCount].
bool read_count(dom::object o, std::string_view key, std::optional<int64_t>& out) {
  dom::element e;
  if (o.at_key(key).get(e) || e.is_null()) return true;  // absent: fine
  int64_t v = 0;
  double d = 0;
  if (!e.get_int64().get(v)) {
  } else if (!e.get_double().get(d) && d == static_cast<double>(static_cast<int64_t>(d)) &&
             d >= 0 && d <= static_cast<double>(kMaxTokenCount)) {
    v = static_cast<int64_t>(d);
  } else {
    return false;
  }
  if (v < 0 || v > kMaxTokenCount) return false;
  out = v;
  return true;
}

}  // namespace

Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest& req, const Target& t) {
  UpstreamCall call;
  call.path = "/embeddings";
  call.body = api::serialize_upstream(req, t.model);
  call.headers.emplace_back("Content-Type", "application/json");
  if (!t.provider->api_key.empty())
    call.headers.emplace_back("Authorization", "Bearer " + t.provider->api_key);
  apply_configured_headers(call.headers, *t.provider);
  return call;
}

Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                        const api::EmbeddingRequest& req,
                                                        const Target& t) {
  auto bad = [&](std::string what) {
    return fail(Error::upstream(502, t.provider->name + ": upstream sent " + what,
                                "bad_upstream_response"));
  };
  // One parser per thread, kept warm; simdjson reads megabytes of vectors without building
  // a tree of nodes per number.
  thread_local dom::parser parser(static_cast<size_t>(64) << 20);
  dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return bad("invalid JSON");
  dom::object top;
  dom::array data;
  if (doc.get_object().get(top) || top.at_key("data").get_array().get(data))
    return bad("no embedding list (no 'data' array)");
  if (data.size() != req.count())
    return bad(std::to_string(data.size()) + " embeddings for " + std::to_string(req.count()) +
               " inputs");
  api::EmbeddingResponse r;
  std::string_view model;
  if (!top.at_key("model").get_string().get(model)) r.model.assign(model);
  dom::object usage;
  if (!top.at_key("usage").get_object().get(usage)) {
    std::optional<int64_t> prompt, total;
    if (read_count(usage, "prompt_tokens", prompt) && read_count(usage, "total_tokens", total) &&
        (prompt || total)) {
      api::Usage u;
      u.prompt_tokens = prompt.value_or(*total);
      u.total_tokens = u.prompt_tokens;
      r.usage = u;
    }
  }
  r.raw.assign(body);
  return r;
}

}  // namespace openai
}  // namespace gw::providers
