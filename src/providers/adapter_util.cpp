#include "providers/adapter_util.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "api/json_codec.hpp"
#include "providers/provider.hpp"

namespace gw::providers {

[[gnu::noinline]] std::mt19937_64& thread_rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::string random_alnum(size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  auto& rng = thread_rng();
  std::string s(n, '\0');
  for (auto& c : s) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  return s;
}

std::string new_completion_id() {
  return "chatcmpl-" + random_alnum(24);
}
std::string new_tool_call_id() {
  return "call_" + random_alnum(24);
}

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void apply_configured_headers(net::Headers& headers, const config::ProviderConfig& p) {
  for (const auto& h : p.headers) {
    std::erase_if(headers, [&](const auto& have) { return net::iequals(have.first, h.first); });
    headers.push_back(h);
  }
}

std::string percent_encode_segment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || c == '+' || c == '=') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string mask_secrets(std::string message, const config::ProviderConfig& p) {
  // Shorter values are no secret worth the name, and masking them would garble the text.
  constexpr size_t kMinSecret = 4;
  std::vector<std::string_view> secrets;
  auto add = [&](std::string_view v) {
    if (v.size() >= kMinSecret) secrets.push_back(v);
  };
  add(p.api_key);
  for (const auto& [name, value] : p.headers) {
    std::string_view v = value;
    add(v);
    if (auto sp = v.rfind(' '); sp != std::string_view::npos) add(v.substr(sp + 1));  // "Bearer x"
  }
  // Longest first, so a secret holding another is masked whole.
  std::ranges::sort(secrets, [](auto a, auto b) { return a.size() > b.size(); });
  for (auto secret : secrets) {
    for (size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 3))
      message.replace(at, secret.size(), "***");
  }
  return message;
}

api::Json parse_upstream_json(std::string_view text) {
  return api::parse_json_bounded(text);
}

Result<api::Json> tool_arguments_object(std::string_view arguments, const std::string& param) {
  api::Json args = api::parse_json_bounded(arguments);
  if (args.is_discarded() &&
      api::json_depth(arguments, api::kMaxJsonNesting) > api::kMaxJsonNesting)
    return fail(Error::bad_request("Invalid '" + param + "': JSON nested deeper than " +
                                       std::to_string(api::kMaxJsonNesting) + " levels.",
                                   param, "invalid_value"));
  if (!args.is_object()) return api::Json::object();
  return args;
}

bool read_token_count(const api::Json& usage, std::string_view key, std::optional<int64_t>& out) {
  if (!usage.is_object()) return true;
  auto it = usage.find(key);
  if (it == usage.end() || it->is_null()) return true;
  auto v = api::as_int<int64_t>(*it);  // a whole number that fits, floats included
  if (!v || *v < 0 || *v > kMaxTokenCount) return false;
  out = *v;
  return true;
}

std::optional<api::Usage> plausible_usage(const api::Usage& u) {
  for (int64_t v : {u.prompt_tokens, u.completion_tokens, u.total_tokens, u.cached_tokens,
                    u.cache_write_tokens, u.reasoning_tokens})
    if (v < 0 || v > kMaxTokenCount) return std::nullopt;
  return u;
}

UpstreamFailure failure_for_status(int status) {
  switch (status) {
    case 400:
    case 409:
    case 422:
      return UpstreamFailure::invalid_request;
    case 401:
      return UpstreamFailure::auth;
    case 402:
      return UpstreamFailure::quota;
    case 403:
      return UpstreamFailure::permission;
    case 404:
      return UpstreamFailure::not_found;
    case 408:
    case 504:
      return UpstreamFailure::timeout;
    case 413:
      return UpstreamFailure::too_large;
    case 429:
      return UpstreamFailure::rate_limit;
    case 503:
    case 529:
      return UpstreamFailure::overloaded;
    default:
      return status >= 400 && status < 500 ? UpstreamFailure::invalid_request
                                           : UpstreamFailure::server;
  }
}

Error upstream_error(UpstreamFailure kind, std::string_view provider, std::string_view message,
                     int retry_after_ms) {
  Error e;
  e.message = std::string(provider) + ": " + std::string(message);
  e.retry_after_ms = retry_after_ms;
  switch (kind) {
    case UpstreamFailure::invalid_request:
      e.status = 400;
      e.type = "invalid_request_error";
      break;
    case UpstreamFailure::auth:
      e.status = 502;
      e.type = "upstream_auth_error";
      e.code = "upstream_auth_error";
      break;
    case UpstreamFailure::permission:
      e.status = 403;
      e.type = "permission_error";
      break;
    case UpstreamFailure::not_found:
      e.status = 404;
      e.type = "invalid_request_error";
      e.code = "model_not_found";
      break;
    case UpstreamFailure::too_large:
      e.status = 413;
      e.type = "invalid_request_error";
      e.code = "request_too_large";
      break;
    case UpstreamFailure::rate_limit:
      e.status = 429;
      e.type = "rate_limit_error";
      e.code = "rate_limit_exceeded";
      break;
    case UpstreamFailure::quota:
      e.status = 429;
      e.type = "insufficient_quota";
      e.code = "insufficient_quota";
      break;
    case UpstreamFailure::server:
      e.status = 502;
      e.type = "server_error";
      break;
    case UpstreamFailure::overloaded:
      e.status = 503;
      e.type = "server_error";
      e.code = "overloaded";
      break;
    case UpstreamFailure::timeout:
      e.status = 504;
      e.type = "server_error";
      e.code = "timeout";
      break;
  }
  return e;
}

Error truncated_stream_error(std::string_view provider) {
  (void)provider;  // the message is fixed (docs/PROTOCOLS.md §7.6) so clients can match on it
  return Error::upstream(502, "upstream stream ended early", "upstream_stream_truncated");
}

Result<void> refuse_lossy_params(const api::ChatRequest& req, bool drop, std::string_view vendor) {
  if (drop) return {};
  auto no = [&](const char* param, const std::string& what) -> Result<void> {
    return fail(Error::bad_request(what + " is not supported by " + std::string(vendor) +
                                       " models (set drop_params to ignore it).",
                                   param, "unsupported_parameter"));
  };
  if (req.n && *req.n > 1) return no("n", "'n' greater than 1");
  if (req.logprobs && *req.logprobs) return no("logprobs", "'logprobs'");
  if (req.top_logprobs && *req.top_logprobs > 0) return no("top_logprobs", "'top_logprobs'");
  if (auto it = req.extra.find("logit_bias");
      it != req.extra.end() && !it->is_null() && !(it->is_object() && it->empty()))
    return no("logit_bias", "'logit_bias'");
  if (auto it = req.extra.find("modalities"); it != req.extra.end() && it->is_array())
    for (const auto& m : *it)
      if (m == "audio") return no("modalities", "Audio output");
  if (auto it = req.extra.find("prediction"); it != req.extra.end() && !it->is_null())
    return no("prediction", "'prediction'");
  return {};
}

}  // namespace gw::providers
