// The pipeline as one assembly: build_pipeline's order, and the rule that a stage's edit of
// an answer or a stream chunk always reaches the client while an untouched one keeps the
// provider's own bytes (the server forwards `raw` when it is set).
#include <doctest/doctest.h>

#include <cctype>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/json_codec.hpp"
#include "gateway/limits.hpp"
#include "gateway/meter.hpp"
#include "gateway/pipeline.hpp"

namespace {

using gw::api::ChatChunk;
using gw::api::ChatResponse;
using gw::api::Editable;
using gw::gateway::RequestContext;

gw::config::Config make_config() {
  auto c = gw::config::parse_config(R"(
[providers.up]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-test"
)",
                                    "t.toml");
  REQUIRE(c.has_value());
  return *c;
}

// An OpenAI-compatible upstream's answers, carried with their own text as the adapter does.
struct RawProvider : gw::providers::Provider {
  static ChatChunk chunk(const std::string& text) {
    ChatChunk c;
    c.id = "chatcmpl-1";
    c.model = "gpt-test";
    gw::api::ChunkChoice ch;
    ch.content = text;
    c.choices.push_back(ch);
    c.system_fingerprint = "fp_upstream";  // in the upstream's text only: not what gw would write
    c.raw = gw::api::serialize(c);
    c.system_fingerprint.clear();
    return c;
  }
  gw::Result<ChatResponse> complete(const gw::api::ChatRequest&, const gw::providers::Target&,
                                    gw::providers::CallStats&) override {
    ChatResponse r;
    r.id = "chatcmpl-1";
    gw::api::Choice c;
    c.message = gw::api::Message::plain("assistant", "hello there");
    c.finish_reason = "stop";
    r.choices.push_back(c);
    r.system_fingerprint = "fp_upstream";
    r.raw = gw::api::serialize(r);
    r.system_fingerprint.clear();
    return r;
  }
  gw::Result<gw::providers::StreamResult> stream(const gw::api::ChatRequest&,
                                                 const gw::providers::Target&,
                                                 const gw::providers::ChunkSink& sink,
                                                 gw::providers::CallStats&) override {
    for (const char* t : {"hello ", "there"})
      if (!sink(chunk(t))) return gw::providers::StreamResult{{}, "", true};
    return gw::providers::StreamResult{{}, "stop", false};
  }
};

// Reads every answer and chunk; changes nothing.
struct Reader : gw::gateway::Filter {
  int* chunks;  // outlives the gateway that owns this stage
  explicit Reader(int* n) : chunks(n) {}
  std::string_view name() const override { return "reader"; }
  void on_chunk(Editable<ChatChunk>& c, RequestContext&) override {
    *chunks += static_cast<int>(c.get().choices.size());
  }
  void on_response(Editable<ChatResponse>& r, RequestContext&) override { (void)r.get(); }
};

// Upper-cases what the model said, as a PII restore or a content filter would change it.
struct Shout : gw::gateway::Filter {
  std::string_view name() const override { return "shout"; }
  static void upper(std::string& s) {
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  void on_chunk(Editable<ChatChunk>& c, RequestContext&) override {
    for (auto& ch : c.edit().choices)
      if (ch.content) upper(*ch.content);
  }
  void on_response(Editable<ChatResponse>& r, RequestContext&) override {
    for (auto& ch : r.edit().choices) upper(ch.message.text);
  }
};

// What the server writes for one chunk or answer: the provider's text when it still holds.
template <class T>
std::string wire(const T& v) {
  return v.raw.empty() ? gw::api::serialize(v) : v.raw;
}

struct Run {
  std::string streamed;                 // the stream's bytes as the client gets them
  std::vector<std::string> raw_chunks;  // the chunks' raw texts as the sink saw them
  std::string answer;                   // the non-stream answer's bytes
  bool answer_raw = false;
};

// A gateway with `stages` whose upstream is RawProvider; `cfg` outlives it.
template <class... Stage>
std::unique_ptr<gw::gateway::Gateway> raw_gateway(const gw::config::Config& cfg,
                                                  std::unique_ptr<Stage>... stage) {
  std::vector<std::unique_ptr<gw::gateway::Filter>> stages;
  (stages.push_back(std::move(stage)), ...);
  auto g = std::make_unique<gw::gateway::Gateway>(cfg, std::move(stages));
  g->providers().replace("openai", std::make_unique<RawProvider>());
  return g;
}

gw::api::ChatRequest hello_request() {
  gw::api::ChatRequest req;
  req.model = "up/m";
  req.messages.push_back(gw::api::Message::plain("user", "hi"));
  return req;
}

Run run_with(std::unique_ptr<gw::gateway::Filter> stage) {
  auto cfg = make_config();
  auto gateway = raw_gateway(cfg, std::move(stage));
  auto& g = *gateway;
  auto req = hello_request();
  Run run;
  {
    RequestContext ctx;
    gw::gateway::Outcome out;
    auto sink = [&](const ChatChunk& c) {
      run.raw_chunks.push_back(c.raw);
      run.streamed += wire(c);
      return true;
    };
    REQUIRE(g.stream(req, ctx, sink, out));
  }
  RequestContext ctx;
  gw::gateway::Outcome out;
  auto r = g.complete(req, ctx, out);
  REQUIRE(r);
  run.answer = wire(*r);
  run.answer_raw = !r->raw.empty();
  return run;
}

}  // namespace

TEST_CASE("pipeline: a stage that only reads keeps the provider's own bytes") {
  int chunks = 0;
  Run run = run_with(std::make_unique<Reader>(&chunks));
  CHECK(chunks == 2);
  REQUIRE(run.raw_chunks.size() == 2);
  CHECK(run.raw_chunks[0] == RawProvider::chunk("hello ").raw);
  CHECK(run.answer_raw);
  CHECK(run.streamed.find("hello ") != std::string::npos);
  CHECK(run.streamed.find("fp_upstream") != std::string::npos);  // the upstream's bytes went out
  CHECK(run.answer.find("fp_upstream") != std::string::npos);
}

TEST_CASE("pipeline: a stage's edit of a stream chunk and of an answer reaches the client") {
  Run run = run_with(std::make_unique<Shout>());
  REQUIRE(run.raw_chunks.size() == 2);
  for (const auto& raw : run.raw_chunks) CHECK(raw.empty());  // the provider's text was dropped
  CHECK(run.streamed.find("HELLO ") != std::string::npos);
  CHECK(run.streamed.find("THERE") != std::string::npos);
  CHECK(run.streamed.find("hello") == std::string::npos);
  CHECK_FALSE(run.answer_raw);
  CHECK(run.answer.find("HELLO THERE") != std::string::npos);
  CHECK(run.answer.find("fp_upstream") == std::string::npos);
}

namespace {
struct Named : gw::gateway::Filter {
  std::string_view n;
  explicit Named(std::string_view name) : n(name) {}
  std::string_view name() const override { return n; }
};
}  // namespace

TEST_CASE("build_pipeline: observers first, then auth, in one order for every front") {
  auto cfg = make_config();
  gw::gateway::PipelineParts serve;
  serve.prices = std::make_shared<const gw::gateway::PriceTable>(cfg);
  serve.metrics = std::make_unique<Named>("metrics");
  serve.auth = std::make_unique<Named>("auth");
  auto g = gw::gateway::build_pipeline(cfg, std::move(serve));
  CHECK(g->stage_names() == std::vector<std::string_view>{"metrics", "meter", "auth"});

  gw::gateway::PipelineParts cli;  // gw chat, gw compare: no HTTP front, no keys
  cli.prices = std::make_shared<const gw::gateway::PriceTable>(cfg);
  auto c = gw::gateway::build_pipeline(cfg, std::move(cli));
  CHECK(c->stage_names() == std::vector<std::string_view>{"meter"});
}

namespace {
// Counts what it sees complete. A recorder (as the meter) or not (as the limits).
struct Books : gw::gateway::Filter {
  int* completed;
  int* answered;
  bool recorder;
  Books(int* c, int* a, bool r) : completed(c), answered(a), recorder(r) {}
  std::string_view name() const override { return recorder ? "books" : "limits"; }
  bool records_only() const override { return recorder; }
  void on_response(Editable<ChatResponse>&, RequestContext&) override { ++*answered; }
  void on_complete(const gw::gateway::Outcome& out, RequestContext&) override {
    ++*completed;
    CHECK(out.status != 0);  // the request's end was recorded first
  }
};
}  // namespace

TEST_CASE("Settlement: recorders see a request complete once, after the answer; limits before") {
  auto cfg = make_config();
  int recorded = 0, settled = 0, answered = 0, answered_too = 0;
  auto gateway = raw_gateway(cfg, std::make_unique<Books>(&recorded, &answered, true),
                             std::make_unique<Books>(&settled, &answered_too, false));
  auto& g = *gateway;
  auto req = hello_request();

  {  // an answer: the limits settle as it ends, inside complete(); the recorders after
    RequestContext ctx;
    gw::gateway::Outcome out;
    {
      gw::gateway::Settlement settle(g, ctx, out);
      REQUIRE(g.complete(req, ctx, out));
      CHECK(answered == 1);
      CHECK(settled == 1);   // before the answer: the client's next request sees it
      CHECK(recorded == 0);  // the books wait for the answer to be written
      CHECK(out.status == 200);
    }
    CHECK(recorded == 1);
    CHECK(settled == 1);
  }
  {  // a refusal before the pipeline (an unreadable body) takes the same way, once
    RequestContext ctx;
    gw::gateway::Outcome out;
    {
      gw::gateway::Settlement settle(g, ctx, out);
      REQUIRE(g.admit(ctx, out));
      g.reject(ctx, out, gw::Error::bad_request("bad body"), {});
      CHECK(settled == 2);
      CHECK(recorded == 1);
    }
    CHECK(recorded == 2);
    g.settle(ctx, out);  // a second settle does nothing
    CHECK(recorded == 2);
    CHECK(settled == 2);
  }
  {  // without a Settlement (gw chat, gw compare) every stage sees it complete at once
    RequestContext ctx;
    gw::gateway::Outcome out;
    REQUIRE(g.complete(req, ctx, out));
    CHECK(recorded == 3);
    CHECK(settled == 3);
  }
}

TEST_CASE("records_only: the meter records after the answer; the limits settle before it") {
  auto cfg = make_config();
  auto prices = std::make_shared<const gw::gateway::PriceTable>(cfg);
  gw::gateway::Meter meter(prices, nullptr, gw::gateway::Meter::Options{});
  CHECK(meter.records_only());
  gw::gateway::Limits limits(cfg, prices, std::make_shared<gw::gateway::MemoryLimitStore>());
  CHECK_FALSE(limits.records_only());
}

namespace {
// An answer with a token count, for a price to be worked out.
struct CountingProvider : RawProvider {
  gw::Result<ChatResponse> complete(const gw::api::ChatRequest& q, const gw::providers::Target& t,
                                    gw::providers::CallStats& s) override {
    auto r = RawProvider::complete(q, t, s);
    r->usage = gw::api::Usage{1000000, 1000000, 2000000, 0, 0};
    return r;
  }
};
// A stage that says whether it needs the price before the answer, and notes what it saw.
struct CostReader : gw::gateway::Filter {
  bool reads;
  std::optional<double>* seen;
  CostReader(bool r, std::optional<double>* s) : reads(r), seen(s) {}
  std::string_view name() const override { return "cost-reader"; }
  bool reads_cost(const RequestContext&) const override { return reads; }
  void on_complete(const gw::gateway::Outcome& out, RequestContext&) override {
    *seen = out.cost_usd;
  }
};
}  // namespace

TEST_CASE("Settlement: the answer is priced after it goes out, unless a stage before needs it") {
  auto cfg = make_config();
  cfg.prices["up/m"] = gw::config::Price{};
  cfg.prices["up/m"].input = 1;  // USD per million tokens
  cfg.prices["up/m"].output = 2;
  auto prices = std::make_shared<const gw::gateway::PriceTable>(cfg);
  for (bool reads : {false, true}) {
    CAPTURE(reads);
    std::optional<double> seen;
    std::vector<std::unique_ptr<gw::gateway::Filter>> stages;
    stages.push_back(std::make_unique<CostReader>(reads, &seen));
    gw::gateway::Gateway g(cfg, std::move(stages), prices);
    g.providers().replace("openai", std::make_unique<CountingProvider>());
    RequestContext ctx;
    gw::gateway::Outcome out;
    {
      gw::gateway::Settlement settle(g, ctx, out);
      REQUIRE(g.complete(hello_request(), ctx, out));
      CHECK(out.cost_usd.has_value() == reads);  // the answer has not gone out yet
      CHECK(seen == out.cost_usd);
    }
    REQUIRE(out.cost_usd.has_value());  // the books see the price either way
    CHECK(*out.cost_usd == doctest::Approx(3.0));
    CHECK_FALSE(out.price_version.empty());
  }
  // gw chat and gw compare (no Settlement) price at once.
  std::vector<std::unique_ptr<gw::gateway::Filter>> none;
  gw::gateway::Gateway g(cfg, std::move(none), prices);
  g.providers().replace("openai", std::make_unique<CountingProvider>());
  RequestContext ctx;
  gw::gateway::Outcome out;
  REQUIRE(g.complete(hello_request(), ctx, out));
  REQUIRE(out.cost_usd.has_value());
  CHECK(*out.cost_usd == doctest::Approx(3.0));
}

namespace {
struct ThrowingRecorder : gw::gateway::Filter {
  std::string_view name() const override { return "throws"; }
  bool records_only() const override { return true; }
  void on_complete(const gw::gateway::Outcome&, RequestContext&) override {
    throw std::runtime_error("out of room");
  }
};
}  // namespace

TEST_CASE("Settlement: a recorder that throws loses its record, not the process") {
  auto cfg = make_config();
  auto gateway = raw_gateway(cfg, std::make_unique<ThrowingRecorder>());
  auto& g = *gateway;
  auto req = hello_request();
  RequestContext ctx;
  gw::gateway::Outcome out;
  {
    gw::gateway::Settlement settle(g, ctx, out);
    REQUIRE(g.complete(req, ctx, out));
  }  // the destructor settles: std::terminate here without its catch
  CHECK_FALSE(ctx.settle_pending);
}
