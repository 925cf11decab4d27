// The OpenAI-compatible adapter on its DOM-free paths: the stream decoder (raw text kept,
// empty deltas dropped, usage and finish reason recorded, error events and malformed events
// still worded as before), answers, and the upstream request body.
#include <doctest/doctest.h>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;

// The OpenAI-compatible adapter configured as "oai", for gpt-x.
gw::test::AdapterFixture oai() {
  gw::test::AdapterFixture f{
      gw::test::provider_config("openai", "http://127.0.0.1:1/v1", "sk-test"), "gpt-x"};
  f.cfg.name = "oai";
  f.cfg.headers = {{"X-Extra", "1"}};
  return f;
}

struct Decoded {
  gw::api::ChunkList chunks;
  std::optional<gw::Error> error;
};

// Events of data only, in order; the first error stops them.
Decoded decode(gw::providers::StreamDecoder& dec, const std::vector<std::string>& events) {
  std::vector<std::pair<std::string, std::string>> unnamed;
  for (const auto& e : events) unnamed.emplace_back("", e);
  Decoded d;
  d.error = gw::test::feed_events(dec, unnamed, d.chunks);
  return d;
}

TEST_CASE("openai decoder: chunks keep the upstream text; empty deltas are dropped") {
  auto f = oai();
  auto req = gw::test::chat_request(gw::test::chat_body("oai/gpt-x"));
  auto dec = f.adapter->make_stream_decoder(req, f.target());
  const std::vector<std::string> events = {
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null})",
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"content":"say \"usage\":{}"},"finish_reason":null}],"usage":null})",
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{"content":""},"finish_reason":null}],"usage":null})",
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null})",
      R"({"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-x","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}})",
      "[DONE]",
  };
  auto d = decode(*dec, events);
  REQUIRE_FALSE(d.error.has_value());
  REQUIRE(d.chunks.size() == 4);  // the empty content delta is not forwarded
  CHECK(d.chunks[0].raw == events[0]);
  CHECK(d.chunks[1].raw == events[1]);
  CHECK(d.chunks[1].choices[0].content == R"(say "usage":{})");
  CHECK_FALSE(d.chunks[1].usage.has_value());
  CHECK(d.chunks[2].choices[0].finish_reason == "stop");
  CHECK(d.chunks[3].choices.empty());
  CHECK(d.chunks[3].usage->total_tokens == 11);
  CHECK(dec->done());
  CHECK(dec->finish_reason() == "stop");
  REQUIRE(dec->usage().has_value());
  CHECK(dec->usage()->prompt_tokens == 9);
  gw::api::ChunkList none;
  CHECK(dec->on_end(none).has_value());
}

TEST_CASE("openai decoder: error and malformed events are errors, worded as before") {
  auto f = oai();
  auto req = gw::test::chat_request(gw::test::chat_body("oai/gpt-x"));
  {
    auto dec = f.adapter->make_stream_decoder(req, f.target());
    auto d = decode(*dec, {R"({"error":{"message":"overloaded","type":"server_error"}})"});
    REQUIRE(d.error.has_value());
    CHECK(d.error->message.find("overloaded") != std::string::npos);
  }
  for (const char* bad : {R"({"id":"c","choices":[)", "{\"id\":\"\xff\"}", R"({"x":1e999})"}) {
    CAPTURE(bad);
    auto dec = f.adapter->make_stream_decoder(req, f.target());
    auto d = decode(*dec, {bad});
    REQUIRE(d.error.has_value());
    CHECK(d.error->status == 502);
    CHECK(d.error->message == "oai: upstream sent a malformed stream event");
  }
  auto dec = f.adapter->make_stream_decoder(req, f.target());
  gw::api::ChunkList none;
  auto end = dec->on_end(none);
  REQUIRE_FALSE(end.has_value());
  CHECK(end.error().code == "upstream_stream_truncated");
}

TEST_CASE("openai adapter: answers parse the same on both paths") {
  auto f = oai();
  const std::string body =
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1735689600,"model":"gpt-x-2025",
      "choices":[{"index":0,"message":{"role":"assistant","content":"A cat.","refusal":null,"annotations":[]},
      "logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":3,"total_tokens":34}})";
  auto r = f.adapter->parse_response(body, f.target());
  REQUIRE(r.has_value());
  CHECK(r->model == "gpt-x-2025");
  CHECK(r->choices[0].message.text == "A cat.");
  // Already the client's wire format: kept to be forwarded as it came (fields gw's types do
  // not model included), like stream chunks.
  CHECK(r->raw == body);
  CHECK(gw::api::serialize(*r) ==
        gw::api::dump(gw::api::to_json(*gw::api::chat_response_from_json(Json::parse(body)))));
  auto bad = f.adapter->parse_response(R"({"id":"x"})", f.target());
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().status == 502);
  CHECK(bad.error().message == "oai: upstream response is not a chat completion");
  auto invalid = f.adapter->parse_response("{", f.target());
  REQUIRE_FALSE(invalid.has_value());
  CHECK(invalid.error().message == "oai: upstream sent invalid JSON");
}

TEST_CASE("openai adapter: the upstream body has gw's model and stream fields") {
  auto f = oai();
  auto req = gw::test::chat_request(
      R"({"model":"oai/gpt-x","messages":[{"role":"user","content":"hi"}],"stream":true,
          "temperature":0.2,"store":true})");
  auto s = f.adapter->build_request(req, f.target(), true);
  REQUIRE(s.has_value());
  CHECK(s->path == "/chat/completions");
  CHECK(Json::parse(s->body) ==
        Json::parse(R"({"model":"gpt-x","messages":[{"role":"user","content":"hi"}],
                        "stream":true,"stream_options":{"include_usage":true},
                        "temperature":0.2,"store":true})"));
  auto n = f.adapter->build_request(req, f.target(), false);
  REQUIRE(n.has_value());
  CHECK(Json::parse(n->body) ==
        Json::parse(R"({"model":"gpt-x","messages":[{"role":"user","content":"hi"}],
                        "temperature":0.2,"store":true})"));
  bool auth = false, extra = false;
  for (const auto& [k, v] : s->headers) {
    auth |= k == "Authorization" && v == "Bearer sk-test";
    extra |= k == "X-Extra" && v == "1";
  }
  CHECK(auth);
  CHECK(extra);
}

}  // namespace
