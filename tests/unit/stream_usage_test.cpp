// Usage the ledger may trust (issue 12): every decoder says whether its usage is the upstream's
// final count (a client that leaves mid-stream must not be billed a placeholder), and absurd
// counts (negative, above 1e12, fractional, overflowing) count as not reported, streamed or not.
#include <doctest/doctest.h>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/provider.hpp"

namespace {

// A fresh stream decoder of `kind` for the streamed "hi" to model m, and its chunks so far.
struct Fixture : gw::test::AdapterFixture {
  std::unique_ptr<gw::providers::StreamDecoder> dec;
  gw::api::ChunkList chunks;

  explicit Fixture(const std::string& kind)
      : AdapterFixture{gw::test::provider_config(kind), "m"},
        dec(adapter->make_stream_decoder(gw::test::hi_stream_request(), target())) {}
  void event(const std::string& data, const std::string& name = "") {
    auto error = gw::test::feed_events(*dec, {{name, data}}, chunks);
    REQUIRE_MESSAGE(!error, (error ? error->message : ""));
  }
  bool end() { return dec->on_end(chunks).has_value(); }
  bool usage_chunk_sent() const {
    for (const auto& c : chunks)
      if (c.usage) return true;
    return false;
  }
};

// Neither a usage count, final or not, nor a usage chunk.
void check_no_usage(const Fixture& f) {
  CHECK_FALSE(f.dec->usage().has_value());
  CHECK_FALSE(f.dec->usage_final());
  CHECK_FALSE(f.usage_chunk_sent());
}

const char* kAbsurd[] = {"-5",    "1000000000001", "12.5", "1e30", "18446744073709551615",
                         "\"7\"", "-1e30"};

// ---- 4. final usage ---------------------------------------------------------------------

TEST_CASE("anthropic: message_start's placeholder usage is not final; message_delta's is") {
  Fixture f("anthropic");
  f.event(R"({"type":"message_start","message":{"id":"msg_1","model":"claude",
      "usage":{"input_tokens":25,"output_tokens":1}}})");
  f.event(R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})");
  f.event(
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"fifty tokens"}})");
  REQUIRE(f.dec->usage().has_value());
  CHECK(f.dec->usage()->completion_tokens == 1);
  CHECK_FALSE(f.dec->usage_final());  // a client leaving here is estimated, not billed 1
  f.event(
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":50}})");
  CHECK(f.dec->usage_final());
  CHECK(f.dec->usage()->completion_tokens == 50);
}

TEST_CASE("openai: only the usage chunk (or usage after the finish) is final") {
  Fixture f("openai");
  f.event(
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"a"},"finish_reason":null}]})");
  CHECK_FALSE(f.dec->usage_final());
  // A server reporting running totals on every chunk: not final before the finish.
  f.event(
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})");
  REQUIRE(f.dec->usage().has_value());
  CHECK_FALSE(f.dec->usage_final());
  f.event(
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  CHECK_FALSE(f.dec->usage_final());
  f.event(
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}})");
  CHECK(f.dec->usage_final());
  CHECK(f.dec->usage()->completion_tokens == 9);
}

TEST_CASE("gemini: usageMetadata is final on the event with the last finishReason") {
  Fixture f("gemini");
  f.event(R"({"candidates":[{"content":{"role":"model","parts":[{"text":"a"}]}}],
      "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1,"totalTokenCount":5}})");
  REQUIRE(f.dec->usage().has_value());
  CHECK_FALSE(f.dec->usage_final());
  f.event(
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"b"}]},"finishReason":"STOP"}],
      "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":30,"totalTokenCount":34}})");
  CHECK(f.dec->usage_final());
  CHECK(f.dec->usage()->completion_tokens == 30);
  CHECK(f.end());
}

TEST_CASE("gemini: a finishReason without usageMetadata leaves the earlier count non-final") {
  Fixture f("gemini");
  f.event(R"({"candidates":[{"content":{"parts":[{"text":"a"}]}}],
      "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1,"totalTokenCount":5}})");
  f.event(R"({"candidates":[{"content":{"parts":[{"text":"b"}]},"finishReason":"STOP"}]})");
  CHECK_FALSE(f.dec->usage_final());
}

// ---- 5. absurd usage --------------------------------------------------------------------

TEST_CASE("anthropic stream: an absurd count anywhere means no usage, and no usage chunk") {
  for (const char* bad : kAbsurd) {
    CAPTURE(bad);
    Fixture f("anthropic");
    f.event(
        R"({"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}})");
    f.event(
        std::string(
            R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":)") +
        bad + "}}");
    f.event(R"({"type":"message_stop"})");
    check_no_usage(f);
  }
}

TEST_CASE("openai stream: an absurd usage chunk is dropped and not reported") {
  for (const char* bad : kAbsurd) {
    CAPTURE(bad);
    Fixture f("openai");
    f.event(
        R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]})");
    f.event(
        std::string(
            R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":)") +
        bad + R"(,"total_tokens":5}})");
    f.event("[DONE]");
    check_no_usage(f);
  }
  // Nested counts too; a chunk that still has content keeps it, without its raw text.
  Fixture f("openai");
  f.event(
      R"({"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":-3}}})");
  CHECK_FALSE(f.dec->usage().has_value());
  REQUIRE(f.chunks.size() == 1);
  CHECK(f.chunks[0].choices[0].content == "a");
  CHECK_FALSE(f.chunks[0].usage.has_value());
  CHECK(f.chunks[0].raw.empty());
}

TEST_CASE("gemini stream: absurd usageMetadata is not reported, and no usage chunk") {
  for (const char* bad : kAbsurd) {
    CAPTURE(bad);
    Fixture f("gemini");
    f.event(
        std::string(R"({"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}],
        "usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":)") +
        bad + "}}");
    CHECK(f.end());
    check_no_usage(f);
  }
}

TEST_CASE("non-streamed answers with absurd usage report none") {
  for (const char* bad : kAbsurd) {
    CAPTURE(bad);
    std::string n = bad;
    {
      Fixture f("openai");
      auto r = f.adapter->parse_response(
          R"({"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
            "message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":)" +
              n + R"(,"completion_tokens":1,"total_tokens":2}})",
          f.target());
      REQUIRE(r.has_value());
      CHECK_FALSE(r->usage.has_value());
      CHECK(r->raw.empty());  // the upstream's text would still carry the numbers
    }
    {
      Fixture f("anthropic");
      auto r = f.adapter->parse_response(
          R"({"type":"message","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn",
            "usage":{"input_tokens":3,"output_tokens":)" +
              n + "}}",
          f.target());
      REQUIRE(r.has_value());
      CHECK_FALSE(r->usage.has_value());
    }
    {
      Fixture f("gemini");
      auto r = f.adapter->parse_response(
          R"({"candidates":[{"content":{"parts":[{"text":"hi"}]},"finishReason":"STOP"}],
            "usageMetadata":{"promptTokenCount":3,"totalTokenCount":)" +
              n + "}}",
          f.target());
      REQUIRE(r.has_value());
      CHECK_FALSE(r->usage.has_value());
    }
  }
}

TEST_CASE("believable usage is reported as before (integral floats, counts near 1e12)") {
  Fixture f("anthropic");
  auto r = f.adapter->parse_response(
      R"({"type":"message","content":[{"type":"text","text":"hi"}],
        "usage":{"input_tokens":3.0,"output_tokens":999999999990}})",
      f.target());
  REQUIRE(r.has_value());
  REQUIRE(r->usage.has_value());
  CHECK(r->usage->prompt_tokens == 3);
  CHECK(r->usage->completion_tokens == 999'999'999'990);
}

}  // namespace
