// SSE parser: line endings, fields, dispatch rules (docs/PROTOCOLS.md §2.1), and the property
// that any split of the byte stream yields exactly the events of feeding it whole.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "fixtures.hpp"
#include "net/sse_parser.hpp"

namespace {

using gw::net::SseEvent;
using gw::net::SseParser;

struct Ev {
  std::string event, data, id;
  bool operator==(const Ev&) const = default;
};

doctest::String toString(const Ev& e) {
  std::string s = "{event='" + e.event + "' data='" + e.data + "' id='" + e.id + "'}";
  return doctest::String(s.c_str());
}

struct Collector {
  SseParser parser;
  std::vector<Ev> events;
  void feed(std::string_view bytes) {
    parser.feed(bytes, [&](const SseEvent& e) { events.push_back({e.event, e.data, e.id}); });
  }
  bool finish() {
    return parser.finish([&](const SseEvent& e) { events.push_back({e.event, e.data, e.id}); });
  }
};

std::vector<Ev> parse_whole(std::string_view s, bool finish = true) {
  Collector c;
  c.feed(s);
  if (finish) c.finish();
  return c.events;
}

std::vector<Ev> parse_pieces(const std::vector<std::string_view>& pieces) {
  Collector c;
  for (auto piece : pieces) c.feed(piece);
  c.finish();
  return c.events;
}

std::vector<Ev> parse_split(std::string_view s, size_t at) {
  return parse_pieces(gw::test::pieces_cut_at(s, {at}));
}

std::vector<Ev> parse_bytewise(std::string_view s) {
  return parse_pieces(gw::test::one_byte_pieces(s));
}

// Recorded-style streams: OpenAI, Anthropic, Gemini.
const std::string kOpenAiStream =
    "data: "
    "{\"id\":\"chatcmpl-9fA3\",\"object\":\"chat.completion.chunk\",\"created\":1735689600,"
    "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"role\":"
    "\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-9fA3\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-9fA3\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"chatcmpl-9fA3\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
    "\"stop\"}]}\n\n"
    "data: {\"id\":\"chatcmpl-9fA3\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
    "\"completion_tokens\":2,\"total_tokens\":11}}\n\n"
    "data: [DONE]\n\n";

const std::string kAnthropicStream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
    "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"usage\":{"
    "\"input_tokens\":12,\"output_tokens\":1}}}\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
    "\"text\":\"\"}}\n\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\"Hi \xC3\xA9\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{"
    "\"output_tokens\":5}}\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n\n";

// Gemini: CRLF endings; text with an emoji (4 bytes) and CJK (3 bytes each).
const std::string kGeminiStream =
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\xF0\x9F\x98\x80 "
    "\xE4\xBD\xA0\xE5\xA5\xBD\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": "
    "{\"promptTokenCount\": 8,\"candidatesTokenCount\": 1,\"totalTokenCount\": 9},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\xE4\xB8\x96\xE7\x95\x8C"
    "\xF0\x9F\x8C\x8F\"}],\"role\": \"model\"},\"index\": 0}],\"modelVersion\": "
    "\"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n"
    "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"\"}],\"role\": "
    "\"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": "
    "{\"promptTokenCount\": 8,\"candidatesTokenCount\": 3,\"totalTokenCount\": 11},"
    "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n";

// Everything awkward at once: a BOM, lone CRs, comments, multi-line data, id/retry, an
// event without data, and a last event with no blank line after it.
const std::string kMixedStream =
    "\xEF\xBB\xBF: hello\r"
    "event: a\rdata: one\rdata:two\r\r"
    "id: 7\rretry: 1000\rfoo: bar\rdata\r\r"
    "event: lonely\r\r"
    ": keep-alive\r\n"
    "data: x\r\ndata: y\n\n"
    "event: last\ndata: tail";

}  // namespace

TEST_CASE("sse: LF line endings, one event per blank line") {
  auto ev = parse_whole("data: a\n\ndata: b\n\n");
  REQUIRE(ev.size() == 2);
  CHECK(ev[0] == Ev{"", "a", ""});
  CHECK(ev[1] == Ev{"", "b", ""});
}

TEST_CASE("sse: CRLF line endings") {
  auto ev = parse_whole("event: e\r\ndata: a\r\n\r\ndata: b\r\n\r\n", false);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0] == Ev{"e", "a", ""});
  CHECK(ev[1] == Ev{"", "b", ""});
}

TEST_CASE("sse: lone CR line endings") {
  auto ev = parse_whole("data: a\r\rdata: b\rdata: c\r\r", false);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].data == "a");
  CHECK(ev[1].data == "b\nc");
}

TEST_CASE("sse: CR at the end of one feed and LF at the start of the next is one line end") {
  Collector c;
  c.feed("data: a\r");
  CHECK(c.events.empty());
  c.feed("\n");
  CHECK(c.events.empty());  // CRLF is a single line end, not a blank line
  c.feed("\r\n");
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].data == "a");
  CHECK_FALSE(c.finish());
  CHECK(c.events.size() == 1);
}

TEST_CASE("sse: comments are ignored") {
  auto ev = parse_whole(": keep-alive\n\n:another\ndata: x\n: inside\n\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0] == Ev{"", "x", ""});
}

TEST_CASE("sse: several data lines join with a newline") {
  auto ev = parse_whole("data: {\"a\":\ndata:  1}\ndata:\n\n");
  REQUIRE(ev.size() == 1);
  // Only one space after the colon is removed; an empty data line adds an empty line.
  CHECK(ev[0].data == "{\"a\":\n 1}\n");
}

TEST_CASE("sse: data: without a space, and data without a colon") {
  auto ev = parse_whole("data:x\n\ndata\n\ndata:\n\n");
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].data == "x");
  CHECK(ev[1].data == "");
  CHECK(ev[2].data == "");
}

TEST_CASE("sse: a value keeps colons after the first") {
  auto ev = parse_whole("data: a: b:c\n\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].data == "a: b:c");
}

TEST_CASE("sse: id, retry and unknown fields do not change the data") {
  auto ev = parse_whole("id: 42\nretry: 3000\nfoo: bar\nDATA: upper\ndata: d\n\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].data == "d");
  CHECK(ev[0].event == "");
  CHECK(ev[0].id == "42");
}

TEST_CASE("sse: a leading UTF-8 BOM is dropped") {
  auto ev = parse_whole(
      "\xEF\xBB\xBF"
      "data: a\n\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].data == "a");
  // A BOM is only special at the very start of the stream.
  auto ev2 = parse_whole(
      "data: a\n\n\xEF\xBB\xBF"
      "data: b\n\n");
  REQUIRE(ev2.size() == 1);
  CHECK(ev2[0].data == "a");
}

TEST_CASE("sse: event names") {
  auto ev = parse_whole("event: message_start\ndata: {}\n\nevent:ping\ndata: p\n\ndata: plain\n\n");
  REQUIRE(ev.size() == 3);
  CHECK(ev[0] == Ev{"message_start", "{}", ""});
  CHECK(ev[1] == Ev{"ping", "p", ""});
  CHECK(ev[2] == Ev{"", "plain", ""});  // the name does not leak into the next event
}

TEST_CASE("sse: an event without data is not dispatched and its name does not leak") {
  auto ev = parse_whole("event: nothing\n\ndata: d\n\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0] == Ev{"", "d", ""});
  CHECK(parse_whole("event: x\nid: 1\n\n\n\n").empty());
}

TEST_CASE("sse: finish delivers a last event with no blank line") {
  Collector c;
  c.feed("data: a\n\nevent: end\ndata: tail");
  REQUIRE(c.events.size() == 1);
  CHECK(c.parser.pending());
  CHECK(c.finish());
  REQUIRE(c.events.size() == 2);
  CHECK(c.events[1] == Ev{"end", "tail", ""});

  Collector d;  // data line complete, blank line missing
  d.feed("data: x\n");
  CHECK(d.events.empty());
  CHECK(d.parser.pending());
  CHECK(d.finish());
  REQUIRE(d.events.size() == 1);
  CHECK(d.events[0].data == "x");

  Collector e;  // nothing pending
  e.feed("data: x\n\n: comment\n");
  CHECK_FALSE(e.parser.pending());
  CHECK_FALSE(e.finish());
  CHECK(e.events.size() == 1);
}

TEST_CASE("sse: whole recorded streams give the expected events") {
  SUBCASE("openai") {
    auto ev = parse_whole(kOpenAiStream);
    REQUIRE(ev.size() == 6);
    CHECK(ev[1].data ==
          "{\"id\":\"chatcmpl-9fA3\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},"
          "\"finish_reason\":null}]}");
    CHECK(ev[5] == Ev{"", "[DONE]", ""});
    for (const auto& e : ev) CHECK(e.event.empty());
  }
  SUBCASE("anthropic") {
    auto ev = parse_whole(kAnthropicStream);
    REQUIRE(ev.size() == 7);
    const char* names[] = {"message_start",       "content_block_start", "ping",
                           "content_block_delta", "content_block_stop",  "message_delta",
                           "message_stop"};
    for (size_t i = 0; i < ev.size(); ++i) CHECK(ev[i].event == names[i]);
    CHECK(ev[3].data ==
          "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
          "\"text\":\"Hi \xC3\xA9\"}}");
    CHECK(ev[6].data == "{\"type\":\"message_stop\"}");
  }
  SUBCASE("gemini") {
    auto ev = parse_whole(kGeminiStream);
    REQUIRE(ev.size() == 3);
    CHECK(ev[0].data.find("\xF0\x9F\x98\x80 \xE4\xBD\xA0\xE5\xA5\xBD") != std::string::npos);
    CHECK(ev[1].data.find("\xE4\xB8\x96\xE7\x95\x8C\xF0\x9F\x8C\x8F") != std::string::npos);
    for (const auto& e : ev) {
      CHECK(e.data.find('\r') == std::string::npos);
      CHECK(e.data.find('\n') == std::string::npos);
      CHECK(e.data.back() == '}');
    }
  }
  SUBCASE("mixed") {
    auto ev = parse_whole(kMixedStream);
    REQUIRE(ev.size() == 4);
    CHECK(ev[0] == Ev{"a", "one\ntwo", ""});
    CHECK(ev[1] == Ev{"", "", "7"});
    CHECK(ev[2] == Ev{"", "x\ny", "7"});  // the last event id persists (WHATWG)
    CHECK(ev[3] == Ev{"last", "tail", "7"});
  }
}

TEST_CASE("sse: any split of a stream gives the same events as feeding it whole") {
  struct Named {
    const char* name;
    const std::string* text;
  };
  const Named streams[] = {{"openai", &kOpenAiStream},
                           {"anthropic", &kAnthropicStream},
                           {"gemini", &kGeminiStream},
                           {"mixed", &kMixedStream}};
  for (const auto& s : streams) {
    CAPTURE(s.name);
    const std::string& text = *s.text;
    const auto whole = parse_whole(text);
    REQUIRE_FALSE(whole.empty());
    size_t mismatches = 0;
    size_t first_bad = 0;
    for (size_t at = 0; at <= text.size(); ++at) {
      if (parse_split(text, at) != whole) {
        if (mismatches++ == 0) first_bad = at;
      }
    }
    CAPTURE(first_bad);
    CHECK(mismatches == 0);
    CHECK(parse_bytewise(text) == whole);
  }
}

TEST_CASE("sse: three-way splits around every CR/LF of the mixed stream") {
  const std::string& text = kMixedStream;
  const auto whole = parse_whole(text);
  size_t mismatches = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' && text[i] != '\n') continue;
    for (size_t j = i + 1; j <= text.size() && j <= i + 3; ++j) {
      if (parse_pieces(gw::test::pieces_cut_at(text, {i, j})) != whole) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("sse: find_line_end finds the first CR or LF at every offset, 16-byte steps included") {
  for (size_t len = 0; len <= 40; ++len) {
    std::string plain(len, 'x');
    CHECK(gw::net::find_line_end(plain.data(), plain.data() + len) == plain.data() + len);
    for (size_t at = 0; at < len; ++at) {
      for (char eol : {'\n', '\r'}) {
        std::string s = plain;
        s[at] = eol;
        if (at + 1 < len) s[len - 1] = eol == '\n' ? '\r' : '\n';  // a later one must not win
        CHECK(gw::net::find_line_end(s.data(), s.data() + len) == s.data() + at);
      }
    }
  }
  std::string high(20, '\x8a');  // bytes >= 0x80 are ordinary text
  high[17] = '\r';
  CHECK(gw::net::find_line_end(high.data(), high.data() + high.size()) == high.data() + 17);
}

// Issue 12: an upstream that never ends a line or an event must not grow memory without end.
TEST_CASE("sse: a line longer than the bound overflows, frees its buffer and ignores the rest") {
  SseParser parser(64);
  std::vector<Ev> events;
  auto on = [&](const SseEvent& e) { events.push_back({e.event, e.data, e.id}); };
  parser.feed("data: ok\n\n", on);
  CHECK_FALSE(parser.overflowed());
  for (int i = 0; i < 10 && !parser.overflowed(); ++i)
    parser.feed("data: " + std::string(20, 'x'), on);
  CHECK(parser.overflowed());
  CHECK_FALSE(parser.pending());
  parser.feed("\n\ndata: later\n\n", on);  // nothing after the overflow is an event
  CHECK_FALSE(parser.finish(on));
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "ok");
  CHECK(parser.max_bytes() == 64);
  CHECK(SseParser().max_bytes() == size_t{8} << 20);
}

TEST_CASE("sse: an event whose data lines never end in a blank line overflows") {
  SseParser parser(100);
  int events = 0;
  auto on = [&](const SseEvent&) { ++events; };
  std::string line = "data: " + std::string(30, 'y') + "\n";
  parser.feed(line + line + line, on);  // 92 bytes of joined data: still within
  CHECK_FALSE(parser.overflowed());
  parser.feed(line, on);
  CHECK(parser.overflowed());
  parser.feed("\n", on);
  CHECK(events == 0);
}

TEST_CASE("sse: exactly the bound is still an event; one split anywhere gives the same result") {
  std::string data(50, 'z');
  std::string text = "data: " + data + "\n\n";
  for (size_t at = 0; at <= text.size(); ++at) {
    SseParser parser(56);  // the line "data: " + 50 bytes
    std::vector<std::string> got;
    auto on = [&](const SseEvent& e) { got.push_back(e.data); };
    parser.feed(std::string_view(text).substr(0, at), on);
    parser.feed(std::string_view(text).substr(at), on);
    CHECK_FALSE(parser.overflowed());
    REQUIRE(got.size() == 1);
    CHECK(got[0] == data);
  }
}

TEST_CASE("sse: stray lines are kept to 64 KiB even when one line is longer") {
  SseParser parser;
  parser.feed(std::string(100'000, '{') + "\n", [](const SseEvent&) {});
  CHECK(parser.stray().size() <= 64 * 1024 + 1);
  parser.feed(std::string(1000, '}') + "\n", [](const SseEvent&) {});
  CHECK(parser.stray().size() <= 64 * 1024 + 1);
}
