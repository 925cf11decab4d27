#include "providers/inbound_reasoning.hpp"

#include <string_view>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"

namespace gw::providers {
namespace {

// The canonical chunk has no member for an OpenAI-compatible server's reasoning, but its raw
// text has it. The text is parsed only when a member so named has a string value: DeepSeek
// sends "reasoning_content":null on every content chunk, and usage chunks have
// reasoning_tokens.
bool mentions_reasoning(std::string_view raw) {
  for (size_t at = raw.find("\"reasoning"); at != std::string_view::npos;
       at = raw.find("\"reasoning", at + 1)) {
    size_t p = at + 10;
    while (p < raw.size() && raw[p] != '"') ++p;  // the rest of the name (no escapes in ours)
    std::string_view name = raw.substr(at + 1, p - at - 1);
    if (name != "reasoning" && name != "reasoning_content") continue;
    auto filler = [](char c) {
      return c == ' ' || c == ':' || c == '\t' || c == '\n' || c == '\r';
    };
    ++p;
    while (p < raw.size() && filler(raw[p])) ++p;
    if (p < raw.size() && raw[p] == '"') return true;
  }
  return false;
}

std::string raw_reasoning(const std::string& raw) {
  if (!mentions_reasoning(raw)) return {};
  api::Json j = parse_upstream_json(raw);
  auto chs = j.is_object() ? j.find("choices") : j.end();
  if (!j.is_object() || chs == j.end() || !chs->is_array()) return {};
  for (const auto& ch : *chs) {
    if (!ch.is_object() || api::int_or<int>(ch, "index", 0) != 0) continue;
    auto d = ch.find("delta");
    if (d == ch.end() || !d->is_object()) return {};
    for (const char* key : {"reasoning_content", "reasoning"})
      if (auto s = api::str_or(*d, key); !s.empty()) return s;
    return {};
  }
  return {};
}

}  // namespace

std::string reasoning_of(const api::Message& m) {
  for (const char* key : {"reasoning_content", "reasoning"})
    if (auto s = api::str_or(m.extra, key); !s.empty()) return s;
  return {};
}

std::string reasoning_of(const api::ChatChunk& c, const api::ChunkChoice& choice) {
  return choice.reasoning ? *choice.reasoning : raw_reasoning(c.raw);
}

}  // namespace gw::providers
