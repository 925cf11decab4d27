// Fixtures the unit tests share, so that each exists once: provider configurations and
// adapters, chat requests, upstream calls and answers, SSE feeding, a loopback listener and a
// temporary directory. Plain functions and value types; a test adds only what is its own.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/json_codec.hpp"
#include "providers/provider.hpp"

namespace gw::test {

// ---- providers and adapters ---------------------------------------------------------------

// The api key the hardening tests expect to see masked wherever it is echoed.
inline constexpr std::string_view kSecretKey = "key-SECRET-0123456789";

// A provider named after its kind (openai | anthropic | gemini) with only what is given set.
inline config::ProviderConfig provider_config(std::string_view kind, std::string_view base_url = {},
                                              std::string_view api_key = {}) {
  config::ProviderConfig p;
  p.name = kind;
  p.kind = kind;
  p.base_url = base_url;
  p.api_key = api_key;
  return p;
}

// A fresh adapter for `kind`; anything but openai and anthropic is gemini.
inline std::unique_ptr<providers::Adapter> adapter_for(std::string_view kind) {
  if (kind == "openai") return providers::make_openai_adapter();
  if (kind == "anthropic") return providers::make_anthropic_adapter();
  return providers::make_gemini_adapter();
}

// ---- requests -------------------------------------------------------------------------

// The one user message most tests send.
inline constexpr std::string_view kHiMessages = R"([{"role":"user","content":"hi"}])";

// A chat request body: `model`, `messages` (a JSON array text) and `extra` top-level fields
// ("a":1,"b":2), if any.
inline std::string chat_body(std::string_view model, std::string_view messages = kHiMessages,
                             std::string_view extra = {}) {
  return R"({"model":")" + std::string(model) + R"(","messages":)" + std::string(messages) +
         (extra.empty() ? "" : "," + std::string(extra)) + "}";
}

// `body` parsed as a client's chat request; it must parse.
inline api::ChatRequest chat_request(std::string_view body) {
  auto r = api::parse_chat_request(body);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

// The streamed one-message request to `model` that the stream tests decode against.
inline api::ChatRequest hi_stream_request(std::string_view model = "m") {
  return chat_request(chat_body(model, kHiMessages, R"("stream":true)"));
}

// ---- upstream calls and answers --------------------------------------------------------

// The adapter's upstream call for a client's `openai_json`, which must parse.
inline Result<providers::UpstreamCall> build_call(const providers::Adapter& adapter,
                                                  std::string_view openai_json,
                                                  const providers::Target& target,
                                                  bool stream = false) {
  return adapter.build_request(chat_request(openai_json), target, stream);
}

// The JSON body of a call that must have been built.
inline api::Json call_body(const Result<providers::UpstreamCall>& call) {
  REQUIRE_MESSAGE(call.has_value(), (call ? "" : call.error().message));
  api::Json j = api::Json::parse(call->body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// The error of a call that must have been refused.
inline Error call_error(const Result<providers::UpstreamCall>& call) {
  REQUIRE_FALSE(call.has_value());
  return call.error();
}

// The adapter's reading of an upstream answer that must be readable.
inline api::ChatResponse parse_answer(const providers::Adapter& adapter, std::string_view body,
                                      const providers::Target& target) {
  auto r = adapter.parse_response(body, target);
  REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

// An upstream error mapped as docs/PROTOCOLS.md §8.1 says, with no retry hint.
inline void check_mapped_error(const Error& e, int status, const std::string& type,
                               const std::string& code, const std::string& message) {
  CHECK(e.status == status);
  CHECK(e.type == type);
  CHECK(e.code == code);
  CHECK(e.message == message);
  CHECK(e.retry_after_ms == -1);
}

// An adapter of cfg.kind with the configuration and model it is tested against. target() reads
// cfg when called, so a test may change cfg (headers, drop_params, the key) between calls.
struct AdapterFixture {
  config::ProviderConfig cfg;
  std::string model;
  std::unique_ptr<providers::Adapter> adapter = adapter_for(cfg.kind);

  providers::Target target() const { return providers::Target{&cfg, model}; }
  Result<providers::UpstreamCall> call(std::string_view openai_json, bool stream = false) const {
    return build_call(*adapter, openai_json, target(), stream);
  }
  api::Json body(std::string_view openai_json, bool stream = false) const {
    return call_body(call(openai_json, stream));
  }
  Error error(std::string_view openai_json) const { return call_error(call(openai_json)); }
  api::ChatResponse parse(std::string_view answer) const {
    return parse_answer(*adapter, answer, target());
  }
  Error parse_error(int status, std::string_view answer, const net::Headers& headers = {}) const {
    return adapter->parse_error(status, answer, headers, target());
  }
};

// Anthropic with nothing but its name and kind, for claude-sonnet-4-5.
inline AdapterFixture anthropic_fixture() {
  return AdapterFixture{provider_config("anthropic"), "claude-sonnet-4-5"};
}

// Gemini with a test key, for gemini-2.5-flash.
inline AdapterFixture gemini_fixture() {
  return AdapterFixture{provider_config("gemini", "", "AIza-test"), "gemini-2.5-flash"};
}

// ---- streams ---------------------------------------------------------------------------

// Hands the events (`event:` name, may be empty; data) to `dec` in order; their chunks go to
// `out`. The first error stops it and is returned.
inline std::optional<Error> feed_events(
    providers::StreamDecoder& dec, const std::vector<std::pair<std::string, std::string>>& events,
    api::ChunkList& out) {
  for (const auto& [name, data] : events) {
    net::SseEvent ev;
    ev.event = name;
    ev.data = data;
    auto r = dec.on_event(ev, out);
    if (!r) return r.error();
  }
  return std::nullopt;
}

// `bytes` cut at `cuts` (ascending offsets), as separate reads would deliver it.
inline std::vector<std::string_view> pieces_cut_at(std::string_view bytes,
                                                   const std::vector<size_t>& cuts) {
  std::vector<std::string_view> pieces;
  size_t from = 0;
  for (size_t to : cuts) {
    pieces.push_back(bytes.substr(from, to - from));
    from = to;
  }
  pieces.push_back(bytes.substr(from));
  return pieces;
}

// `bytes` one byte per read.
inline std::vector<std::string_view> one_byte_pieces(std::string_view bytes) {
  std::vector<std::string_view> pieces;
  for (size_t i = 0; i < bytes.size(); ++i) pieces.push_back(bytes.substr(i, 1));
  return pieces;
}

// Feeds the pieces in order through a net::SseParser (its EOF included) into `dec`, as
// HttpProvider reads a stream; their chunks go to `out`. Events after the first error, which is
// returned, or after the decoder is done are not handed over. on_end is left to the caller.
inline std::optional<Error> feed_sse(providers::StreamDecoder& dec,
                                     const std::vector<std::string_view>& pieces,
                                     api::ChunkList& out) {
  net::SseParser parser;
  std::optional<Error> error;
  auto on_event = [&](const net::SseEvent& ev) {
    if (error || dec.done()) return;
    auto r = dec.on_event(ev, out);
    if (!r) error = r.error();
  };
  for (auto piece : pieces) parser.feed(piece, on_event);
  parser.finish(on_event);
  return error;
}

// The decoder's verdict at the upstream's EOF: the error of a stream that ended early, if any;
// the chunks it still has go to `out`.
inline std::optional<Error> end_stream(providers::StreamDecoder& dec, api::ChunkList& out) {
  auto r = dec.on_end(out);
  if (!r) return r.error();
  return std::nullopt;
}

// to_json of a chunk with the fields that are fresh per response (id, created) blanked, for
// comparing runs.
inline api::Json chunk_json_without_fresh_fields(const api::ChatChunk& chunk) {
  api::Json j = api::to_json(chunk);
  j["id"] = "";
  j["created"] = 0;
  return j;
}

// ---- sockets and files -------------------------------------------------------------------

struct Listener {
  int fd = -1;
  int port = 0;
};

// A TCP socket listening on `ip` at a port the kernel picks.
inline Listener listen_on(const char* ip, int backlog) {
  Listener l;
  l.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  REQUIRE(::inet_pton(AF_INET, ip, &a.sin_addr) == 1);
  REQUIRE(::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(l.fd, backlog) == 0);
  socklen_t len = sizeof a;
  ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len);
  l.port = ntohs(a.sin_port);
  return l;
}

// A fresh directory /tmp/<prefix>XXXXXX, removed with all it holds (whatever its permissions)
// when the test is done with it.
struct TempDir {
  std::string path;
  explicit TempDir(std::string_view prefix) {
    std::string tmpl = "/tmp/" + std::string(prefix) + "XXXXXX";
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace gw::test
