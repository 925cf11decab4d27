// The event-stream decoder: AWS's empty-message vector, a message built by an independent
// encoder (Python's zlib CRC) with string, int32 and bool headers, split at every byte,
// corrupted CRCs and lengths, and the encoder the fake upstream uses read back.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "providers/aws_eventstream.hpp"

namespace {

namespace aws = gw::providers::aws;

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

// Headers ":event-type" contentBlockDelta, ":message-type" event, "count" int32 -2, "flag"
// bool true; payload {"delta":{"text":"Hi"}}.
const std::string kDelta = unhex(
    "0000006e00000047ab98c2760b3a6576656e742d74797065070011636f6e74656e74426c6f636b44656c7461"
    "0d3a6d6573736167652d747970650700056576656e7405636f756e7404fffffffe04666c6167007b2264656c"
    "7461223a7b2274657874223a224869227d7d255d0751");

std::vector<aws::EventMessage> decode_all(aws::EventStreamDecoder& d, std::string_view bytes,
                                          size_t step, bool* failed = nullptr) {
  std::vector<aws::EventMessage> out;
  for (size_t i = 0; i < bytes.size(); i += step) {
    auto r = d.feed(bytes.substr(i, step), [&](aws::EventMessage&& m) {
      out.push_back(std::move(m));
      return true;
    });
    if (!r) {
      if (failed) *failed = true;
      break;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("eventstream: CRC-32's check value; AWS's empty message vector") {
  CHECK(aws::crc32("123456789") == 0xCBF43926u);
  aws::EventStreamDecoder d;
  auto ms = decode_all(d, unhex("000000100000000005c248eb7d98c8ff"), 16);
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].headers.empty());
  CHECK(ms[0].payload.empty());
  CHECK(aws::encode_event_message({}, "") == unhex("000000100000000005c248eb7d98c8ff"));
}

TEST_CASE("eventstream: typed headers and payload, the message split at every byte") {
  for (size_t step = 1; step <= kDelta.size(); ++step) {
    aws::EventStreamDecoder d;
    std::string two = kDelta + kDelta;
    auto ms = decode_all(d, two, step);
    REQUIRE(ms.size() == 2);
    CHECK(d.pending() == 0);
    for (const auto& m : ms) {
      CHECK(m.header(":event-type") == "contentBlockDelta");
      CHECK(m.header(":message-type") == "event");
      CHECK(m.header("count") == "-2");
      CHECK(m.header("flag") == "true");
      CHECK(m.header(":absent").empty());
      CHECK(m.payload == R"({"delta":{"text":"Hi"}})");
    }
  }
}

TEST_CASE("eventstream: a truncated stream leaves bytes pending") {
  aws::EventStreamDecoder d;
  auto ms = decode_all(d, std::string_view(kDelta).substr(0, kDelta.size() - 1), 7);
  CHECK(ms.empty());
  CHECK(d.pending() == kDelta.size() - 1);
}

TEST_CASE("eventstream: a corrupted prelude or message CRC, or an impossible length, is an error") {
  auto fails = [](std::string bytes) {
    aws::EventStreamDecoder d;
    bool failed = false;
    auto ms = decode_all(d, bytes, 5, &failed);
    // The decoder stays failed.
    auto again = d.feed(kDelta, [](aws::EventMessage&&) { return true; });
    return failed && ms.empty() && !again && again.error().status == 502;
  };
  for (size_t i = 0; i < kDelta.size(); ++i) {  // any flipped bit is caught by one CRC
    std::string bad = kDelta;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    CHECK_MESSAGE(fails(bad), "byte " << i);
  }
  // Well-formed CRCs around lengths that cannot be: total under 16, headers beyond the message.
  for (auto [total, headers] :
       {std::pair{8u, 0u}, std::pair{16u, 1u}, std::pair{0x7fffffffu, 0u}}) {
    std::string p;
    for (uint32_t v : {total, headers, 0u})
      for (int s = 24; s >= 0; s -= 8) p.push_back(static_cast<char>((v >> s) & 0xFF));
    uint32_t crc = aws::crc32(std::string_view(p).substr(0, 8));  // a true prelude CRC
    for (int s = 24, i = 8; s >= 0; s -= 8, ++i) p[i] = static_cast<char>((crc >> s) & 0xFF);
    CHECK(fails(p + std::string(20, '\0')));
  }
}

TEST_CASE("eventstream: the encoder's messages read back; a stop from the callback is kept") {
  std::string a = aws::encode_event_message(
      {{":message-type", "exception"}, {":exception-type", "throttlingException"}},
      R"({"message":"Too many requests"})");
  std::string b = aws::encode_event_message({{":event-type", "messageStop"}}, "{}");
  aws::EventStreamDecoder d;
  std::vector<aws::EventMessage> seen;
  auto r = d.feed(a + b, [&](aws::EventMessage&& m) {
    seen.push_back(std::move(m));
    return false;
  });
  REQUIRE(r);
  CHECK(*r);  // stopped after the first
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].header(":exception-type") == "throttlingException");
  CHECK(seen[0].payload == R"({"message":"Too many requests"})");
}
