// The event-stream framing, read incrementally: bytes are kept until a whole message is there,
// then its prelude and message CRCs are checked and its headers walked with every length
// bounded by the message's own.
#include "providers/aws_eventstream.hpp"

#include <array>

namespace gw::providers::aws {
namespace {

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as the framing uses.
constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_crc_table();

uint64_t be(std::string_view s, size_t at, size_t n) {  // n bytes, big-endian
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

void put_be(std::string& out, uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The headers block of one message, or an error message.
std::string read_headers(std::string_view h,
                         std::vector<std::pair<std::string, std::string>>& out) {
  size_t i = 0;
  while (i < h.size()) {
    size_t name_len = static_cast<unsigned char>(h[i++]);
    if (name_len == 0 || i + name_len + 1 > h.size()) return "a header name overruns its block";
    std::string name(h.substr(i, name_len));
    i += name_len;
    unsigned type = static_cast<unsigned char>(h[i++]);
    std::string value;
    auto fixed = [&](size_t n, bool is_signed) -> bool {
      if (i + n > h.size()) return false;
      uint64_t v = be(h, i, n);
      i += n;
      if (is_signed) {  // sign-extend n bytes
        int64_t sv = n == 8 ? static_cast<int64_t>(v)
                            : static_cast<int64_t>(v << (64 - 8 * n)) >> (64 - 8 * n);
        value = std::to_string(sv);
      }
      return true;
    };
    switch (type) {
      case 0:
        value = "true";
        break;
      case 1:
        value = "false";
        break;
      case 2:
        if (!fixed(1, true)) return "a header value overruns its block";
        break;
      case 3:
        if (!fixed(2, true)) return "a header value overruns its block";
        break;
      case 4:
        if (!fixed(4, true)) return "a header value overruns its block";
        break;
      case 5:
      case 8:
        if (!fixed(8, true)) return "a header value overruns its block";
        break;
      case 6:
      case 7: {
        if (i + 2 > h.size()) return "a header value overruns its block";
        size_t len = be(h, i, 2);
        i += 2;
        if (i + len > h.size()) return "a header value overruns its block";
        value.assign(h.substr(i, len));
        i += len;
        break;
      }
      case 9:
        if (i + 16 > h.size()) return "a header value overruns its block";
        value.assign(h.substr(i, 16));
        i += 16;
        break;
      default:
        return "a header of unknown type " + std::to_string(type);
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return {};
}

}  // namespace

uint32_t crc32(std::string_view s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string_view EventMessage::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

Result<bool> EventStreamDecoder::feed(std::string_view bytes, const OnMessage& on_message) {
  auto broken = [&](std::string why) -> Result<bool> {
    if (error_.empty()) error_ = "upstream sent a malformed event stream: " + why;
    buf_.clear();
    pos_ = 0;
    return fail(Error::upstream(502, error_, "bad_upstream_response"));
  };
  if (!error_.empty()) return broken({});
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  buf_.append(bytes);
  while (buf_.size() - pos_ >= 12) {
    std::string_view rest(buf_.data() + pos_, buf_.size() - pos_);
    uint64_t total = be(rest, 0, 4), header_len = be(rest, 4, 4);
    if (crc32(rest.substr(0, 8)) != be(rest, 8, 4)) return broken("prelude CRC mismatch");
    if (total < 16 || total > kMaxEventMessageBytes || header_len > total - 16)
      return broken("impossible message length " + std::to_string(total));
    if (rest.size() < total) break;
    std::string_view msg = rest.substr(0, total);
    if (crc32(msg.substr(0, total - 4)) != be(msg, total - 4, 4))
      return broken("message CRC mismatch");
    EventMessage m;
    if (auto why = read_headers(msg.substr(12, header_len), m.headers); !why.empty())
      return broken(why);
    m.payload.assign(msg.substr(12 + header_len, total - 16 - header_len));
    pos_ += total;
    if (!on_message(std::move(m))) return true;
  }
  if (pos_ > 0 && pos_ * 2 >= buf_.size()) {  // keep the buffer from growing without end
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return false;
}

std::string encode_event_message(const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view payload) {
  std::string hs;
  for (const auto& [k, v] : headers) {
    hs.push_back(static_cast<char>(k.size()));
    hs.append(k);
    hs.push_back(7);
    put_be(hs, v.size(), 2);
    hs.append(v);
  }
  std::string out;
  put_be(out, hs.size() + payload.size() + 16, 4);
  put_be(out, hs.size(), 4);
  put_be(out, crc32(out), 4);
  out.append(hs).append(payload);
  put_be(out, crc32(out), 4);
  return out;
}

}  // namespace gw::providers::aws
