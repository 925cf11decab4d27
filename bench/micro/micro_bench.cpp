// Hot-path micro-benchmarks (Google Benchmark): SSE parsing, OpenAI request/response/chunk
// codec, OpenAI ⇄ Anthropic and OpenAI ⇄ Gemini translation per request and per chunk, and
// the ledger write on the request path (Meter::on_complete: price + row + enqueue), and what
// auth + limits + budgets cost a request with 10 to 100,000 keys, and the guard's scanner. Built by
// bench/micro/CMakeLists.txt against the layer libraries of build/bench-release; bench/run runs it
// and puts the figures in bench/results/latest.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "api/json_codec.hpp"
#include "gateway/auth.hpp"
#include "gateway/limits.hpp"
#include "gateway/meter.hpp"
#include "net/sse_parser.hpp"
#include "pii/scanner.hpp"
#include "providers/anthropic_translate.hpp"
#include "providers/gemini_translate.hpp"
#include "providers/provider.hpp"
#include "store/ledger.hpp"

namespace {

using gw::api::Json;

// ~1 KB of prose, like the prompt bench/run sends.
std::string prose(size_t bytes) {
  static const char* words[] = {"lorem",       "ipsum",      "dolor",      "sit",   "amet",
                                "consectetur", "adipiscing", "elit",       "sed",   "do",
                                "eiusmod",     "tempor",     "incididunt", "ut",    "labore",
                                "et",          "dolore",     "magna",      "aliqua"};
  std::string s;
  for (size_t i = 0; s.size() < bytes; ++i) {
    if (!s.empty()) s += ' ';
    s += words[(i * 7) % 19];
  }
  return s;
}

const std::string& prompt() {
  static const std::string p = prose(1000);
  return p;
}
const std::string& answer() {
  static const std::string a = prose(1000);
  return a;
}

std::string request_body(bool stream) {
  Json j = {{"model", "fake/bench+words=180"},
            {"messages", Json::array({{{"role", "system"}, {"content", "You are terse."}},
                                      {{"role", "user"}, {"content", prompt()}}})},
            {"max_tokens", 1024},
            {"temperature", 0.2}};
  if (stream) j["stream"] = true;
  return j.dump();
}

gw::api::ChatRequest parsed_request(bool stream = false) {
  auto r = gw::api::parse_chat_request(request_body(stream));
  if (!r) std::abort();
  return *r;
}

gw::config::ProviderConfig provider(const char* name, const char* kind, const char* url) {
  gw::config::ProviderConfig p;
  p.name = name;
  p.kind = kind;
  p.base_url = url;
  p.api_key = "sk-bench";
  return p;
}
const gw::config::ProviderConfig& openai_p() {
  static auto p = provider("openai", "openai", "http://127.0.0.1:1/v1");
  return p;
}
const gw::config::ProviderConfig& anthropic_p() {
  static auto p = provider("anthropic", "anthropic", "http://127.0.0.1:1");
  return p;
}
const gw::config::ProviderConfig& gemini_p() {
  static auto p = provider("gemini", "gemini", "http://127.0.0.1:1");
  return p;
}

// A 50-chunk OpenAI stream of the ~1 KB answer, as the upstream sends it.
std::vector<std::string> answer_pieces(int n) {
  std::vector<std::string> out;
  const std::string& a = answer();
  size_t step = a.size() / static_cast<size_t>(n);
  for (int i = 0; i < n; ++i)
    out.push_back(a.substr(static_cast<size_t>(i) * step, i == n - 1 ? std::string::npos : step));
  return out;
}

std::string openai_chunk_json(const std::string& text) {
  return Json({{"id", "chatcmpl-fake1"},
               {"object", "chat.completion.chunk"},
               {"created", 1700000000},
               {"model", "bench"},
               {"choices",
                Json::array(
                    {{{"index", 0}, {"delta", {{"content", text}}}, {"finish_reason", nullptr}}})}})
      .dump();
}

std::string openai_stream_bytes() {
  std::string s;
  for (const auto& p : answer_pieces(50)) s += "data: " + openai_chunk_json(p) + "\n\n";
  s += "data: [DONE]\n\n";
  return s;
}

// ---- SSE ------------------------------------------------------------------------------

void BM_SseParse_Stream(benchmark::State& state) {
  const std::string bytes = openai_stream_bytes();
  const size_t piece = static_cast<size_t>(state.range(0));  // 0 = whole stream at once
  size_t events = 0;
  for (auto _ : state) {
    gw::net::SseParser p;
    std::string_view v(bytes);
    auto on = [&](const gw::net::SseEvent& e) {
      benchmark::DoNotOptimize(e.data.data());
      ++events;
    };
    if (piece == 0) {
      p.feed(v, on);
    } else {
      for (size_t i = 0; i < v.size(); i += piece) p.feed(v.substr(i, piece), on);
    }
    p.finish(on);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["events/stream"] = static_cast<double>(events) / state.iterations();
}
BENCHMARK(BM_SseParse_Stream)->Arg(0)->Arg(1500)->Arg(16);

// ---- OpenAI (the canonical schema) ----------------------------------------------------

void BM_OpenAI_ParseClientRequest(benchmark::State& state) {
  const std::string body = request_body(false);
  for (auto _ : state) {
    auto r = gw::api::parse_chat_request(body);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_OpenAI_ParseClientRequest);

void BM_OpenAI_BuildUpstreamRequest(benchmark::State& state) {
  auto adapter = gw::providers::make_openai_adapter();
  auto req = parsed_request();
  gw::providers::Target t{&openai_p(), "gpt-4o-mini"};
  for (auto _ : state) {
    auto call = adapter->build_request(req, t, false);
    benchmark::DoNotOptimize(call);
  }
}
BENCHMARK(BM_OpenAI_BuildUpstreamRequest);

std::string openai_response_body() {
  return Json(
             {{"id", "chatcmpl-fake1"},
              {"object", "chat.completion"},
              {"created", 1700000000},
              {"model", "gpt-4o-mini"},
              {"choices", Json::array({{{"index", 0},
                                        {"message", {{"role", "assistant"}, {"content", answer()}}},
                                        {"finish_reason", "stop"}}})},
              {"usage",
               {{"prompt_tokens", 190}, {"completion_tokens", 180}, {"total_tokens", 370}}}})
      .dump();
}

// Upstream JSON → ChatResponse → client JSON: the whole non-stream answer path.
void BM_OpenAI_ResponseRoundTrip(benchmark::State& state) {
  auto adapter = gw::providers::make_openai_adapter();
  gw::providers::Target t{&openai_p(), "gpt-4o-mini"};
  const std::string body = openai_response_body();
  for (auto _ : state) {
    auto r = adapter->parse_response(body, t);
    std::string out = gw::api::dump(gw::api::to_json(*r));
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_OpenAI_ResponseRoundTrip);

// Parsing alone.
void BM_OpenAI_ResponseParse_Json(benchmark::State& state) {
  const std::string body = openai_response_body();
  for (auto _ : state) {
    auto r = gw::api::chat_response_from_json(Json::parse(body));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_OpenAI_ResponseParse_Json);

// One upstream SSE event → ChatChunk → the SSE frame written to the client.
void BM_OpenAI_ChunkRoundTrip(benchmark::State& state) {
  auto adapter = gw::providers::make_openai_adapter();
  auto req = parsed_request(true);
  gw::providers::Target t{&openai_p(), "gpt-4o-mini"};
  auto dec = adapter->make_stream_decoder(req, t);
  gw::net::SseEvent ev;
  ev.data = openai_chunk_json("dolor sit ");
  gw::api::ChunkList out;
  for (auto _ : state) {
    out.clear();
    auto r = dec->on_event(ev, out);
    for (auto& c : out) {
      std::string frame = "data: " + gw::api::dump(gw::api::to_json(c)) + "\n\n";
      benchmark::DoNotOptimize(frame);
    }
  }
}
BENCHMARK(BM_OpenAI_ChunkRoundTrip);

// What gw serve does per OpenAI-compatible event: decode, then frame the upstream's own text.
void BM_OpenAI_ChunkForward(benchmark::State& state) {
  auto adapter = gw::providers::make_openai_adapter();
  auto req = parsed_request(true);
  gw::providers::Target t{&openai_p(), "gpt-4o-mini"};
  auto dec = adapter->make_stream_decoder(req, t);
  gw::net::SseEvent ev;
  ev.data = openai_chunk_json("dolor sit ");
  gw::api::ChunkList out;
  for (auto _ : state) {
    out.clear();
    auto r = dec->on_event(ev, out);
    for (auto& c : out) {
      std::string frame = "data: " + c.raw + "\n\n";
      benchmark::DoNotOptimize(frame);
    }
  }
}
BENCHMARK(BM_OpenAI_ChunkForward);

// One event's parse alone.
void BM_OpenAI_ChunkParse_Json(benchmark::State& state) {
  const std::string text = openai_chunk_json("dolor sit ");
  for (auto _ : state) {
    auto c = gw::api::chat_chunk_from_json(Json::parse(text));
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_OpenAI_ChunkParse_Json);

void BM_Chunk_SerializeOnly(benchmark::State& state) {
  gw::api::ChatChunk c;
  c.id = "chatcmpl-gw123";
  c.created = 1700000000;
  c.model = "bench";
  gw::api::ChunkChoice ch;
  ch.content = "dolor sit ";
  c.choices.push_back(ch);
  for (auto _ : state) {
    std::string s = gw::api::dump(gw::api::to_json(c));
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Chunk_SerializeOnly);

// ---- OpenAI ⇄ Anthropic ---------------------------------------------------------------

void BM_Anthropic_Request(benchmark::State& state) {
  auto req = parsed_request();
  gw::providers::Target t{&anthropic_p(), "claude-sonnet-4-5"};
  for (auto _ : state) {
    auto b = gw::providers::anthropic::request_body(req, t, false);
    std::string s = gw::api::dump(*b);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Anthropic_Request);

void BM_Anthropic_Response(benchmark::State& state) {
  gw::providers::Target t{&anthropic_p(), "claude-sonnet-4-5"};
  const std::string body = Json({{"id", "msg_fake1"},
                                 {"type", "message"},
                                 {"role", "assistant"},
                                 {"model", "claude-sonnet-4-5"},
                                 {"content", Json::array({{{"type", "text"}, {"text", answer()}}})},
                                 {"stop_reason", "end_turn"},
                                 {"stop_sequence", nullptr},
                                 {"usage", {{"input_tokens", 190}, {"output_tokens", 180}}}})
                               .dump();
  for (auto _ : state) {
    auto r = gw::providers::anthropic::response_from_body(body, t);
    std::string out = gw::api::dump(gw::api::to_json(*r));
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Anthropic_Response);

void BM_Anthropic_Chunk(benchmark::State& state) {
  auto req = parsed_request(true);
  gw::providers::Target t{&anthropic_p(), "claude-sonnet-4-5"};
  auto dec = gw::providers::anthropic::make_decoder(req, t);
  gw::api::ChunkList out;
  gw::net::SseEvent start{
      "message_start",
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":190,"output_tokens":1}}})",
      ""};
  (void)dec->on_event(start, out);
  gw::net::SseEvent block{
      "content_block_start",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})", ""};
  (void)dec->on_event(block, out);
  gw::net::SseEvent delta{
      "content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"dolor sit "}})",
      ""};
  for (auto _ : state) {
    out.clear();
    auto r = dec->on_event(delta, out);
    for (auto& c : out) {
      std::string frame = "data: " + gw::api::dump(gw::api::to_json(c)) + "\n\n";
      benchmark::DoNotOptimize(frame);
    }
  }
}
BENCHMARK(BM_Anthropic_Chunk);

void BM_Anthropic_Chunk_Serialize(benchmark::State& state) {
  auto req = parsed_request(true);
  gw::providers::Target t{&anthropic_p(), "claude-sonnet-4-5"};
  auto dec = gw::providers::anthropic::make_decoder(req, t);
  gw::api::ChunkList out;
  gw::net::SseEvent start{
      "message_start",
      R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":190,"output_tokens":1}}})",
      ""};
  (void)dec->on_event(start, out);
  gw::net::SseEvent block{
      "content_block_start",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})", ""};
  (void)dec->on_event(block, out);
  gw::net::SseEvent delta{
      "content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"dolor sit "}})",
      ""};
  for (auto _ : state) {
    out.clear();
    auto r = dec->on_event(delta, out);
    for (auto& c : out) {
      std::string frame = "data: " + gw::api::serialize(c) + "\n\n";
      benchmark::DoNotOptimize(frame);
    }
  }
}
BENCHMARK(BM_Anthropic_Chunk_Serialize);

// ---- OpenAI ⇄ Gemini ------------------------------------------------------------------

void BM_Gemini_Request(benchmark::State& state) {
  auto req = parsed_request();
  for (auto _ : state) {
    auto b = gw::providers::gemini::build_body(req, gemini_p());
    std::string s = gw::api::dump(*b);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_Gemini_Request);

void BM_Gemini_Response(benchmark::State& state) {
  gw::providers::Target t{&gemini_p(), "gemini-2.5-flash"};
  const std::string body =
      Json({{"candidates",
             Json::array(
                 {{{"content", {{"role", "model"}, {"parts", Json::array({{{"text", answer()}}})}}},
                   {"finishReason", "STOP"},
                   {"index", 0}}})},
            {"usageMetadata",
             {{"promptTokenCount", 190}, {"candidatesTokenCount", 180}, {"totalTokenCount", 370}}},
            {"modelVersion", "gemini-2.5-flash"},
            {"responseId", "fake1"}})
          .dump();
  for (auto _ : state) {
    auto r = gw::providers::gemini::parse_response(body, t);
    std::string out = gw::api::dump(gw::api::to_json(*r));
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Gemini_Response);

void BM_Gemini_Chunk(benchmark::State& state) {
  gw::providers::Target t{&gemini_p(), "gemini-2.5-flash"};
  auto dec = gw::providers::gemini::make_stream_decoder(t);
  gw::api::ChunkList out;
  gw::net::SseEvent ev;
  ev.data =
      R"({"candidates":[{"content":{"parts":[{"text":"dolor sit "}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":190,"candidatesTokenCount":3,"totalTokenCount":193},"modelVersion":"gemini-2.5-flash","responseId":"fake1"})";
  for (auto _ : state) {
    out.clear();
    auto r = dec->on_event(ev, out);
    for (auto& c : out) {
      std::string frame = "data: " + gw::api::dump(gw::api::to_json(c)) + "\n\n";
      benchmark::DoNotOptimize(frame);
    }
  }
}
BENCHMARK(BM_Gemini_Chunk);

void BM_Gemini_Chunk_Serialize(benchmark::State& state) {
  gw::providers::Target t{&gemini_p(), "gemini-2.5-flash"};
  auto dec = gw::providers::gemini::make_stream_decoder(t);
  gw::api::ChunkList out;
  gw::net::SseEvent ev;
  ev.data =
      R"({"candidates":[{"content":{"parts":[{"text":"dolor sit "}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":190,"candidatesTokenCount":3,"totalTokenCount":193},"modelVersion":"gemini-2.5-flash","responseId":"fake1"})";
  for (auto _ : state) {
    out.clear();
    auto r = dec->on_event(ev, out);
    for (auto& c : out) {
      std::string frame = "data: " + gw::api::serialize(c) + "\n\n";
      benchmark::DoNotOptimize(frame);
    }
  }
}
BENCHMARK(BM_Gemini_Chunk_Serialize);

// ---- ledger ---------------------------------------------------------------------------

gw::gateway::Outcome outcome(int i) {
  gw::gateway::Outcome o;
  o.request_id = "req_" + std::to_string(1'000'000'000 + i);
  o.started_unix_ms = 1'700'000'000'000;
  o.requested_model = "openai/gpt-4o-mini";
  o.provider = "openai";
  o.model = "gpt-4o-mini";
  o.status = 200;
  gw::api::Usage u;
  u.prompt_tokens = 190;
  u.completion_tokens = 180;
  u.total_tokens = 370;
  o.usage = u;
  o.latency_ms = 3.5;
  o.ttft_ms = 1.2;
  o.attempts.push_back({"openai/gpt-4o-mini", 200, "", 3.5});
  o.stream = true;
  o.client = "serve";
  o.caller = {"key_0123456789", "ci", "user" + std::to_string(i % 1000), "tenant"};
  return o;
}

// Meter::on_complete on the request path: price lookup, row build, enqueue under a mutex.
// The background writer drains concurrently (as in gw serve); every 20k rows the benchmark
// waits for it, untimed, so the queue never reaches its drop limit.
void BM_Ledger_MeterOnComplete(benchmark::State& state) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("gw_micro_ledger_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto ledger = gw::store::Ledger::open(dir + "/ledger.db");
    if (!ledger) {
      state.SkipWithError(ledger.error().message.c_str());
      return;
    }
    gw::gateway::Meter meter(std::make_shared<const gw::gateway::PriceTable>(), *ledger, {});
    gw::gateway::RequestContext ctx;
    std::vector<gw::gateway::Outcome> outs;
    for (int i = 0; i < 1024; ++i) outs.push_back(outcome(i));
    size_t n = 0;
    for (auto _ : state) {
      meter.on_complete(outs[n & 1023], ctx);
      if (++n % 20000 == 0) {
        state.PauseTiming();
        (*ledger)->flush();
        state.ResumeTiming();
      }
    }
    (*ledger)->flush();
    state.counters["rows_written"] = static_cast<double>((*ledger)->rows_written());
    state.counters["dropped"] = static_cast<double>((*ledger)->rows_dropped());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Ledger_MeterOnComplete);

// What traffic control costs a request: the auth stage (the key's hash, its cache), then the
// limits stage admitting it (rpm, tpm, parallel and a budget on the key; rpm and a budget on
// its tenant; the worst-case cost) and settling it, with `keys` keys in the store, requests
// spread over all of them. Flat in `keys` is the point: every lookup is a hash map's. The key
// cache here outlives the run (gw serve re-reads a key at most once a second).
void BM_Limits_AuthAdmitSettle(benchmark::State& state) {
  const auto keys = static_cast<size_t>(state.range(0));
  std::string dir = std::filesystem::temp_directory_path() /
                    ("gw_micro_limits_" + std::to_string(::getpid()) + "_" + std::to_string(keys));
  std::filesystem::create_directories(dir);
  {
    auto cfg = gw::config::parse_config(R"(
[providers.fake]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[prices."fake/bench"]
input = 0.15
output = 0.60
[tenants.bench]
rpm = 1000000000
budget_usd = 1000000000
)",
                                        "bench.toml");
    auto ks = gw::store::KeyStore::open(dir + "/gw.db");
    if (!cfg || !ks) {
      state.SkipWithError("cannot set up the config or the key store");
      return;
    }
    gw::config::Limits policy;
    policy.rpm = 1'000'000'000;
    policy.tpm = 1'000'000'000'000;
    policy.max_parallel = 100'000;
    policy.budget_usd = 1e9;
    std::vector<std::string> secrets;
    (void)ks->conn().exec("BEGIN");
    for (size_t i = 0; i < keys; ++i) {
      auto k = ks->create("k", "", "bench", policy);
      if (!k) break;
      secrets.push_back(k->secret);
    }
    (void)ks->conn().exec("COMMIT");
    if (secrets.size() != keys) {
      state.SkipWithError("cannot create the keys");
      return;
    }
    gw::gateway::Auth auth(gw::gateway::Auth::Mode::kKeys,
                           std::make_unique<gw::store::KeyStore>(std::move(*ks)),
                           std::chrono::hours(1));
    auto prices = std::make_shared<const gw::gateway::PriceTable>(*cfg);
    gw::gateway::Limits limits(*cfg, prices, std::make_shared<gw::gateway::MemoryLimitStore>());
    gw::api::ChatRequest req;
    req.model = "fake/bench";
    req.max_tokens = 256;
    req.messages.push_back(gw::api::Message::plain("user", prompt()));
    gw::gateway::Outcome out;
    out.usage = gw::api::Usage{260, 180, 440, 0, 0, 0};
    out.cost_usd = 0.000147;
    for (const auto& s : secrets) {  // warm the key cache, as a running server's is
      gw::gateway::RequestContext ctx;
      ctx.presented_key = s;
      (void)auth.on_admit(ctx);
    }
    size_t n = 0;
    for (auto _ : state) {
      gw::gateway::RequestContext ctx;
      ctx.presented_key = secrets[(n++ * 7919) % keys];
      auto a = auth.on_admit(ctx);
      auto r = limits.on_request(req, ctx);
      if (!a || !r) {
        state.SkipWithError("refused");
        break;
      }
      limits.on_complete(out, ctx);
      benchmark::DoNotOptimize(ctx.response_headers.size());
    }
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Limits_AuthAdmitSettle)
    ->Arg(10)
    ->Arg(1000)
    ->Arg(100000)
    ->Unit(benchmark::kMicrosecond);

// The guard's scanner over realistic prompt text, all built-in detectors on: English and
// Chinese prose, without PII and with a value every ~200 bytes. Bytes/s is the figure (target:
// at least 200 MB/s per core).
void BM_Pii_Scan(benchmark::State& state) {
  const bool chinese = state.range(0) == 1, with_pii = state.range(1) == 1;
  static const char* zh[] = {"我们", "今天", "讨论", "项目", "进度", "客户", "需要", "报告",
                             "下周", "会议", "安排", "系统", "数据", "分析", "结果"};
  static const char* values[] = {"alice@example.com",  "13800138000",   "4111 1111 1111 1111",
                                 "11010519491231002X", "192.168.10.24", "+1 415 555 2671"};
  std::string text;
  for (size_t i = 0; text.size() < 16384; ++i) {
    if (chinese)
      text += zh[(i * 7) % 15];
    else
      text += prose(60) + " ";
    if (with_pii && i % (chinese ? 60 : 3) == 0) {
      text += values[i % 6];
      text += chinese ? "，" : " ";
    }
  }
  gw::pii::ScannerOptions opt;
  for (auto name : gw::pii::builtin_detectors()) opt.builtin.emplace_back(name);
  auto scanner = gw::pii::Scanner::make(opt);
  if (!scanner) {
    state.SkipWithError(scanner.error().c_str());
    return;
  }
  std::vector<gw::pii::Match> matches;
  for (auto _ : state) {
    scanner->scan(text, matches);
    benchmark::DoNotOptimize(matches.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["matches"] = static_cast<double>(matches.size());
}
BENCHMARK(BM_Pii_Scan)
    ->ArgNames({"chinese", "pii"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1});

}  // namespace

BENCHMARK_MAIN();
