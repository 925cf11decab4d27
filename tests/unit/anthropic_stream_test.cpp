// Anthropic Messages SSE → OpenAI chunks (docs/PROTOCOLS.md §7.3, §9), fed through the real
// net::SseParser, whole and split at every byte offset.
#include <doctest/doctest.h>

#include "api/json_codec.hpp"
#include "fixtures.hpp"
#include "providers/provider.hpp"

namespace {

using gw::api::Json;

// A recorded-style stream: text, then a tool call (docs/PROTOCOLS.md §7.3 walks through it).
const std::string kRecorded = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_01XYZ","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":412,"cache_creation_input_tokens":0,"cache_read_input_tokens":1024,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me look."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01A","name":"lookup","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"q\": \"cat\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":38}}

event: message_stop
data: {"type":"message_stop"}

)";

// Text with multi-byte UTF-8, a thinking block, a tool whose arguments are split inside a
// \u00e9 escape, and cumulative usage over two message_delta events.
const std::string kUnicode = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"usage":{"input_tokens":20,"cache_creation_input_tokens":5,"cache_read_input_tokens":0,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Café 😀 日本"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01B","name":"find","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"q\": \"caf\\u00"}}

event: future_event
data: {"type":"future_event","what":"ignored"}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"e9\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: content_block_start
data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_01C","name":"noargs","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_stop
data: {"type":"content_block_stop","index":3}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":30}}

event: message_delta
data: {"type":"message_delta","delta":{},"usage":{"input_tokens":20,"cache_creation_input_tokens":5,"cache_read_input_tokens":7,"output_tokens":44}}

event: message_stop
data: {"type":"message_stop"}

)";

struct Run {
  std::vector<Json> chunks;  // to_json of each chunk, id/created blanked
  std::vector<std::string> ids;
  std::vector<int64_t> created;
  std::optional<gw::Error> error;  // from on_event or on_end
  bool done = false;
  std::optional<gw::api::Usage> usage;
  std::string finish;

  std::vector<std::string> serialized() const {
    std::vector<std::string> s;
    for (const auto& c : chunks) s.push_back(c.dump());
    return s;
  }
};

gw::api::ChatRequest request(const std::string& extra = "") {
  return gw::test::chat_request(
      gw::test::chat_body("claude-sonnet-4-5", gw::test::kHiMessages,
                          R"("stream":true)" + (extra.empty() ? "" : "," + extra)));
}

// Feeds `stream` in pieces cut at `cuts` (ascending byte offsets), as the transport would.
Run decode(const std::string& stream, const std::vector<size_t>& cuts,
           const gw::api::ChatRequest& req = request()) {
  auto f = gw::test::anthropic_fixture();
  auto dec = f.adapter->make_stream_decoder(req, f.target());
  Run run;
  gw::api::ChunkList out;
  run.error = gw::test::feed_sse(*dec, gw::test::pieces_cut_at(stream, cuts), out);
  if (!run.error) run.error = gw::test::end_stream(*dec, out);
  for (const auto& c : out) {
    run.ids.push_back(c.id);
    run.created.push_back(c.created);
    run.chunks.push_back(gw::test::chunk_json_without_fresh_fields(c));
  }
  run.done = dec->done();
  run.usage = dec->usage();
  run.finish = dec->finish_reason();
  return run;
}

Json chunk(const std::string& model, const std::string& choices_json,
           const std::string& usage_json = "null") {
  return Json::parse(R"({"id":"","object":"chat.completion.chunk","created":0,"model":")" + model +
                     R"(","choices":)" + choices_json + R"(,"usage":)" + usage_json + "}");
}
Json delta(const std::string& model, const std::string& delta_json,
           const std::string& finish = "null") {
  return chunk(model, R"([{"index":0,"delta":)" + delta_json +
                          R"(,"logprobs":null,"finish_reason":)" + finish + "}]");
}

std::string crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// The same chunks whichever way the bytes were cut.
// One byte per feed (the fake upstream's slowest mode).
void check_byte_at_a_time(const std::string& stream, const gw::api::ChatRequest& req = request()) {
  std::vector<size_t> every;
  for (size_t i = 1; i < stream.size(); ++i) every.push_back(i);
  CHECK(decode(stream, every, req).serialized() == decode(stream, {}, req).serialized());
}

// Two feeds, cut at every byte offset, then one byte per feed.
void check_every_split(const std::string& stream, const gw::api::ChatRequest& req = request()) {
  const auto whole = decode(stream, {}, req).serialized();
  REQUIRE_FALSE(whole.empty());
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    auto split = decode(stream, {cut}, req).serialized();
    if (split != whole) {
      CAPTURE(cut);
      CHECK(split == whole);
      return;
    }
  }
  check_byte_at_a_time(stream, req);
}

const std::string kModel = "claude-sonnet-4-5-20250929";

}  // namespace

TEST_CASE("anthropic stream: the recorded stream gives the exact OpenAI chunks") {
  Run run = decode(kRecorded, {});
  REQUIRE_FALSE(run.error.has_value());
  const std::vector<Json> want = {
      delta(kModel, R"({"role":"assistant","content":""})"),
      delta(kModel, R"({"content":"Let me look."})"),
      delta(kModel, R"({"tool_calls":[{"index":0,"id":"toolu_01A","type":"function",
        "function":{"name":"lookup","arguments":""}}]})"),
      delta(kModel, R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"q\": \"cat\"}"}}]})"),
      delta(kModel, "{}", R"("tool_calls")"),
      chunk(kModel, "[]", R"({"prompt_tokens":1436,"completion_tokens":38,"total_tokens":1474,
        "prompt_tokens_details":{"cached_tokens":1024},
        "completion_tokens_details":{"reasoning_tokens":0}})"),
  };
  CHECK(run.chunks == want);
  CHECK(run.done);
  CHECK(run.finish == "tool_calls");
  REQUIRE(run.usage.has_value());
  CHECK(run.usage->prompt_tokens == 412 + 1024);
  CHECK(run.usage->cached_tokens == 1024);
  CHECK(run.usage->completion_tokens == 38);
  // one chatcmpl id and one created for every chunk of the response
  REQUIRE(!run.ids.empty());
  CHECK(run.ids.front().starts_with("chatcmpl-"));
  for (size_t i = 0; i < run.ids.size(); ++i) {
    CHECK(run.ids[i] == run.ids.front());
    CHECK(run.created[i] == run.created.front());
  }
  CHECK(run.created.front() > 1700000000);
}

TEST_CASE("anthropic stream: the recording split at every byte offset, LF and CRLF") {
  check_every_split(kRecorded);
  const auto lf = decode(kRecorded, {}).serialized();
  CHECK(decode(crlf(kRecorded), {}).serialized() == lf);
  check_every_split(crlf(kRecorded));
}

TEST_CASE("anthropic stream: unicode, thinking, escapes split in partial_json, cumulative usage") {
  Run run = decode(kUnicode, {});
  REQUIRE_FALSE(run.error.has_value());
  const std::vector<Json> want = {
      delta("claude-x", R"({"role":"assistant","content":""})"),
      delta("claude-x", R"({"reasoning_content":"hmm"})"),  // thinking, shown as reasoning
      delta("claude-x", R"({"content":"Café 😀 日本"})"),
      delta("claude-x", R"({"tool_calls":[{"index":0,"id":"toolu_01B","type":"function",
        "function":{"name":"find","arguments":""}}]})"),
      delta("claude-x",
            R"({"tool_calls":[{"index":0,"function":{"arguments":"{\"q\": \"caf\\u00"}}]})"),
      delta("claude-x", R"({"tool_calls":[{"index":0,"function":{"arguments":"e9\"}"}}]})"),
      delta("claude-x", R"({"tool_calls":[{"index":1,"id":"toolu_01C","type":"function",
        "function":{"name":"noargs","arguments":""}}]})"),
      delta("claude-x", "{}", R"("tool_calls")"),
      chunk("claude-x", "[]", R"({"prompt_tokens":32,"completion_tokens":44,"total_tokens":76,
        "prompt_tokens_details":{"cached_tokens":7},
        "completion_tokens_details":{"reasoning_tokens":0}})"),
  };
  CHECK(run.chunks == want);
  REQUIRE(run.usage.has_value());
  CHECK(run.usage->cache_write_tokens == 5);
  // the fragments, concatenated, are the tool's arguments
  std::string args = run.chunks[4]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"];
  args += run.chunks[5]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"];
  CHECK(Json::parse(args)["q"] == "café");

  check_every_split(kUnicode);
  // CRLF: every cut of the recording above already covers "\r" | "\n"; here one byte a time.
  CHECK(decode(crlf(kUnicode), {}).serialized() == decode(kUnicode, {}).serialized());
  check_byte_at_a_time(crlf(kUnicode));
}

TEST_CASE("anthropic stream: text only") {
  const std::string text = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_03","model":"claude-y","usage":{"input_tokens":9,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

: a proxy keep-alive comment

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":2}}

event: message_stop
data: {"type":"message_stop"})";  // no blank line before EOF: still delivered
  Run run = decode(text, {});
  REQUIRE_FALSE(run.error.has_value());
  const std::vector<Json> want = {
      delta("claude-y", R"({"role":"assistant","content":""})"),
      delta("claude-y", R"({"content":"Hel"})"),
      delta("claude-y", R"({"content":"lo"})"),
      delta("claude-y", "{}", R"("length")"),
      chunk("claude-y", "[]", R"({"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,
        "prompt_tokens_details":{"cached_tokens":0},
        "completion_tokens_details":{"reasoning_tokens":0}})"),
  };
  CHECK(run.chunks == want);
  CHECK(run.done);
  CHECK(run.finish == "length");
  check_every_split(text);
}

TEST_CASE("anthropic stream: an error event after the 200 becomes the mapped Error") {
  const std::string stream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_04","model":"claude-z","usage":{"input_tokens":3,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Part"}}

event: error
data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}

)";
  Run run = decode(stream, {});
  REQUIRE(run.error.has_value());
  CHECK(run.error->status == 503);
  CHECK(run.error->code == "overloaded");
  CHECK(run.error->message == "anthropic: Overloaded");
  CHECK_FALSE(run.done);
  const std::vector<Json> want = {delta("claude-z", R"({"role":"assistant","content":""})"),
                                  delta("claude-z", R"({"content":"Part"})")};
  CHECK(run.chunks == want);

  std::string api_error = stream;
  api_error.replace(api_error.find("overloaded_error"), 16, "api_error");
  CHECK(decode(api_error, {}).error->status == 502);
}

TEST_CASE("anthropic stream: a stream cut before message_stop is truncated") {
  const std::string cut = kRecorded.substr(0, kRecorded.find("event: message_delta"));
  Run run = decode(cut, {});
  REQUIRE(run.error.has_value());
  CHECK(run.error->status == 502);
  CHECK(run.error->code == "upstream_stream_truncated");
  CHECK(run.error->message == "upstream stream ended early");
  CHECK_FALSE(run.done);
  CHECK(run.chunks.size() == 4);  // role, text, tool start, fragment: nothing invented

  // message_delta seen but no message_stop: still truncated, the finish chunk was sent
  const std::string no_stop = kRecorded.substr(0, kRecorded.find("event: message_stop"));
  Run run2 = decode(no_stop, {});
  REQUIRE(run2.error.has_value());
  CHECK(run2.error->code == "upstream_stream_truncated");
  CHECK(run2.finish == "tool_calls");
  CHECK(run2.usage->completion_tokens == 38);

  Run plain_error = decode("event: error\ndata: upstream connect error\n\n", {});
  REQUIRE(plain_error.error.has_value());
  CHECK(plain_error.error->status == 502);
  CHECK(plain_error.error->message == "anthropic: upstream connect error");

  Run garbage = decode("event: message_start\ndata: {not json\n\n", {});
  REQUIRE(garbage.error.has_value());
  CHECK(garbage.error->code == "bad_upstream_response");
}

TEST_CASE("anthropic stream: json_tool_call fragments become content in response_format mode") {
  const std::string stream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_05","model":"claude-j","usage":{"input_tokens":50,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_J","name":"json_tool_call","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"n\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":" 3}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}

event: message_stop
data: {"type":"message_stop"}

)";
  auto json_req = request(
      R"("response_format":{"type":"json_schema","json_schema":{"name":"a","schema":{"type":"object"}}})");
  Run run = decode(stream, {}, json_req);
  REQUIRE_FALSE(run.error.has_value());
  const std::vector<Json> want = {
      delta("claude-j", R"({"role":"assistant","content":""})"),
      delta("claude-j", R"({"content":"{\"n\":"})"),
      delta("claude-j", R"({"content":" 3}"})"),
      delta("claude-j", "{}", R"("stop")"),
      chunk("claude-j", "[]", R"({"prompt_tokens":50,"completion_tokens":9,"total_tokens":59,
        "prompt_tokens_details":{"cached_tokens":0},
        "completion_tokens_details":{"reasoning_tokens":0}})"),
  };
  CHECK(run.chunks == want);
  CHECK(run.finish == "stop");
  check_every_split(stream, json_req);

  // without response_format the same stream is an ordinary tool call
  Run plain = decode(stream, {});
  CHECK(plain.finish == "tool_calls");
  CHECK(plain.chunks[1]["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] ==
        "json_tool_call");
}

TEST_CASE(
    "anthropic stream: in response_format mode text and other tools around the answer are "
    "dropped") {
  // What the issue saw: "Let me check." streamed before the forced tool's JSON, then a second
  // call to another tool and closing text.
  const std::string stream = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_06","model":"claude-j","usage":{"input_tokens":50,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Let "}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"me check."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_J","name":"json_tool_call","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: content_block_start
data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_K","name":"lookup","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"q\":1}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":2}

event: content_block_start
data: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_L","name":"json_tool_call","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"again\":true}"}}

event: content_block_start
data: {"type":"content_block_start","index":4,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":4,"delta":{"type":"text_delta","text":"Done."}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":30}}

event: message_stop
data: {"type":"message_stop"}

)";
  auto json_req = request(R"("response_format":{"type":"json_object"})");
  Run run = decode(stream, {}, json_req);
  REQUIRE_FALSE(run.error.has_value());
  std::string content;
  for (const auto& c : run.chunks)
    if (!c["choices"].empty()) {
      const Json& d = c["choices"][0]["delta"];
      CHECK_FALSE(d.contains("tool_calls"));
      if (d.contains("content") && d["content"].is_string()) content += d["content"];
    }
  CHECK(content == R"({"city":"Paris"})");
  CHECK(Json::parse(content) == Json{{"city", "Paris"}});
  CHECK(run.finish == "stop");
  REQUIRE(run.usage);
  CHECK(run.usage->completion_tokens == 30);
  check_every_split(stream, json_req);

  // Thinking before the answer is still reasoning, not content.
  const std::string thinking = R"(event: message_start
data: {"type":"message_start","message":{"id":"msg_07","model":"claude-j","usage":{"input_tokens":5,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Paris it is"}}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_J","name":"json_tool_call","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}

event: message_stop
data: {"type":"message_stop"}

)";
  Run t = decode(thinking, {}, json_req);
  REQUIRE_FALSE(t.error.has_value());
  REQUIRE(t.chunks.size() == 5);
  CHECK(t.chunks[1] == delta("claude-j", R"({"reasoning_content":"Paris it is"})"));
  CHECK(t.chunks[2] == delta("claude-j", R"({"content":"{}"})"));
}
