// OpenAI-compatible upstreams are the most common and their answers and stream events take the
// DOM-free fast readers: the adapter must survive any upstream bytes, and those readers must
// agree with the nlohmann path on everything they accept.
#include "adapter_harness.hpp"
#include "api/fast_parse.hpp"

namespace {

using gw::api::ChatChunk;
using gw::api::Json;
using gw::fuzz::check;

// The stream decoder's slow path: nlohmann, an error object goes elsewhere, else
// chat_chunk_from_json.
std::optional<ChatChunk> slow_chunk(std::string_view t) {
  Json j = Json::parse(t, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  if (j.is_object())
    if (auto e = j.find("error"); e != j.end() && !e->is_null()) return std::nullopt;
  auto c = gw::api::chat_chunk_from_json(j);
  if (!c) return std::nullopt;
  return std::move(*c);
}

void answer_agrees(std::string_view in) {
  auto fast = gw::api::fast_chat_response(in);
  if (!fast) return;
  Json j = Json::parse(in, nullptr, false);
  check(!j.is_discarded(), "fast answer reader accepted what nlohmann rejects");
  auto slow = gw::api::chat_response_from_json(j);
  check(slow.has_value(), "fast answer reader accepted what chat_response_from_json rejects");
  check(gw::api::to_json(*fast) == gw::api::to_json(*slow), "answer readers disagree");
}

// Each event read as the decoder reads it (the frame of the last event first, then the fast
// reader, learning frames as it goes), checked against nlohmann.
void events_agree(std::string_view in) {
  gw::net::SseParser parser;
  gw::api::ChunkTemplate frame;
  ChatChunk reused;  // a recycled slot, as the decoder's ChunkList hands out
  auto on_event = [&](const gw::net::SseEvent& ev) {
    if (frame.read_into(ev.data, reused)) {
      auto slow = slow_chunk(ev.data);
      check(slow.has_value(), "a frame read what nlohmann rejects");
      check(gw::api::to_json(reused) == gw::api::to_json(*slow), "frame and nlohmann disagree");
      return;
    }
    std::string_view raw;
    auto fast = gw::api::fast_chat_chunk(ev.data, &raw);
    if (!fast) return;
    auto slow = slow_chunk(ev.data);
    check(slow.has_value(), "fast chunk reader accepted what nlohmann rejects");
    check(gw::api::to_json(*fast) == gw::api::to_json(*slow), "chunk readers disagree");
    frame.learn(ev.data, *fast, raw);
  };
  parser.feed(in, on_event);
  parser.finish(on_event);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const gw::fuzz::AdapterFixture f("openai", gw::providers::make_openai_adapter(), "gpt-4o");
  std::string_view in = gw::fuzz::as_text(data, size);
  gw::fuzz::fuzz_adapter(f, in);
  gw::fuzz::guarded([&] {
    answer_agrees(in);
    events_agree(in);
  });
  return 0;
}
