// Gemini adapter: alt=sse stream → OpenAI chunks, through net::SseParser (docs/PROTOCOLS.md §2,
// §7.4, §9), including every split of the bytes across reads.
#include <doctest/doctest.h>

#include <optional>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;

struct Outcome {
  gw::api::ChunkList chunks;
  std::optional<gw::Error> error;
  std::optional<gw::api::Usage> usage;
  std::string finish_reason;
  bool done = false;
};

struct Fixture {
  gw::test::AdapterFixture gemini = gw::test::gemini_fixture();

  // Feeds the pieces in order through the SSE parser and a fresh decoder, as HttpProvider does.
  Outcome run(const std::vector<std::string_view>& pieces) const {
    gw::api::ChatRequest req;
    req.model = "gemini-2.5-flash";
    auto dec = gemini.adapter->make_stream_decoder(req, gemini.target());
    Outcome o;
    o.error = gw::test::feed_sse(*dec, pieces, o.chunks);
    if (!o.error) {
      CHECK_FALSE(dec->done());  // no terminator event: done only at EOF
      o.error = gw::test::end_stream(*dec, o.chunks);
    }
    o.usage = dec->usage();
    o.finish_reason = dec->finish_reason();
    o.done = dec->done();
    return o;
  }
  Outcome run(std::string_view bytes) const { return run(std::vector<std::string_view>{bytes}); }
};

// A chunk's content without the per-response id/created, for comparing runs.
std::string normalized(const gw::api::ChatChunk& c) {
  return gw::api::dump(gw::test::chunk_json_without_fresh_fields(c));
}

std::vector<std::string> signature(const Outcome& o) {
  std::vector<std::string> s;
  for (const auto& c : o.chunks) s.push_back(normalized(c));
  s.push_back(o.error ? "error " + std::to_string(o.error->status) + " " + o.error->code + " " +
                            o.error->message
                      : "ok");
  return s;
}

// Compact view of a choice chunk: {"delta":...,"finish":...}; a usage chunk: {"usage":...}.
Json view(const gw::api::ChatChunk& c) {
  Json j = gw::api::to_json(c);
  if (c.choices.empty()) return Json{{"usage", j["usage"]}};
  REQUIRE(c.choices.size() == 1);
  REQUIRE(j["usage"].is_null());
  return Json{{"index", j["choices"][0]["index"]},
              {"delta", j["choices"][0]["delta"]},
              {"finish", j["choices"][0]["finish_reason"]}};
}

void check_sequence(const Outcome& o, const char* want_json) {
  Json want = Json::parse(want_json);
  Json got = Json::array();
  for (const auto& c : o.chunks) got.push_back(view(c));
  CHECK(got.dump() == want.dump());
  // Every chunk: one id, created and model, and the chunk object (docs/PROTOCOLS.md §6.4).
  for (const auto& c : o.chunks) {
    CHECK(c.id == o.chunks.front().id);
    CHECK(c.created == o.chunks.front().created);
    CHECK(c.model == o.chunks.front().model);
  }
  if (!o.chunks.empty()) {
    CHECK(o.chunks.front().id.starts_with("chatcmpl-"));
    CHECK(gw::api::to_json(o.chunks.front())["object"] == "chat.completion.chunk");
  }
}

// A recorded-style stream, with Gemini's CRLF line endings.
const std::string kRecorded =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel\"}],\"role\": "
    "\"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 8,"
    "\"candidatesTokenCount\": 1,\"totalTokenCount\": 32,\"thoughtsTokenCount\": 23},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": "
    "\"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": "
    "{\"promptTokenCount\": 8,\"candidatesTokenCount\": 3,\"totalTokenCount\": 34,"
    "\"thoughtsTokenCount\": 23},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": "
    "\"r1\"}\r\n\r\n";

// Multi-byte text (2-, 3- and 4-byte UTF-8), a thought part, cumulative usage.
const std::string kUtf8 =
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"plan\",\"thought\":true}],"
    "\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,"
    "\"totalTokenCount\":15,\"thoughtsTokenCount\":10},\"modelVersion\":\"gemini-2.5-pro\"}\r\n\r\n"
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"h\xC3\xA9llo \xE4\xB8\x96\"}],"
    "\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":5,"
    "\"candidatesTokenCount\":4,\"totalTokenCount\":19,\"thoughtsTokenCount\":10},"
    "\"modelVersion\":\"gemini-2.5-pro\"}\r\n\r\n"
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\xE7\x95\x8C \xF0\x9F\x99\x82\"}"
    "],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":"
    "{\"promptTokenCount\":5,\"candidatesTokenCount\":7,\"totalTokenCount\":22,"
    "\"thoughtsTokenCount\":10,\"cachedContentTokenCount\":2},"
    "\"modelVersion\":\"gemini-2.5-pro\"}\r\n\r\n";

// Gemini 3: text, then two whole calls in one chunk (only the first signed), then the finish.
const std::string kCalls =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Let me look.\"}],"
    "\"role\": \"model\"},\"index\": 0}],\"modelVersion\": \"gemini-3-pro-preview\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"functionCall\": {\"name\": "
    "\"lookup\",\"args\": {\"q\": \"cat\"},\"id\": \"ab12cd34\"},\"thoughtSignature\": "
    "\"EvwD+/==\"},{\"functionCall\": {\"name\": \"lookup\",\"args\": {\"q\": \"d\\u00f6g\"},"
    "\"id\": \"ef56gh78\"}}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": "
    "{\"promptTokenCount\": 40,\"candidatesTokenCount\": 20,\"totalTokenCount\": 60},"
    "\"modelVersion\": \"gemini-3-pro-preview\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": "
    "\"model\"},\"finishReason\": \"STOP\",\"finishMessage\": \"Model generated function "
    "call(s).\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 40,"
    "\"candidatesTokenCount\": 22,\"totalTokenCount\": 62},\"modelVersion\": "
    "\"gemini-3-pro-preview\"}\r\n\r\n";

// A mid-stream error after some text.
const std::string kMidError =
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Par\"}],\"role\":\"model\"},"
    "\"index\":0}]}\r\n\r\n"
    "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
    "\"status\":\"UNAVAILABLE\"}}\r\n\r\n";

// Cut off before any finishReason.
const std::string kTruncated =
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hal\xC3\xB6\"}],"
    "\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":3,"
    "\"candidatesTokenCount\":1,\"totalTokenCount\":4}}\r\n\r\n"
    "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" wel";

}  // namespace

TEST_CASE("gemini stream: a recorded stream") {
  Fixture f;
  auto o = f.run(kRecorded);
  REQUIRE_FALSE(o.error);
  check_sequence(o, R"([
    {"index":0,"delta":{"role":"assistant","content":""},"finish":null},
    {"index":0,"delta":{"content":"Hel"},"finish":null},
    {"index":0,"delta":{},"finish":"stop"},
    {"usage":{"prompt_tokens":8,"completion_tokens":26,"total_tokens":34,
      "prompt_tokens_details":{"cached_tokens":0},
      "completion_tokens_details":{"reasoning_tokens":23}}}])");
  CHECK(o.chunks.front().model == "gemini-2.5-flash");
  CHECK(o.done);
  CHECK(o.finish_reason == "stop");
  REQUIRE(o.usage);
  CHECK(o.usage->total_tokens == 34);  // replaced by the last usageMetadata, not 32 + 34

  // Full shape of one chunk as a client sees it.
  Json first = gw::api::to_json(o.chunks[1]);
  CHECK(first["object"] == "chat.completion.chunk");
  CHECK(first["choices"][0]["logprobs"].is_null());
  CHECK(first["usage"].is_null());
}

TEST_CASE("gemini stream: UTF-8 text, thoughts as reasoning_content, usage replaced not summed") {
  Fixture f;
  auto o = f.run(kUtf8);
  REQUIRE_FALSE(o.error);
  // The thought part is reasoning, never content.
  check_sequence(o, R"([
    {"index":0,"delta":{"role":"assistant","content":""},"finish":null},
    {"index":0,"delta":{"reasoning_content":"plan"},"finish":null},
    {"index":0,"delta":{"content":"héllo 世"},"finish":null},
    {"index":0,"delta":{"content":"界 🙂"},"finish":null},
    {"index":0,"delta":{},"finish":"stop"},
    {"usage":{"prompt_tokens":5,"completion_tokens":17,"total_tokens":22,
      "prompt_tokens_details":{"cached_tokens":2},
      "completion_tokens_details":{"reasoning_tokens":10}}}])");
  CHECK(o.chunks.front().model == "gemini-2.5-pro");
}

TEST_CASE("gemini stream: a JSON answer after thought parts streams only the JSON as content") {
  Fixture f;
  auto o = f.run(
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"The user wants \","
      "\"thought\":true}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n"
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Paris.\",\"thought\":true},"
      "{\"text\":\"{\\\"city\\\":\"}],\"role\":\"model\"},\"index\":0}]}\r\n\r\n"
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\\\"Paris\\\"}\"}],"
      "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":"
      "{\"promptTokenCount\":4,\"candidatesTokenCount\":5,\"thoughtsTokenCount\":7,"
      "\"totalTokenCount\":16}}\r\n\r\n");
  REQUIRE_FALSE(o.error);
  std::string content, reasoning;
  for (const auto& c : o.chunks)
    for (const auto& ch : c.choices) {
      if (ch.content) content += *ch.content;
      if (ch.reasoning) reasoning += *ch.reasoning;
    }
  CHECK(Json::parse(content) == Json{{"city", "Paris"}});
  CHECK(reasoning == "The user wants Paris.");
  REQUIRE(o.usage);
  CHECK(o.usage->reasoning_tokens == 7);
  CHECK(o.usage->completion_tokens == 12);
}

TEST_CASE("gemini stream: whole function calls → one complete tool-call delta each") {
  Fixture f;
  auto o = f.run(kCalls);
  REQUIRE_FALSE(o.error);
  check_sequence(o, R"([
    {"index":0,"delta":{"role":"assistant","content":""},"finish":null},
    {"index":0,"delta":{"content":"Let me look."},"finish":null},
    {"index":0,"delta":{"tool_calls":[{"index":0,"id":"ab12cd34__thought__EvwD+/==",
      "type":"function","function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}]},
      "finish":null},
    {"index":0,"delta":{"tool_calls":[{"index":1,"id":"ef56gh78","type":"function",
      "function":{"name":"lookup","arguments":"{\"q\":\"dög\"}"}}]},"finish":null},
    {"index":0,"delta":{},"finish":"tool_calls"},
    {"usage":{"prompt_tokens":40,"completion_tokens":22,"total_tokens":62,
      "prompt_tokens_details":{"cached_tokens":0},
      "completion_tokens_details":{"reasoning_tokens":0}}}])");
  CHECK(o.finish_reason == "tool_calls");
}

TEST_CASE("gemini stream: a call without id gets a generated call_ id") {
  Fixture f;
  auto o = f.run(
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"now\"}}],"
      "\"role\":\"model\"},\"finishReason\":\"STOP\"}]}\r\n\r\n");
  REQUIRE_FALSE(o.error);
  REQUIRE(o.chunks.size() == 3);  // role, call, finish; no usage was reported
  REQUIRE(o.chunks[1].choices[0].tool_calls.size() == 1);
  const auto& d = o.chunks[1].choices[0].tool_calls[0];
  CHECK(d.index == 0);
  CHECK(d.id.starts_with("call_"));
  CHECK(d.id.size() == 29);
  CHECK(d.arguments == "{}");
  CHECK(o.chunks[2].choices[0].finish_reason == "tool_calls");
  CHECK_FALSE(o.usage);
}

TEST_CASE("gemini stream: last chunk with usage only") {
  Fixture f;
  const std::string head =
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"},"
      "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":1,"
      "\"totalTokenCount\":5}}\r\n\r\n";
  for (std::string last : {
           // a candidate without content
           std::string("data: {\"candidates\":[{\"finishReason\":\"MAX_TOKENS\",\"index\":0}],"),
           // content without parts
           std::string("data: {\"candidates\":[{\"content\":{\"role\":\"model\"},"
                       "\"finishReason\":\"MAX_TOKENS\",\"index\":0}],"),
       }) {
    last +=
        "\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":9,"
        "\"totalTokenCount\":13}}\r\n\r\n";
    CAPTURE(last);
    auto o = f.run(head + last);
    REQUIRE_FALSE(o.error);
    check_sequence(o, R"([
      {"index":0,"delta":{"role":"assistant","content":""},"finish":null},
      {"index":0,"delta":{"content":"Hi"},"finish":null},
      {"index":0,"delta":{},"finish":"length"},
      {"usage":{"prompt_tokens":4,"completion_tokens":9,"total_tokens":13,
        "prompt_tokens_details":{"cached_tokens":0},
        "completion_tokens_details":{"reasoning_tokens":0}}}])");
  }
  // Usage arriving in its own event after the finish still replaces the kept one.
  auto o = f.run(head +
                 "data: {\"candidates\":[{\"finishReason\":\"STOP\",\"index\":0}]}\r\n\r\n"
                 "data: {\"usageMetadata\":{\"promptTokenCount\":4,\"candidatesTokenCount\":2,"
                 "\"totalTokenCount\":6}}\r\n\r\n");
  REQUIRE_FALSE(o.error);
  REQUIRE(o.usage);
  CHECK(o.usage->total_tokens == 6);
  CHECK(o.chunks.back().usage->completion_tokens == 2);
}

TEST_CASE("gemini stream: blocked prompt streams as a content_filter finish") {
  Fixture f;
  auto o = f.run(
      "data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":"
      "{\"promptTokenCount\":7,\"totalTokenCount\":7},\"modelVersion\":\"gemini-2.5-flash\"}"
      "\r\n\r\n");
  REQUIRE_FALSE(o.error);
  check_sequence(o, R"([
    {"index":0,"delta":{"role":"assistant","content":""},"finish":null},
    {"index":0,"delta":{},"finish":"content_filter"},
    {"usage":{"prompt_tokens":7,"completion_tokens":0,"total_tokens":7,
      "prompt_tokens_details":{"cached_tokens":0},
      "completion_tokens_details":{"reasoning_tokens":0}}}])");
}

TEST_CASE("gemini stream: mid-stream error event → mapped Error") {
  Fixture f;
  auto o = f.run(kMidError);
  REQUIRE(o.error);
  CHECK(o.error->status == 503);
  CHECK(o.error->code == "overloaded");
  CHECK(o.error->message == "gemini: The model is overloaded.");
  REQUIRE(o.chunks.size() == 2);  // role + "Par" went out before the error
  CHECK(o.chunks[1].choices[0].content == "Par");
  CHECK_FALSE(o.done);

  // Pretty-printed over several data: lines (joined with \n by the parser).
  auto pretty = f.run(
      "data: {\r\ndata:   \"error\": {\r\ndata:     \"code\": 429,\r\ndata:     \"message\": "
      "\"Resource exhausted\",\r\ndata:     \"status\": \"RESOURCE_EXHAUSTED\",\r\n"
      "data:     \"details\": [{\"@type\": \"type.googleapis.com/google.rpc.RetryInfo\", "
      "\"retryDelay\": \"1.5s\"}]\r\ndata:   }\r\ndata: }\r\n\r\n");
  REQUIRE(pretty.error);
  CHECK(pretty.error->status == 429);
  CHECK(pretty.error->retry_after_ms == 1500);
  CHECK(pretty.chunks.empty());  // no role chunk before an error

  // A malformed event followed by more stream is a bad upstream; as the very last event it
  // is the cut-off tail of a truncated stream.
  auto garbage = f.run("data: {\"candidates\": [\r\n\r\n" + kRecorded);
  REQUIRE(garbage.error);
  CHECK(garbage.error->status == 502);
  CHECK(garbage.error->code == "bad_upstream_response");
  auto tail = f.run(kRecorded + "data: {\"candidates\": [\r\n\r\n");
  REQUIRE(tail.error);
  CHECK(tail.error->code == "upstream_stream_truncated");
}

TEST_CASE("gemini stream: EOF without finishReason is truncated") {
  Fixture f;
  auto o = f.run(kTruncated);
  REQUIRE(o.error);
  CHECK(o.error->status == 502);
  CHECK(o.error->code == "upstream_stream_truncated");
  CHECK_FALSE(o.done);
  REQUIRE(o.usage);  // what was reported so far stays available to the ledger
  CHECK(o.usage->total_tokens == 4);
  auto empty = f.run("");
  REQUIRE(empty.error);
  CHECK(empty.error->code == "upstream_stream_truncated");
  CHECK(empty.chunks.empty());

  // The last event without its blank line is still used: a finish there completes.
  std::string unterminated = kRecorded.substr(0, kRecorded.size() - 4);
  auto ok = f.run(unterminated);
  CHECK_FALSE(ok.error);
  CHECK(ok.done);
  CHECK(signature(ok) == signature(f.run(kRecorded)));
}

TEST_CASE("gemini stream: identical chunks however the bytes are split") {
  Fixture f;
  struct Case {
    const char* name;
    const std::string* bytes;
  };
  for (const Case& c : {Case{"recorded", &kRecorded}, Case{"utf8", &kUtf8}, Case{"calls", &kCalls},
                        Case{"mid-error", &kMidError}, Case{"truncated", &kTruncated}}) {
    CAPTURE(c.name);
    const std::string& bytes = *c.bytes;
    const auto whole = signature(f.run(bytes));
    REQUIRE(whole.size() >= 2);
    // Every split point into two reads: covers splits between \r and \n and inside every
    // multi-byte UTF-8 sequence of these streams.
    for (size_t cut = 0; cut <= bytes.size(); ++cut) {
      auto got = signature(f.run(gw::test::pieces_cut_at(bytes, {cut})));
      if (got != whole) {
        CAPTURE(cut);
        CHECK(got == whole);
        break;
      }
    }
    // One byte per read.
    CHECK(signature(f.run(gw::test::one_byte_pieces(bytes))) == whole);
  }
  // The interesting cut points really occur in these streams.
  CHECK(kRecorded.find("\r\n") != std::string::npos);
  CHECK(kUtf8.find("\xF0\x9F\x99\x82") != std::string::npos);  // 4-byte emoji
  CHECK(kUtf8.find("\xE4\xB8\x96") != std::string::npos);      // 3-byte CJK
}

TEST_CASE("gemini stream: n>1 candidates keep their own choice index and tool indexes") {
  Fixture f;
  auto o = f.run(
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"index\":0},"
      "{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"id\":\"x1\"}}]},"
      "\"index\":1}]}\r\n\r\n"
      "data: {\"candidates\":[{\"finishReason\":\"STOP\",\"index\":0}]}\r\n\r\n");
  REQUIRE(o.error);  // choice 1 never finished: the stream is incomplete
  CHECK(o.error->code == "upstream_stream_truncated");
  auto ok = f.run(
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"index\":0},"
      "{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"id\":\"x1\"}}]},"
      "\"index\":1}]}\r\n\r\n"
      "data: {\"candidates\":[{\"finishReason\":\"STOP\",\"index\":0},"
      "{\"finishReason\":\"STOP\",\"index\":1}]}\r\n\r\n");
  REQUIRE_FALSE(ok.error);
  check_sequence(ok, R"([
    {"index":0,"delta":{"role":"assistant","content":""},"finish":null},
    {"index":0,"delta":{"content":"a"},"finish":null},
    {"index":1,"delta":{"role":"assistant","content":""},"finish":null},
    {"index":1,"delta":{"tool_calls":[{"index":0,"id":"x1","type":"function",
      "function":{"name":"f","arguments":"{}"}}]},"finish":null},
    {"index":0,"delta":{},"finish":"stop"},
    {"index":1,"delta":{},"finish":"tool_calls"}])");
}
