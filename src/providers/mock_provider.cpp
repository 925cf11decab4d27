// The built-in offline provider (docs/PROTOCOLS.md §4.5): deterministic answers, streams, usage,
// and simulated faults, so every feature can be tried and tested with no network and no key.
//   mock/echo        the last user message back (also any unknown model name)
//   mock/lorem       N words of lorem ipsum (N = max_tokens, default 50)
//   mock/fail-429    a rate-limit error (retry-after 1 s); mock/fail-500 a server error
//   mock/slow-<ms>   waits <ms> before answering like echo
// Embeddings (any of these names): one vector per input, kMockDimensions long unless the
// request asks `dimensions`; value k of an input is ((h(input, k) mod 2001) - 1000) / 1024,
// h an FNV-1a hash of the input's text (or token ids) and k: the same input, the same vector.
// Usage: gw's token estimate of the input. The fail- and slow- names behave as for chat.
#include "providers/mock_provider.hpp"

#include <algorithm>
#include <charconv>
#include <thread>

#include "net/io.hpp"
#include "providers/adapter_util.hpp"
#include "providers/embeddings.hpp"
#include "providers/tokens.hpp"

namespace gw::providers {
namespace {

constexpr std::string_view kLorem[] = {
    "lorem",  "ipsum", "dolor",   "sit",    "amet",       "consectetur", "adipiscing", "elit",
    "sed",    "do",    "eiusmod", "tempor", "incididunt", "ut",          "labore",     "et",
    "dolore", "magna", "aliqua",  "ut",     "enim",       "ad",          "minim",      "veniam"};

std::string last_user_text(const api::ChatRequest& req) {
  for (auto it = req.messages.rbegin(); it != req.messages.rend(); ++it)
    if (it->role == "user") return it->all_text();
  return {};
}

// Splits text into word-sized pieces that keep their leading space, so joined chunks equal
// the whole answer byte for byte.
std::vector<std::string> pieces_of(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i + 1);
    if (j == std::string::npos) j = text.size();
    out.push_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

int64_t count_words(const std::string& s) {
  int64_t n = 0;
  bool in = false;
  for (char c : s) {
    bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!ws && !in) ++n;
    in = !ws;
  }
  return n;
}

struct Plan {
  std::string text;
  int delay_ms = 0;
  std::optional<Error> error;
};

// The simulated failure of a fail- model, if this is one.
std::optional<Error> fault_of(const std::string& m) {
  if (!m.starts_with("fail-")) return std::nullopt;
  int code = 500;
  std::from_chars(m.data() + 5, m.data() + m.size(), code);
  if (code == 429)
    return upstream_error(UpstreamFailure::rate_limit, "mock",
                          "simulated rate limit (mock/fail-429)", 1000);
  return upstream_error(failure_for_status(code), "mock",
                        "simulated upstream failure (mock/" + m + ")");
}

int delay_of(const std::string& m) {
  int ms = 0;
  if (m.starts_with("slow-")) std::from_chars(m.data() + 5, m.data() + m.size(), ms);
  return std::clamp(ms, 0, 600000);
}

constexpr int64_t kMockDimensions = 16, kMockMaxDimensions = 4096;

std::vector<double> mock_vector(std::string_view bytes, int64_t dims) {
  std::vector<double> v(static_cast<size_t>(dims));
  for (int64_t k = 0; k < dims; ++k) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the input, then k
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    for (int b = 0; b < 8; ++b)
      h = (h ^ ((static_cast<uint64_t>(k) >> (8 * b)) & 0xff)) * 1099511628211ull;
    v[static_cast<size_t>(k)] = static_cast<double>(static_cast<int64_t>(h % 2001) - 1000) / 1024.0;
  }
  return v;
}

Result<Plan> plan_for(const api::ChatRequest& req, const Target& t) {
  Plan p;
  const std::string& m = t.model;
  if (m.starts_with("fail-")) {
    int code = 500;
    std::from_chars(m.data() + 5, m.data() + m.size(), code);
    if (code == 429)
      return fail(upstream_error(UpstreamFailure::rate_limit, "mock",
                                 "simulated rate limit (mock/fail-429)", 1000));
    return fail(upstream_error(failure_for_status(code), "mock",
                               "simulated upstream failure (mock/" + m + ")"));
  }
  if (m.starts_with("slow-")) {
    std::from_chars(m.data() + 5, m.data() + m.size(), p.delay_ms);
    if (p.delay_ms > 600000) p.delay_ms = 600000;
  }
  if (m == "lorem" || m.starts_with("lorem-")) {
    int64_t n = req.output_limit().value_or(50);
    if (m.starts_with("lorem-")) std::from_chars(m.data() + 6, m.data() + m.size(), n);
    n = std::clamp<int64_t>(n, 1, 100000);
    for (int64_t i = 0; i < n; ++i) {
      if (i) p.text += ' ';
      p.text += kLorem[i % std::size(kLorem)];
    }
  } else {
    p.text = last_user_text(req);
  }
  return p;
}

api::Usage usage_for(const api::ChatRequest& req, const std::string& text) {
  api::Usage u;
  u.prompt_tokens = estimate_prompt_tokens(req);
  u.completion_tokens = count_words(text);
  u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return u;
}

}  // namespace

Result<api::ChatResponse> MockProvider::complete(const api::ChatRequest& req, const Target& t,
                                                 CallStats& stats) {
  auto plan = plan_for(req, t);
  if (!plan) return fail(plan.error());
  if (plan->delay_ms) net::sleep_for(std::chrono::milliseconds(plan->delay_ms));
  stats.ttft_ms = plan->delay_ms;
  api::ChatResponse r;
  r.id = new_completion_id();
  r.created = unix_now();
  r.model = t.model;
  api::Choice c;
  c.message = api::Message::plain("assistant", plan->text);
  c.finish_reason = "stop";
  r.choices.push_back(std::move(c));
  r.usage = usage_for(req, plan->text);
  return r;
}

Result<StreamResult> MockProvider::stream(const api::ChatRequest& req, const Target& t,
                                          const ChunkSink& sink, CallStats& stats) {
  auto plan = plan_for(req, t);
  if (!plan) return fail(plan.error());
  if (plan->delay_ms) net::sleep_for(std::chrono::milliseconds(plan->delay_ms));
  stats.ttft_ms = plan->delay_ms;
  api::ChatChunk base;
  base.id = new_completion_id();
  base.created = unix_now();
  base.model = t.model;
  auto emit = [&](auto&& fill) {
    api::ChatChunk c = base;
    c.choices.emplace_back();
    fill(c);
    return sink(c);
  };
  StreamResult result;
  result.usage = usage_for(req, plan->text);
  if (!emit([](api::ChatChunk& c) {
        c.choices[0].role = "assistant";
        c.choices[0].content = "";
      }))
    return result.cancelled = true, result;
  for (auto& piece : pieces_of(plan->text))
    if (!emit([&](api::ChatChunk& c) { c.choices[0].content = std::move(piece); }))
      return result.cancelled = true, result;
  if (!emit([](api::ChatChunk& c) { c.choices[0].finish_reason = "stop"; }))
    return result.cancelled = true, result;
  api::ChatChunk usage = base;
  usage.usage = result.usage;
  result.finish_reason = "stop";
  if (!sink(usage)) result.cancelled = true;
  return result;
}

Result<api::EmbeddingResponse> MockProvider::embed(const api::EmbeddingRequest& req,
                                                   const Target& t, CallStats& stats) {
  if (auto e = fault_of(t.model)) return fail(std::move(*e));
  if (int ms = delay_of(t.model)) net::sleep_for(std::chrono::milliseconds(ms));
  stats.ttft_ms = delay_of(t.model);
  const int64_t dims = req.dimensions.value_or(kMockDimensions);
  if (dims > kMockMaxDimensions)
    return fail(
        Error::bad_request("mock: at most " + std::to_string(kMockMaxDimensions) + " dimensions.",
                           "dimensions", "invalid_value"));
  api::EmbeddingResponse r;
  r.model = t.model;
  for (const auto& s : req.texts) r.data.push_back(mock_vector(s, dims));
  for (const auto& ids : req.tokens) {
    std::string bytes;
    for (int64_t id : ids) bytes += std::to_string(id) + ",";
    r.data.push_back(mock_vector(bytes, dims));
  }
  api::Usage u;
  u.prompt_tokens = u.total_tokens = estimate_embedding_tokens(req);
  r.usage = u;
  return r;
}

}  // namespace gw::providers
