// OpenAI Chat Completions and every OpenAI-compatible server (vLLM, Ollama, Groq, DeepSeek).
// The canonical schema is this dialect, so translation is mostly a pass-through; the work is
// forcing usage on for streams and mapping errors.
#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/embeddings.hpp"
#include "providers/openai_read.hpp"
#include "providers/provider.hpp"

namespace gw::providers {
namespace {

using api::Json;

Error error_from_openai_body(int status, const Json& body, std::string_view provider,
                             int retry_ms) {
  std::string message = "upstream returned HTTP " + std::to_string(status);
  std::string code, param, type;
  if (body.is_object()) {
    if (auto e = body.find("error"); e != body.end() && e->is_object()) {
      if (auto m = e->find("message"); m != e->end() && m->is_string()) message = *m;
      if (auto c = e->find("code"); c != e->end() && c->is_string()) code = *c;
      if (auto p = e->find("param"); p != e->end() && p->is_string()) param = *p;
      if (auto t = e->find("type"); t != e->end() && t->is_string()) type = *t;
    } else if (auto m = body.find("message"); m != body.end() && m->is_string()) {
      message = *m;
    }
  }
  UpstreamFailure kind = failure_for_status(status);
  if (status == 429 && (code == "insufficient_quota" || type == "insufficient_quota"))
    kind = UpstreamFailure::quota;
  Error err = upstream_error(kind, provider, message, retry_ms);
  // Client-side mistakes keep OpenAI's own code and param: the caller can act on them.
  if (kind == UpstreamFailure::invalid_request || kind == UpstreamFailure::not_found) {
    if (!code.empty()) err.code = code;
    err.param = param;
  }
  return err;
}

// The usage counts usage_from_openai reads, checked before it reads them (it narrows any
// number to int64_t; a float beyond that range is undefined behaviour there).
bool usage_counts_readable(const Json& usage) {
  std::optional<int64_t> v;
  auto details = [&](const char* obj, const char* key) {
    auto d = usage.find(obj);
    return d == usage.end() || read_token_count(*d, key, v);
  };
  return !usage.is_object() || (read_token_count(usage, "prompt_tokens", v) &&
                                read_token_count(usage, "completion_tokens", v) &&
                                read_token_count(usage, "total_tokens", v) &&
                                details("prompt_tokens_details", "cached_tokens") &&
                                details("completion_tokens_details", "reasoning_tokens"));
}

// Clears an unbelievable `usage` of a parsed answer or chunk; true when it did.
template <class T>
bool drop_absurd_usage(T& answer) {
  if (!answer.usage || plausible_usage(*answer.usage)) return false;
  answer.usage.reset();
  return true;
}

// Same for the DOM before it is read: true when `j.usage` was unreadable and is now null.
bool drop_unreadable_usage(Json& j) {
  if (!j.is_object()) return false;
  auto u = j.find("usage");
  if (u == j.end() || usage_counts_readable(*u)) return false;
  *u = nullptr;
  return true;
}

class OpenAIStreamDecoder final : public StreamDecoder {
 public:
  explicit OpenAIStreamDecoder(std::string provider) : provider_(std::move(provider)) {}

  Result<void> on_event(const net::SseEvent& ev, api::ChunkList& out) override {
    if (ev.data == "[DONE]") {
      done_ = true;
      return {};
    }
    bool usage_dropped = false;
    if (!read_openai_chunk(ev.data, out.next())) {  // read into a recycled slot: no allocation
      out.pop_back();  // errors and unusual shapes: the nlohmann path words them
      Json j = parse_upstream_json(ev.data);
      if (j.is_discarded())
        return fail(Error::upstream(502, provider_ + ": upstream sent a malformed stream event",
                                    "bad_upstream_response"));
      if (auto e = j.find("error"); e != j.end() && !e->is_null())
        return fail(error_from_openai_body(500, j, provider_, -1));
      usage_dropped = drop_unreadable_usage(j);
      auto parsed = api::chat_chunk_from_json(j);
      if (!parsed) return fail(parsed.error());
      out.push_back(std::move(*parsed));
    }
    api::ChatChunk& c = out.back();
    usage_dropped = drop_absurd_usage(c) || usage_dropped;
    usage_bad_ = usage_bad_ || usage_dropped;
    bool useful = c.usage.has_value();
    for (auto& ch : c.choices) {
      if (!ch.finish_reason.empty()) finish_reason_ = ch.finish_reason;
      if (ch.role || !ch.finish_reason.empty() || !ch.tool_calls.empty() || ch.refusal ||
          (ch.content && !ch.content->empty()))
        useful = true;
    }
    if (c.usage) {
      usage_ = c.usage;
      // The usage chunk (no choices), or usage after the finish: the final count. Servers
      // that report usage on every chunk give running totals before that.
      usage_final_ = c.choices.empty() || !finish_reason_.empty();
    }
    if (!useful)  // empty deltas are not forwarded
      out.pop_back();
    else if (!usage_dropped)  // else the raw text still holds the dropped numbers
      c.raw.assign(ev.data);
    return {};
  }

  Result<void> on_end(api::ChunkList&) override {
    if (!done_) return fail(truncated_stream_error(provider_));
    return {};
  }
  bool done() const override { return done_; }
  std::optional<api::Usage> usage() const override {
    if (usage_bad_) return std::nullopt;  // one absurd report discredits the rest
    return usage_;
  }
  bool usage_final() const override { return usage_final_ && !usage_bad_; }
  std::string finish_reason() const override { return finish_reason_; }

 private:
  std::string provider_;
  bool done_ = false;
  bool usage_final_ = false, usage_bad_ = false;
  std::optional<api::Usage> usage_;
  std::string finish_reason_;
};

class OpenAIAdapter final : public Adapter {
 public:
  Result<UpstreamCall> build_request(const api::ChatRequest& req, const Target& t,
                                     bool stream) const override {
    UpstreamCall call;
    call.path = "/chat/completions";
    // A stream always asks for usage so the ledger is exact; the gateway hides the usage
    // chunk from clients that did not ask for it.
    call.body = api::serialize_upstream(req, t.model, stream);
    call.headers.emplace_back("Content-Type", "application/json");
    if (stream) call.headers.emplace_back("Accept", "text/event-stream");
    if (!t.provider->api_key.empty())
      call.headers.emplace_back("Authorization", "Bearer " + t.provider->api_key);
    apply_configured_headers(call.headers, *t.provider);
    return call;
  }

  Result<api::ChatResponse> parse_response(std::string_view body, const Target& t) const override {
    if (auto fast = read_openai_response(body)) {
      // Already the client's wire format: forwarded as is, unless its usage is unbelievable.
      if (!drop_absurd_usage(*fast)) fast->raw.assign(body);
      return std::move(*fast);
    }
    Json j = parse_upstream_json(body);
    if (j.is_discarded())
      return fail(Error::upstream(502, t.provider->name + ": upstream sent invalid JSON",
                                  "bad_upstream_response"));
    bool usage_dropped = drop_unreadable_usage(j);
    auto r = api::chat_response_from_json(j);
    if (!r) {
      r.error().message = t.provider->name + ": " + r.error().message;
      return r;
    }
    // Already the client's wire format: forwarded as is, unless its usage was unbelievable.
    if (!drop_absurd_usage(*r) && !usage_dropped) r->raw.assign(body);
    return r;
  }

  Error parse_error(int status, std::string_view body, const net::Headers& headers,
                    const Target& t) const override {
    Json j = parse_upstream_json(body);
    Error e = error_from_openai_body(status, j, t.provider->name, net::retry_after_ms(headers));
    e.message = mask_secrets(std::move(e.message), *t.provider);
    return e;
  }

  std::unique_ptr<StreamDecoder> make_stream_decoder(const api::ChatRequest&,
                                                     const Target& t) const override {
    return std::make_unique<OpenAIStreamDecoder>(t.provider->name);
  }

  Result<UpstreamCall> build_embedding_request(const api::EmbeddingRequest& req,
                                               const Target& t) const override {
    return openai::build_embedding_request(req, t);
  }
  Result<api::EmbeddingResponse> parse_embedding_response(std::string_view body,
                                                          const api::EmbeddingRequest& req,
                                                          const Target& t) const override {
    return openai::parse_embedding_response(body, req, t);
  }
};

}  // namespace

std::unique_ptr<Adapter> make_openai_adapter() {
  return std::make_unique<OpenAIAdapter>();
}

}  // namespace gw::providers
