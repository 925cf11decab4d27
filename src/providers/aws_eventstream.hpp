// The application/vnd.amazon.eventstream framing of Bedrock's ConverseStream, decoded as bytes
// arrive: each message is a 12-byte prelude (total length, headers length, CRC32 of the first
// 8 bytes), typed headers, a payload and a CRC32 of everything before it. Both CRCs are
// checked; a length out of bounds or a bad CRC ends the stream with an error, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/error.hpp"

namespace gw::providers::aws {

struct EventMessage {
  // Header values of type string (7) as they are; other types rendered as decimal text
  // (bool "true"/"false", integers, timestamps in ms) or, for bytes and UUIDs, raw.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  // The value of a header ("" when absent): ":message-type" ("event", "exception", "error"),
  // ":event-type", ":exception-type", ":error-code", ":error-message", ":content-type".
  std::string_view header(std::string_view name) const;
};

inline constexpr size_t kMaxEventMessageBytes = 16u << 20;  // AWS's own bound per message

class EventStreamDecoder {
 public:
  using OnMessage = std::function<bool(EventMessage&&)>;  // false stops the decoding

  // Feeds the next bytes; calls on_message for every message they complete. An error (bad
  // CRC, impossible length, malformed header) is returned once and every later feed returns
  // it again. Returns true when on_message asked to stop.
  Result<bool> feed(std::string_view bytes, const OnMessage& on_message);

  // Bytes of a message begun and not finished: a stream that ends with some is truncated.
  size_t pending() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
  std::string error_;
};

// CRC-32 (IEEE 802.3), the framing's checksum.
uint32_t crc32(std::string_view bytes);

// One message in the framing (for the fake upstream and tests): string headers only.
std::string encode_event_message(const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view payload);

}  // namespace gw::providers::aws
