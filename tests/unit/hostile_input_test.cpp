// Hostile bytes from clients: bounded printable text for headers, logs and the ledger; the
// one model-name grammar; metric labels from a bounded set; every request recorded, the
// refused and the unreadable included; a client that hangs up cancels its fiber's waits.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "api/printable.hpp"
#include "config/config.hpp"
#include "gateway/gateway.hpp"
#include "net/event_loop.hpp"
#include "net/io.hpp"
#include "server/metric_labels.hpp"

using namespace std::chrono_literals;

TEST_CASE("printable: plain ASCII passes untouched, control bytes become '?'") {
  std::string s = "gpt-4o mini/ok";
  gw::api::make_printable(s);
  CHECK(s == "gpt-4o mini/ok");
  CHECK(gw::api::printable("a\r\nb\x1b[31mc\x7f") == "a??b?[31mc?");
  CHECK(gw::api::printable(std::string("nul\0byte", 8)) == "nul?byte");
}

TEST_CASE("printable: valid UTF-8 is kept, invalid bytes and C1 controls are not") {
  CHECK(gw::api::printable("用户 ü") == "用户 ü");
  CHECK(gw::api::printable("\xff\xfe") == "??");
  CHECK(gw::api::printable("\xc2\x85next-line") == "??next-line");  // U+0085 is C1
  CHECK(gw::api::printable("\xed\xa0\x80") == "???");               // a surrogate
  CHECK(gw::api::printable("a\xe2\x80\xa8"
                           "b") == "a???b");                // a line separator
  CHECK(gw::api::printable("\xc0\xaf") == "??");            // overlong '/'
  CHECK(gw::api::printable("\xf4\x90\x80\x80") == "????");  // past U+10FFFF
}

TEST_CASE("printable: cut at the bound on a character boundary") {
  std::string big(1 << 20, 'x');
  CHECK(gw::api::printable(big).size() == gw::api::kMaxStoredText);
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "界";  // 3 bytes each
  std::string cut = gw::api::printable(cjk, 10);
  CHECK(cut == "界界界");
}

TEST_CASE("model names: one grammar, at most 256 bytes") {
  using gw::gateway::valid_model_name;
  for (const char* ok : {"gpt-4o", "openai/gpt-4o-mini", "smart", "fake/gpt-a+stall=500",
                         "vertex/claude-3@20240229", "ollama/llama3:8b", "a.b_c"})
    CHECK_MESSAGE(valid_model_name(ok), ok);
  for (const char* bad : {"", "a b", "..", "fake/..", "gemini/../../admin", "a..b",
                          "x\r\nSet-Cookie: y", "gemini/x?key=1", "gemini/x#frag", "a%2e%2e",
                          "a\tb", "m\x7f", "tab\t", "quote\"", "back\\slash", "ü"})
    CHECK_MESSAGE(!valid_model_name(bad), bad);
  CHECK(valid_model_name(std::string(256, 'm')));
  CHECK(!valid_model_name(std::string(257, 'm')));
}

namespace {

gw::config::Config make_config(const std::string& toml) {
  auto c = gw::config::parse_config(toml, "t.toml");
  REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  return *c;
}

}  // namespace

TEST_CASE("metric labels: named and priced models keep their names, the rest are 'other'") {
  auto cfg = make_config(R"(
[providers.fake]
kind = "openai"
base_url = "http://127.0.0.1:1/v1"
[routes.smart]
targets = ["fake/model-a"]
[prices."fake/priced-b"]
input = 1
output = 2
)");
  auto prices = std::make_shared<const gw::gateway::PriceTable>(cfg);
  gw::server::MetricLabels labels(cfg, prices);
  CHECK(labels.of("fake", "model-a").model == "model-a");
  CHECK(labels.of("fake", "priced-b").model == "priced-b");
  CHECK(labels.of("fake", "made-up-12345").model == "other");
  CHECK(labels.of("fake", "made-up-12345").provider == "fake");
  CHECK(labels.of("nosuch", "x").provider == "other");
  CHECK(labels.of("", "").provider == "none");
  CHECK(labels.of("mock", "echo").model == "echo");
  CHECK(labels.of("mock", "whatever-the-client-says").model == "other");
  // A dated snapshot of a built-in priced model is labelled with the table's name.
  if (cfg.provider("openai")) {
    auto l = labels.of("openai", "gpt-4o-mini-2024-07-18");
    CHECK(l.model == "gpt-4o-mini");
  }
}

namespace {

// Records what the pipeline told it, as the meter and the metrics stage would see it.
struct Recorder : gw::gateway::Filter {
  std::vector<gw::gateway::Outcome>* seen;
  int* admitted;
  bool refuse = false;
  explicit Recorder(std::vector<gw::gateway::Outcome>* s, int* a) : seen(s), admitted(a) {}
  std::string_view name() const override { return "recorder"; }
  gw::Result<void> on_admit(gw::gateway::RequestContext&) override {
    ++*admitted;
    if (refuse)
      return gw::fail(gw::Error::refused(401, "invalid_request_error", "invalid_api_key", "no"));
    return {};
  }
  void on_complete(const gw::gateway::Outcome& out, gw::gateway::RequestContext&) override {
    seen->push_back(out);
  }
};

}  // namespace

TEST_CASE("pipeline: refused, unreadable and ill-named requests each complete once") {
  auto cfg = make_config("");
  std::vector<gw::gateway::Outcome> seen;
  int admitted = 0;
  auto rec = std::make_unique<Recorder>(&seen, &admitted);
  Recorder& r = *rec;
  std::vector<std::unique_ptr<gw::gateway::Filter>> stages;
  stages.push_back(std::move(rec));
  gw::gateway::Gateway gw_(cfg, std::move(stages));

  SUBCASE("refused at admission: recorded with the refusal, never parsed") {
    r.refuse = true;
    gw::gateway::RequestContext ctx;
    gw::gateway::Outcome out;
    CHECK(!gw_.admit(ctx, out));
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].status == 401);
    CHECK(seen[0].error_code == "invalid_api_key");
  }
  SUBCASE("an unreadable body after admission: recorded as a 400") {
    gw::gateway::RequestContext ctx;
    gw::gateway::Outcome out;
    REQUIRE(gw_.admit(ctx, out));
    gw_.reject(ctx, out, gw::Error::bad_request("bad json"), {});
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].status == 400);
    CHECK(admitted == 1);
  }
  SUBCASE("a model outside the grammar: 400 invalid_model, recorded, admitted once") {
    gw::gateway::RequestContext ctx;
    gw::gateway::Outcome out;
    REQUIRE(gw_.admit(ctx, out));
    gw::api::ChatRequest req;
    req.model = "gemini/x?key=1";
    req.messages.push_back(gw::api::Message::plain("user", "hi"));
    auto res = gw_.complete(req, ctx, out);
    REQUIRE(!res);
    CHECK(res.error().status == 400);
    CHECK(res.error().code == "invalid_model");
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].requested_model == "gemini/x?key=1");
    CHECK(admitted == 1);
  }
}

TEST_CASE("event loop: a client's hang-up cancels its fiber's other waits at once") {
  gw::net::EventLoop loop;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  gw::net::Socket client(fds[0]);
  int peer = fds[1];
  bool hung_up = false;
  auto waited = 0ms;
  loop.spawn([&] {
    gw::net::HangupGuard guard(client);
    auto t0 = std::chrono::steady_clock::now();
    gw::net::sleep_for(5s);  // an upstream call that would take 5 s
    waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    hung_up = gw::net::client_hung_up();
    loop.stop();
  });
  loop.spawn([&] {
    gw::net::sleep_for(50ms);
    ::close(peer);
  });
  loop.run();
  CHECK(hung_up);
  CHECK(waited < 4s);
}

TEST_CASE("event loop: a hang-up before the guard is noticed too") {
  gw::net::EventLoop loop;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  gw::net::Socket client(fds[0]);
  ::close(fds[1]);
  bool hung_up = false;
  loop.spawn([&] {
    gw::net::HangupGuard guard(client);
    hung_up = gw::net::client_hung_up();
    loop.stop();
  });
  loop.run();
  CHECK(hung_up);
}

TEST_CASE("event loop: a hang-up the loop saw while nobody guarded is noticed by a later guard") {
  gw::net::EventLoop loop;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  gw::net::Socket client(fds[0]);
  int peer = fds[1];
  bool before = true, after = false;
  loop.spawn([&] {
    REQUIRE(client.attach());  // a kept-alive client: known to the loop before its request
    gw::net::sleep_for(20ms);  // the loop polls; the socket is quiet
    {
      gw::net::HangupGuard guard(client);
      before = gw::net::client_hung_up();
    }
    ::close(peer);             // the client leaves between two requests...
    gw::net::sleep_for(20ms);  // ...and the loop sees the edge with no guard set
    gw::net::HangupGuard guard(client);
    after = gw::net::client_hung_up();  // no park in between: the edge was kept
    loop.stop();
  });
  loop.run();
  CHECK_FALSE(before);
  CHECK(after);
}
