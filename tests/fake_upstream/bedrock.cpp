// AWS Bedrock Runtime: POST /model/{modelId}/converse and /model/{modelId}/converse-stream.
// Checks the SigV4 signature the way AWS does (recomputed with gw's own aws_sigv4.cpp over
// the raw request target, the Host header and the body, with the test credentials below), the
// session token of temporary credentials, and the Converse body (bedrock_validate.cpp); answers
// in Converse JSON or in application/vnd.amazon.eventstream frames, with one frame split
// across several writes. Errors carry x-amzn-ErrorType and {"message"}, as AWS's do.
#include <algorithm>
#include <regex>

#include "answer.hpp"
#include "clouds.hpp"
#include "faults.hpp"
#include "providers/aws_eventstream.hpp"
#include "providers/aws_sigv4.hpp"
#include "stream_writer.hpp"
#include "text_util.hpp"

namespace fake {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;
namespace aws = gw::providers::aws;

void add_request_id(Exchange& ex) {
  ex.res.set_header("x-amzn-RequestId", "fake-req-" + std::to_string(ex.seq));
}

// x-amzn-ErrorType as Bedrock sends it: the class, then where it is defined.
void aws_error(Exchange& ex, int status, const std::string& type, const std::string& message) {
  add_request_id(ex);
  ex.res.set_header("x-amzn-ErrorType",
                    type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
  send_json(ex.res, status, ojson{{"message", message}}.dump());
}

std::string secret_of(std::string_view akid) {
  if (akid == kAwsAccessKeyId) return std::string(kAwsSecretKey);
  if (akid == kAwsTempAccessKeyId) return std::string(kAwsTempSecretKey);
  return {};
}

// The raw path of the request line (httplib's req.path is percent-decoded; AWS signs what
// was sent).
std::string raw_path(const httplib::Request& req) {
  return req.target.substr(0, req.target.find('?'));
}

// "" when the signature is AWS's; else the error already sent.
bool check_signature(Exchange& ex) {
  static const std::regex kAuth(
      R"(^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/(\d{8})/([a-z0-9-]+)/bedrock/aws4_request, )"
      R"(SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$)");
  const std::string auth = ex.header("Authorization");
  const std::string date = ex.header("x-amz-date");
  std::smatch m;
  if (auth.empty()) {
    aws_error(ex, 403, "MissingAuthenticationTokenException", "Missing Authentication Token");
    return false;
  }
  if (!std::regex_match(auth, m, kAuth) || date.size() != 16 || date.substr(0, 8) != m[2]) {
    aws_error(ex, 403, "IncompleteSignatureException",
              "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature', and "
              "an x-amz-date of the credential's day.");
    return false;
  }
  const std::string akid = m[1], region = m[3], signed_list = m[4];
  const std::string secret = secret_of(akid);
  if (secret.empty()) {
    aws_error(ex, 403, "UnrecognizedClientException",
              "The security token included in the request is invalid.");
    return false;
  }
  std::string token = ex.header("x-amz-security-token");
  if (akid == kAwsTempAccessKeyId && token != kAwsSessionToken) {
    aws_error(ex, 403, "UnrecognizedClientException",
              "The security token included in the request is invalid.");
    return false;
  }
  // What was signed, from SignedHeaders: host, x-amz-date and the token are sign_v4's own.
  aws::SigningRequest sr;
  sr.method = "POST";
  const std::string host = ex.header("Host"), path = raw_path(ex.req);
  sr.host = host;
  sr.path = path;
  sr.query = "";
  sr.body = ex.req.body;
  for (size_t at = 0; at <= signed_list.size();) {
    size_t semi = signed_list.find(';', at);
    std::string name = signed_list.substr(at, semi == std::string::npos ? semi : semi - at);
    if (name != "host" && name != "x-amz-date" && name != "x-amz-security-token")
      sr.headers.emplace_back(name, ex.header(name.c_str()));
    if (semi == std::string::npos) break;
    at = semi + 1;
  }
  aws::Credentials creds{akid, secret, token};
  std::string want;
  for (const auto& [k, v] : aws::sign_v4(sr, creds, region, "bedrock", date))
    if (k == "authorization") want = v;
  if (want != auth) {
    aws_error(ex, 403, "InvalidSignatureException",
              "The request signature we calculated does not match the signature you provided. "
              "Check your AWS Secret Access Key and signing method.");
    return false;
  }
  return true;
}

void send_failure(Exchange& ex, int status) {
  if (status == 429 || ex.behavior.retry_after >= 0)
    ex.res.set_header("retry-after", std::to_string(std::max(ex.behavior.retry_after, 1)));
  switch (status) {
    case 400:
      return aws_error(ex, 400, "ValidationException", "fake upstream: fail=400");
    case 403:
      return aws_error(ex, 403, "AccessDeniedException",
                       "You don't have access to the model with the specified model ID.");
    case 404:
      return aws_error(ex, 404, "ResourceNotFoundException",
                       "Could not resolve the foundation "
                       "model from the provided model "
                       "identifier.");
    case 429:
      return aws_error(ex, 429, "ThrottlingException",
                       "Too many requests, please wait before trying again.");
    case 503:
      return aws_error(ex, 503, "ServiceUnavailableException",
                       "Bedrock is unable to process "
                       "your request.");
    default:
      return aws_error(ex, status,
                       status >= 500 ? "InternalServerException" : "ValidationException",
                       "fake upstream: fail=" + std::to_string(status));
  }
}

int words_in(const json& blocks) {
  int n = 0;
  if (!blocks.is_array()) return n;
  for (const auto& b : blocks) {
    if (!b.is_object()) continue;
    if (b.contains("text") && b["text"].is_string())
      n += static_cast<int>(count_words(b["text"].get<std::string>()));
    if (auto tr = b.find("toolResult"); tr != b.end() && tr->is_object())
      n += words_in(tr->value("content", json::array()));
  }
  return n;
}

Conversation read_conversation(const json& body) {
  Conversation c;
  c.prompt_words += words_in(body.value("system", json::array()));
  const json& messages = body.at("messages");
  for (const auto& m : messages) c.prompt_words += words_in(m.value("content", json::array()));
  for (auto m = messages.rbegin(); m != messages.rend(); ++m) {
    if (m->value("role", "") != "user") continue;
    std::string text;
    for (const auto& b : m->value("content", json::array()))
      if (b.is_object() && b.contains("text"))
        text += (text.empty() ? "" : " ") + b.value("text", "");
    if (count_words(text) > 0) {
      c.last_user_text = std::move(text);
      break;
    }
  }
  const json tc = body.value("toolConfig", json::object());
  if (auto ch = tc.find("toolChoice"); ch != tc.end() && ch->contains("tool")) {
    c.first_tool = (*ch)["tool"].value("name", "");
    return c;
  }
  for (const auto& t : tc.value("tools", json::array()))
    if (t.contains("toolSpec")) {
      c.first_tool = t["toolSpec"].value("name", "");
      break;
    }
  return c;
}

const char* stop_reason(const Answer& a) {
  switch (a.finish) {
    case Finish::kLength:
      return "max_tokens";
    case Finish::kTool:
      return "tool_use";
    case Finish::kSafety:
      return "content_filtered";
    case Finish::kStop:
      break;
  }
  return "end_turn";
}

// inputTokens is the uncached part: inputTokens + cacheRead + cacheWrite = the prompt.
ojson usage_json(const Answer& a) {
  ojson u = {{"inputTokens", a.prompt - a.cached - a.cache_creation},
             {"outputTokens", a.completion},
             {"totalTokens", a.prompt + a.completion}};
  if (a.cached || a.cache_creation) {
    u["cacheReadInputTokens"] = a.cached;
    u["cacheWriteInputTokens"] = a.cache_creation;
  }
  return u;
}

std::string tool_id(const Exchange& ex) {
  return "tooluse_fake" + std::to_string(ex.seq);
}

constexpr const char* kThought = "Let me think about that.";

void respond_json(Exchange& ex, const Answer& a) {
  if (ex.behavior.malformed) {
    send_json(ex.res, 200, R"({"output":{"message":{"role":"assistant","content":[{"text":"Hel)");
    return;
  }
  ojson content = ojson::array();
  if (ex.behavior.think)
    content.push_back({{"reasoningContent",
                        {{"reasoningText", {{"text", kThought}, {"signature", "sig-fake"}}}}}});
  if (!a.text.empty()) content.push_back({{"text", a.text}});
  if (a.tool)
    content.push_back({{"toolUse",
                        {{"toolUseId", tool_id(ex)},
                         {"name", a.tool_name},
                         {"input", ojson::parse(kToolArgs)}}}});
  ojson body = {{"output", {{"message", {{"role", "assistant"}, {"content", std::move(content)}}}}},
                {"stopReason", stop_reason(a)},
                {"metrics", {{"latencyMs", 42}}}};
  if (!ex.behavior.nousage) {
    ojson usage = usage_json(a);
    ex.usage = json(usage);
    body["usage"] = std::move(usage);
  }
  send_json(ex.res, 200, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string frame(std::string_view type, const ojson& payload) {
  return aws::encode_event_message({{":event-type", std::string(type)},
                                    {":content-type", "application/json"},
                                    {":message-type", "event"}},
                                   payload.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string exception_frame(std::string_view type, std::string_view message) {
  return aws::encode_event_message({{":exception-type", std::string(type)},
                                    {":content-type", "application/json"},
                                    {":message-type", "exception"}},
                                   ojson{{"message", message}}.dump());
}

void respond_stream(Exchange& ex, const Answer& a, bool throttled) {
  const Behavior& b = ex.behavior;
  StreamPlan plan;
  plan.pace_ms = b.pace_ms;
  plan.split = b.split;
  plan.cut = b.cut;
  plan.eof = b.eof;
  auto& ev = plan.events;
  auto event = [&](std::string_view type, const ojson& payload, bool content = false,
                   bool end = false) {
    ev.push_back({frame(type, payload), content, end});
  };
  if (throttled) {  // fail=429 on ConverseStream: the 200 is followed by the exception alone
    ev.push_back({exception_frame("throttlingException",
                                  "Too many requests, please wait before trying again."),
                  false, false});
    send_stream(ex.res, "application/vnd.amazon.eventstream", std::move(plan));
    return;
  }
  // messageStart in three writes: gw must put a frame back together.
  const std::string start = frame("messageStart", {{"role", "assistant"}, {"p", "abcdefgh"}});
  ev.push_back({start.substr(0, 5)});
  ev.push_back({start.substr(5, 20)});
  ev.push_back({start.substr(25)});
  int index = 0;
  if (b.think) {
    for (std::string piece : {std::string(kThought).substr(0, 8), std::string(kThought).substr(8)})
      event("contentBlockDelta",
            {{"contentBlockIndex", index}, {"delta", {{"reasoningContent", {{"text", piece}}}}}},
            true);
    event("contentBlockDelta", {{"contentBlockIndex", index},
                                {"delta", {{"reasoningContent", {{"signature", "sig-fake"}}}}}});
    event("contentBlockStop", {{"contentBlockIndex", index++}});
  }
  if (!a.text.empty()) {
    for (const auto& piece : a.chunks)
      event("contentBlockDelta",
            {{"contentBlockIndex", index}, {"delta", {{"text", piece}}}, {"p", "abc"}}, true);
    event("contentBlockStop", {{"contentBlockIndex", index++}});
  }
  if (a.tool) {
    event("contentBlockStart",
          {{"contentBlockIndex", index},
           {"start", {{"toolUse", {{"toolUseId", tool_id(ex)}, {"name", a.tool_name}}}}}});
    for (auto frag : kToolArgFragments)
      event("contentBlockDelta",
            {{"contentBlockIndex", index}, {"delta", {{"toolUse", {{"input", frag}}}}}}, true);
    event("contentBlockStop", {{"contentBlockIndex", index++}});
  }
  event("messageStop", {{"stopReason", stop_reason(a)}}, false, true);
  ojson meta = {{"metrics", {{"latencyMs", 42}}}};
  if (!b.nousage) {
    meta["usage"] = usage_json(a);
    if (!b.cut && !b.eof && !b.malformed && !b.midstream_error) ex.usage = json(meta["usage"]);
  }
  event("metadata", meta);
  if (b.malformed) {
    std::string broken = frame("contentBlockDelta", {{"contentBlockIndex", 0}});
    broken[broken.size() - 1] ^= 0x55;  // the message CRC no longer matches
    truncate_after_first_content(ev, std::move(broken));
  } else if (b.midstream_error) {
    truncate_after_first_content(
        ev, exception_frame("modelStreamErrorException", "The model stream failed."));
  }
  apply_stream_faults(ex, plan);
  send_stream(ex.res, "application/vnd.amazon.eventstream", std::move(plan));
}

}  // namespace

void bedrock_post(Exchange& ex) {
  ex.dialect = "bedrock";
  std::string_view path = ex.req.path;  // decoded: "/model/<id>/converse(-stream)"
  path.remove_prefix(std::string_view("/model/").size());
  auto slash = path.rfind('/');
  std::string_view method = slash == std::string_view::npos ? "" : path.substr(slash + 1);
  if (slash == std::string_view::npos || slash == 0 ||
      (method != "converse" && method != "converse-stream"))
    return aws_error(ex, 404, "UnknownOperationException", "Unknown operation " + ex.req.path);
  ex.model = std::string(path.substr(0, slash));
  const bool stream = method == "converse-stream";
  ex.behavior = parse_behavior(ex.model);
  stall_before_answer(ex);
  add_request_id(ex);
  if (!check_signature(ex)) return;
  if (std::string why = bedrock_validate(ex.body); !why.empty())
    return aws_error(ex, 400, "ValidationException", why);
  const int status = failure_status(ex.behavior, ex.model);
  if (status && !(stream && status == 429)) return send_failure(ex, status);
  Answer a = make_answer(ex.behavior, read_conversation(ex.body), ex.body, "Let me check.");
  if (stream)
    respond_stream(ex, a, status == 429);
  else
    respond_json(ex, a);
}

}  // namespace fake
