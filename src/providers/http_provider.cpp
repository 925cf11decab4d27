// The transport every HTTP provider shares: adapter-built request → pooled upstream
// connection → adapter-parsed answer, with streams decoded event by event as bytes arrive.
// net reports transport failures as values; transport_error words them for clients here.
#include "providers/http_provider.hpp"

#include <algorithm>
#include <chrono>

#include "providers/adapter_util.hpp"
#include "providers/embeddings.hpp"

namespace gw::providers {
namespace {

constexpr size_t kMaxUpstreamBody = 64u << 20;  // a bound on what one answer may buffer

// A rate-limited upstream's own hints go to the client with the 429 (docs/PROTOCOLS.md §8.4).
Error with_rate_limit_headers(Error e, const net::Headers& headers) {
  if (e.status == 429) e.headers = net::rate_limit_headers(headers);
  return e;
}

net::Timeouts timeouts_of(const config::ProviderConfig& p) {
  return {p.connect_timeout_s, p.first_byte_timeout_s, p.timeout_s};
}

// The vendors' public endpoints always need a key; a local OpenAI-compatible server may not.
std::optional<Error> missing_key(const Target& t) {
  const auto& p = *t.provider;
  if (!p.api_key.empty()) return std::nullopt;
  bool public_host = p.base_url.find("api.openai.com") != std::string::npos ||
                     p.base_url.find("api.anthropic.com") != std::string::npos ||
                     p.base_url.find("googleapis.com") != std::string::npos;
  if (!public_host) return std::nullopt;
  std::string how = p.api_key_env.empty() ? "set api_key in the config"
                                          : "set " + p.api_key_env + " or api_key in the config";
  return Error::config(p.name + ": no API key (" + how + ")", 502, "missing_api_key");
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Error transport_error(const net::TransportError& e, std::string_view provider,
                      const net::Url& base) {
  using Kind = net::TransportError::Kind;
  std::string who =
      std::string(provider) + " (" + base.host + ":" + std::to_string(base.port) + ")";
  std::string via = e.proxy.empty() ? std::string() : " through proxy " + e.proxy;
  switch (e.kind) {
    case Kind::invalid_request:
      return Error::internal(e.detail);
    case Kind::connect_failed:
      return Error::upstream(502, "cannot connect to " + who + via + ": " + e.detail,
                             "upstream_connect_error");
    case Kind::connect_timeout:
      return Error::upstream(504, "timed out connecting to " + who + via, "timeout");
    case Kind::tunnel_write_failed:
      return Error::upstream(502, "failed sending CONNECT to " + who + via,
                             "upstream_connect_error");
    case Kind::tls_timeout:
      return Error::upstream(504, "timed out connecting to " + who + " (TLS handshake)", "timeout");
    case Kind::tls_failed:
      return Error::upstream(502, "TLS failure talking to " + who + " (" + e.detail + ")",
                             "upstream_tls_error");
    case Kind::send_failed:
      return Error::upstream(502, "failed sending the request to " + who, "upstream_connect_error");
    case Kind::stalled:
      return Error::upstream(
          504, who + " did not answer in time (nothing within first_byte_timeout_s)", "timeout");
    case Kind::total_timeout:
      return Error::upstream(504, std::string(provider) + ": upstream exceeded timeout_s",
                             "timeout");
    case Kind::closed:
      return Error::upstream(504, who + " did not answer in time (or closed the connection)",
                             "timeout");
    case Kind::bad_response:
      return Error::upstream(502, who + " sent a malformed response: " + e.detail,
                             "bad_upstream_response");
  }
  return Error::internal("unknown transport failure");  // every Kind is handled above
}

HttpProvider::HttpProvider(std::unique_ptr<Adapter> adapter, net::UpstreamPool& pool)
    : adapter_(std::move(adapter)), pool_(pool) {}

Result<net::Url> HttpProvider::base_url(const Target& t) const {
  net::Url url;
  if (!net::parse_url(t.provider->base_url, url))
    return fail(Error::internal("provider '" + t.provider->name + "' has an invalid base_url"));
  return url;
}

// One whole (not streamed) upstream exchange: the 2xx answer's body, else the adapter's
// reading of the error (a rate-limited upstream's own hints kept).
Result<std::string> HttpProvider::exchange(const UpstreamCall& call, const Target& t,
                                           CallStats& stats) {
  auto url = base_url(t);
  if (!url) return fail(url.error());
  auto t0 = std::chrono::steady_clock::now();
  net::UpstreamHead head;
  std::string body;
  bool too_big = false;
  auto sent = pool_.post(
      *url, call.path, call.headers, call.body, timeouts_of(*t.provider),
      [&](const net::UpstreamHead& h) {
        net::keep_error_head(head, h);
        stats.ttft_ms = ms_since(t0);
        stats.upstream_request_id = std::string(net::header_value(h.headers, "x-request-id"));
        if (stats.upstream_request_id.empty())
          stats.upstream_request_id = std::string(net::header_value(h.headers, "request-id"));
      },
      [&](const char* data, size_t len) {
        if (body.size() + len > kMaxUpstreamBody) return !(too_big = true);
        body.append(data, len);
        return true;
      });
  if (!sent) return fail(transport_error(sent.error(), t.provider->name, *url));
  if (too_big)
    return fail(Error::upstream(502, t.provider->name + ": upstream answer exceeds 64 MiB",
                                "bad_upstream_response"));
  if (head.status < 200 || head.status >= 300)
    return fail(with_rate_limit_headers(adapter_->parse_error(head.status, body, head.headers, t),
                                        head.headers));
  return body;
}

Result<api::ChatResponse> HttpProvider::complete(const api::ChatRequest& req, const Target& t,
                                                 CallStats& stats) {
  if (auto e = missing_key(t)) return fail(std::move(*e));
  auto call = adapter_->build_request(req, t, false);
  if (!call) return fail(call.error());
  auto body = exchange(*call, t, stats);
  if (!body) return fail(body.error());
  auto r = adapter_->parse_response(*body, t);
  if (!r)
    r.error().message =
        mask_secrets(std::move(r.error().message), *t.provider);  // it may echo the key
  return r;
}

Result<api::EmbeddingResponse> HttpProvider::embed(const api::EmbeddingRequest& req,
                                                   const Target& t, CallStats& stats) {
  const size_t batch = max_embedding_inputs(t.provider->kind);
  if (batch == 0 || req.count() <= batch) return embed_once(req, t, stats);
  // More inputs than one upstream call takes: consecutive calls, one answer. Any failure
  // fails the whole request (and a retry sends every part again).
  api::EmbeddingResponse all;
  bool counted = true;
  for (size_t at = 0; at < req.count(); at += batch) {
    api::EmbeddingRequest part;
    part.model = req.model;
    part.input_kind = req.input_kind;
    part.encoding_format = req.encoding_format;
    part.dimensions = req.dimensions;
    part.user = req.user;
    part.extra = req.extra;
    auto slice = [&](const auto& from, auto& to) {  // inputs [at, at + batch)
      if (at >= from.size()) return;
      auto first = from.begin() + static_cast<ptrdiff_t>(at);
      to.assign(first, first + static_cast<ptrdiff_t>(std::min(batch, from.size() - at)));
    };
    slice(req.texts, part.texts);
    slice(req.tokens, part.tokens);
    auto r = embed_once(part, t, stats);
    if (!r) return r;
    all.model = std::move(r->model);
    for (auto& v : r->data) all.data.push_back(std::move(v));
    if (r->usage && counted) {
      api::Usage u = all.usage.value_or(api::Usage{});
      u.prompt_tokens += r->usage->prompt_tokens;
      u.total_tokens = u.prompt_tokens;
      all.usage = u;
    } else {
      counted = false;  // one part without a count: the whole is estimated
      all.usage.reset();
    }
  }
  return all;
}

Result<api::EmbeddingResponse> HttpProvider::embed_once(const api::EmbeddingRequest& req,
                                                        const Target& t, CallStats& stats) {
  auto call = adapter_->build_embedding_request(req, t);
  if (!call) return fail(call.error());
  if (auto e = missing_key(t)) return fail(std::move(*e));
  auto body = exchange(*call, t, stats);
  if (!body) return fail(body.error());
  auto r = adapter_->parse_embedding_response(*body, req, t);
  if (!r) r.error().message = mask_secrets(std::move(r.error().message), *t.provider);
  return r;
}

Result<std::optional<int64_t>> HttpProvider::count_tokens(const api::ChatRequest& req,
                                                          const Target& t) {
  auto call = adapter_->count_tokens_request(req, t);
  if (!call) return std::optional<int64_t>();
  if (auto e = missing_key(t)) return fail(std::move(*e));
  auto url = base_url(t);
  if (!url) return fail(url.error());
  net::UpstreamHead head;
  std::string body;
  constexpr size_t kMaxCountBody = 64 * 1024;  // {"input_tokens": N}
  auto sent = pool_.post(
      *url, call->path, call->headers, call->body, timeouts_of(*t.provider),
      [&](const net::UpstreamHead& h) { net::keep_error_head(head, h); },
      [&](const char* data, size_t len) {
        if (body.size() + len > kMaxCountBody) return false;
        body.append(data, len);
        return true;
      });
  if (!sent) return fail(transport_error(sent.error(), t.provider->name, *url));
  if (head.status < 200 || head.status >= 300)
    return fail(adapter_->parse_error(head.status, body, head.headers, t));
  auto n = adapter_->parse_count_tokens(body, t);
  if (!n) return fail(n.error());
  return std::optional<int64_t>(*n);
}

Result<StreamResult> HttpProvider::stream(const api::ChatRequest& req, const Target& t,
                                          const ChunkSink& sink, CallStats& stats) {
  if (auto e = missing_key(t)) return fail(std::move(*e));
  auto call = adapter_->build_request(req, t, true);
  if (!call) return fail(call.error());
  auto url = base_url(t);
  if (!url) return fail(url.error());
  auto decoder = adapter_->make_stream_decoder(req, t);
  net::SseParser parser;
  auto t0 = std::chrono::steady_clock::now();
  net::UpstreamHead head;
  std::string error_body;
  std::optional<Error> stream_error;
  api::ChunkList chunks;
  bool sent_any = false, client_gone = false, decoder_saw_bytes = false;

  auto deliver = [&]() -> bool {
    for (auto& c : chunks) {
      if (!sent_any) stats.ttft_ms = ms_since(t0);
      sent_any = true;
      if (!sink(c)) {
        client_gone = true;
        break;
      }
    }
    chunks.clear();
    return !client_gone;
  };
  auto on_event = [&](const net::SseEvent& ev) {
    if (stream_error || client_gone) return;
    auto r = decoder->on_event(ev, chunks);
    if (!r) stream_error = std::move(r.error());
  };

  auto sent = pool_.post(
      *url, call->path, call->headers, call->body, timeouts_of(*t.provider),
      [&](const net::UpstreamHead& h) { net::keep_error_head(head, h); },
      [&](const char* data, size_t len) {
        if (head.status < 200 || head.status >= 300) {
          if (error_body.size() + len > kMaxUpstreamBody) return false;
          error_body.append(data, len);
          return true;
        }
        decoder_saw_bytes = true;
        parser.feed(std::string_view(data, len), on_event);
        if (parser.overflowed() && !stream_error)  // stop at once: the rest is not read
          stream_error = Error::upstream(502,
                                         t.provider->name + ": upstream stream event exceeds " +
                                             std::to_string(parser.max_bytes() >> 20) + " MiB",
                                         "bad_upstream_response");
        if (!deliver()) return false;
        return !stream_error;
      });

  StreamResult result;
  auto finish_error = [&](Error e) -> Result<StreamResult> {
    e.after_first_byte = sent_any;
    e.message = mask_secrets(std::move(e.message), *t.provider);  // upstream text
    return fail(std::move(e));
  };
  // A stream the client left: its usage counts only once final (an Anthropic message_start
  // says output_tokens 1 with fifty tokens forwarded since); else the gateway estimates.
  auto usage_if_final = [&]() -> std::optional<api::Usage> {
    return decoder->usage_final() ? decoder->usage() : std::nullopt;
  };
  if (!sent) {
    // The connection broke after a 200 and some events: the stream was cut short
    // (docs/PROTOCOLS.md §7.6). A stall past the timeout stays a timeout (504), not a cut.
    if (head.status >= 200 && head.status < 300 && decoder_saw_bytes &&
        !sent.error().deadline_passed())
      return finish_error(truncated_stream_error(t.provider->name));
    return finish_error(transport_error(sent.error(), t.provider->name, *url));
  }
  if (head.status < 200 || head.status >= 300)
    return finish_error(with_rate_limit_headers(
        adapter_->parse_error(head.status, error_body, head.headers, t), head.headers));
  if (client_gone || *sent == net::TransportStatus::cancelled) {
    if (stream_error) return finish_error(*stream_error);
    result.cancelled = true;
    result.usage = usage_if_final();
    return result;
  }
  if (!stream_error) {
    parser.finish(on_event);
    if (!stream_error) {
      auto end = decoder->on_end(chunks);
      if (!end) stream_error = std::move(end.error());
    }
    deliver();
  }
  if (stream_error && stream_error->code == "upstream_stream_truncated" &&
      parser.stray().find("\"error\"") != std::string::npos) {
    // Not a silent cut: the upstream wrote an error object outside any SSE event.
    Error e = adapter_->parse_error(500, parser.stray(), head.headers, t);
    return finish_error(std::move(e));
  }
  if (stream_error) return finish_error(*stream_error);
  result.usage = client_gone ? usage_if_final() : decoder->usage();
  result.finish_reason = decoder->finish_reason();
  result.cancelled = client_gone;
  return result;
}

}  // namespace gw::providers
