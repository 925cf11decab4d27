// The body of the three adapter harnesses: one input is read as everything an upstream can
// send back — an answer body, an error body, and an SSE stream — the way HttpProvider does.
#pragma once

#include <memory>
#include <string>

#include "api/json_codec.hpp"
#include "fuzz_util.hpp"
#include "net/sse_parser.hpp"
#include "providers/provider.hpp"

namespace gw::fuzz {

struct AdapterFixture {
  config::ProviderConfig cfg;
  std::unique_ptr<providers::Adapter> adapter;
  providers::Target target;
  api::ChatRequest plain, json_mode, with_tools;  // what make_stream_decoder may look at

  AdapterFixture(const char* kind, std::unique_ptr<providers::Adapter> a, const char* model)
      : adapter(std::move(a)) {
    cfg.name = kind;
    cfg.kind = kind;
    cfg.base_url = "http://127.0.0.1:9";
    target = providers::Target{&cfg, model};
    auto read = [&](const std::string& extra) {
      return *api::parse_chat_request(
          R"({"model":")" + std::string(model) +
          R"(","stream":true,"messages":[{"role":"user","content":"hi"}])" + extra + "}");
    };
    plain = read("");
    json_mode = read(R"(,"response_format":{"type":"json_object"})");
    with_tools = read(
        R"(,"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}])");
  }
};

// The input as the whole body of a 2xx answer.
inline void answer_body(const AdapterFixture& f, std::string_view in) {
  guarded([&] {
    auto r = f.adapter->parse_response(in, f.target);
    if (r) (void)api::serialize(*r);
  });
}

// The input as the body of an error answer, with a status and retry headers it picks.
inline void error_body(const AdapterFixture& f, std::string_view in, size_t pick) {
  static const int kStatuses[] = {400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 529};
  static const net::Headers kHeaders[] = {
      {}, {{"retry-after", "7"}}, {{"retry-after-ms", "1500"}}, {{"Retry-After", "1e400"}}};
  int status = kStatuses[pick % std::size(kStatuses)];
  const net::Headers& headers = kHeaders[(pick / std::size(kStatuses)) % std::size(kHeaders)];
  guarded([&] {
    Error e = f.adapter->parse_error(status, in, headers, f.target);
    check(e.status >= 400 && e.status <= 599, "an upstream error maps to a non-error status");
    (void)api::error_body(e);
  });
}

// The input as the bytes of a 200 stream, split where the socket might split it, driven like
// HttpProvider::stream drives a decoder.
inline void stream_body(const AdapterFixture& f, std::string_view in, size_t cut, size_t pick) {
  const api::ChatRequest& req = pick % 3 == 0   ? f.plain
                                : pick % 3 == 1 ? f.json_mode
                                                : f.with_tools;
  guarded([&] {
    auto dec = f.adapter->make_stream_decoder(req, f.target);
    net::SseParser parser;
    api::ChunkList chunks;
    bool failed = false;
    auto on_event = [&](const net::SseEvent& ev) {
      if (failed) return;
      failed = !dec->on_event(ev, chunks);
      for (const auto& c : chunks) (void)(c.raw.empty() ? api::serialize(c) : c.raw);
      chunks.clear();
    };
    parser.feed(in.substr(0, cut), on_event);
    parser.feed(in.substr(cut), on_event);
    parser.finish(on_event);
    if (!failed) failed = !dec->on_end(chunks);
    for (const auto& c : chunks) (void)api::serialize(c);
    if (failed && parser.stray().find("\"error\"") != std::string::npos)
      (void)f.adapter->parse_error(500, parser.stray(), {}, f.target);
    (void)dec->usage();
    (void)dec->finish_reason();
  });
}

inline void fuzz_adapter(const AdapterFixture& f, std::string_view in) {
  uint64_t h = hash(in);
  size_t cut = static_cast<size_t>(h % (in.size() + 1));
  auto pick = static_cast<size_t>(h >> 32);
  answer_body(f, in);
  error_body(f, in, pick);
  stream_body(f, in, cut, pick);
}

}  // namespace gw::fuzz
