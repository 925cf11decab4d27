// Bedrock's transport: the Converse body (bedrock_request.cpp) signed with SigV4 for the host
// and path it goes to, sent through the shared upstream pool; answers, errors and
// ConverseStream's event-stream frames read by bedrock_response.cpp and bedrock_stream.cpp.
// The same transport rules as HttpProvider (docs/PROTOCOLS.md §7.6, §8): a bounded body, the
// stream's first chunk as TTFT, a cut stream after a 200 reported as truncated.
#include "providers/bedrock_provider.hpp"

#include <chrono>

#include "api/json_codec.hpp"
#include "net/upstream_conn.hpp"
#include "providers/adapter_util.hpp"
#include "providers/aws_sigv4.hpp"
#include "providers/bedrock_translate.hpp"
#include "providers/http_provider.hpp"

namespace gw::providers {
namespace {

constexpr size_t kMaxUpstreamBody = 64u << 20;    // as HttpProvider: a bound on one answer
constexpr std::string_view kService = "bedrock";  // the SigV4 service of bedrock-runtime

net::Timeouts timeouts_of(const config::ProviderConfig& p) {
  return {p.connect_timeout_s, p.first_byte_timeout_s, p.timeout_s};
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Upstream text reaches clients: besides what mask_secrets knows, the AWS secret key and
// session token must never be echoed back.
std::string masked(std::string message, const config::ProviderConfig& p) {
  message = mask_secrets(std::move(message), p);
  for (const std::string* s : {&p.cloud.secret_access_key, &p.cloud.session_token}) {
    if (s->size() < 4) continue;
    for (size_t at = message.find(*s); at != std::string::npos; at = message.find(*s, at + 3))
      message.replace(at, s->size(), "***");
  }
  return message;
}

Error with_rate_limit_headers(Error e, const net::Headers& headers) {
  if (e.status == 429) e.headers = net::rate_limit_headers(headers);
  return e;
}

Error upstream_failure(int status, std::string_view body, const net::Headers& headers,
                       const config::ProviderConfig& p) {
  Error e = bedrock::error_from_response(status, body, headers, p.name);
  e.message = masked(std::move(e.message), p);
  return with_rate_limit_headers(std::move(e), headers);
}

std::string request_id(const net::Headers& h) {
  return std::string(net::header_value(h, "x-amzn-requestid"));
}

}  // namespace

Result<UpstreamCall> bedrock_call(const api::ChatRequest& req, const Target& t, bool stream,
                                  std::string_view amz_date) {
  const config::ProviderConfig& p = *t.provider;
  const config::CloudConfig& c = p.cloud;
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    return fail(Error::config(p.name + ": no AWS credentials (set " + c.access_key_id_env +
                                  " and " + c.secret_access_key_env + ")",
                              502, "missing_api_key"));
  auto path = bedrock::model_path(t.model, stream);
  if (!path)
    return fail(
        Error::bad_request(p.name + ": invalid model id for Bedrock", "model", "invalid_model"));
  auto body = bedrock::request_body(req, t);
  if (!body) return fail(body.error());
  net::Url base;
  if (!net::parse_url(p.base_url, base))
    return fail(Error::internal("provider '" + p.name + "' has an invalid base_url"));

  UpstreamCall call;
  call.path = std::move(*path);
  call.body = api::dump(*body);
  call.headers.emplace_back("content-type", "application/json");
  call.headers.emplace_back("accept",
                            stream ? "application/vnd.amazon.eventstream" : "application/json");
  // Signed over what goes on the wire: the Host header the pool writes, the base URL's path
  // before ours, the final body.
  const std::string host = net::host_header(base);
  const std::string wire_path = base.path + call.path;
  aws::SigningRequest sr{"POST", host, wire_path, "", {}, call.body};
  sr.headers = call.headers;
  aws::Credentials creds{c.access_key_id, c.secret_access_key, c.session_token};
  for (auto& h : aws::sign_v4(sr, creds, c.region, kService, amz_date))
    call.headers.push_back(std::move(h));
  apply_configured_headers(call.headers, p);  // unsigned: AWS checks only the signed ones
  return call;
}

Result<api::ChatResponse> BedrockProvider::complete(const api::ChatRequest& req, const Target& t,
                                                    CallStats& stats) {
  const config::ProviderConfig& p = *t.provider;
  auto call = bedrock_call(req, t, false, aws::amz_date_now());
  if (!call) return fail(call.error());
  net::Url url;
  if (!net::parse_url(p.base_url, url))
    return fail(Error::internal("provider '" + p.name + "' has an invalid base_url"));
  auto t0 = std::chrono::steady_clock::now();
  net::UpstreamHead head;
  std::string body;
  bool too_big = false;
  auto sent = pool_.post(
      url, call->path, call->headers, call->body, timeouts_of(p),
      [&](const net::UpstreamHead& h) {
        net::keep_error_head(head, h);
        stats.ttft_ms = ms_since(t0);
        stats.upstream_request_id = request_id(h.headers);
      },
      [&](const char* data, size_t len) {
        if (body.size() + len > kMaxUpstreamBody) return !(too_big = true);
        body.append(data, len);
        return true;
      });
  if (!sent) return fail(transport_error(sent.error(), p.name, url));
  if (too_big)
    return fail(
        Error::upstream(502, p.name + ": upstream answer exceeds 64 MiB", "bad_upstream_response"));
  if (head.status < 200 || head.status >= 300)
    return fail(upstream_failure(head.status, body, head.headers, p));
  auto r = bedrock::response_from_body(body, t);
  if (!r) r.error().message = masked(std::move(r.error().message), p);
  return r;
}

Result<StreamResult> BedrockProvider::stream(const api::ChatRequest& req, const Target& t,
                                             const ChunkSink& sink, CallStats& stats) {
  const config::ProviderConfig& p = *t.provider;
  auto call = bedrock_call(req, t, true, aws::amz_date_now());
  if (!call) return fail(call.error());
  net::Url url;
  if (!net::parse_url(p.base_url, url))
    return fail(Error::internal("provider '" + p.name + "' has an invalid base_url"));
  bedrock::StreamTranslator decoder(req, t);
  auto t0 = std::chrono::steady_clock::now();
  net::UpstreamHead head;
  std::string error_body;
  std::optional<Error> stream_error;
  api::ChunkList chunks;
  bool sent_any = false, client_gone = false, saw_bytes = false;

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

  auto sent = pool_.post(
      url, call->path, call->headers, call->body, timeouts_of(p),
      [&](const net::UpstreamHead& h) {
        net::keep_error_head(head, h);
        stats.upstream_request_id = request_id(h.headers);
      },
      [&](const char* data, size_t len) {
        if (head.status < 200 || head.status >= 300) {
          if (error_body.size() + len > kMaxUpstreamBody) return false;
          error_body.append(data, len);
          return true;
        }
        saw_bytes = true;
        if (auto r = decoder.feed(std::string_view(data, len), chunks); !r && !stream_error)
          stream_error = std::move(r.error());
        if (!deliver()) return false;
        return !stream_error;
      });

  auto finish_error = [&](Error e) -> Result<StreamResult> {
    e.after_first_byte = sent_any;
    e.message = masked(std::move(e.message), p);
    return fail(std::move(e));
  };
  auto usage_if_final = [&]() -> std::optional<api::Usage> {
    return decoder.usage_final() ? decoder.usage() : std::nullopt;
  };
  StreamResult result;
  if (!sent) {
    if (head.status >= 200 && head.status < 300 && saw_bytes && !sent.error().deadline_passed())
      return finish_error(stream_error ? *stream_error : truncated_stream_error(p.name));
    return finish_error(transport_error(sent.error(), p.name, url));
  }
  if (head.status < 200 || head.status >= 300)
    return finish_error(upstream_failure(head.status, error_body, head.headers, p));
  if (stream_error) return finish_error(*stream_error);
  if (client_gone || *sent == net::TransportStatus::cancelled) {
    result.cancelled = true;
    result.usage = usage_if_final();
    return result;
  }
  if (auto end = decoder.finish(chunks); !end) {
    deliver();
    return finish_error(end.error());
  }
  deliver();
  result.usage = client_gone ? usage_if_final() : decoder.usage();
  result.finish_reason = decoder.finish_reason();
  result.cancelled = client_gone;
  return result;
}

}  // namespace gw::providers
