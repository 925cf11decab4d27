// HTTP/1.1 framing: request and response heads (whole and split at every byte), the framing
// rules derived from headers, the chunked decoder under every split, and the writers.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "net/http1.hpp"

namespace {

using namespace gw::net::http1;
using gw::net::header_value;
using gw::net::Headers;
using namespace std::literals;

// Every proper prefix of `raw` must be incomplete; then `raw` (and `raw` + body bytes) parses
// with the head ending at raw.size().
template <class Head, class ParseFn>
ParseResult parse_all_splits(std::string_view raw, Head& out, ParseFn parse) {
  for (size_t i = 0; i < raw.size(); ++i) {
    Head tmp;
    auto r = parse(raw.substr(0, i), tmp, kMaxHead);
    if (r.status != Parse::incomplete) FAIL_CHECK("prefix of ", i, " bytes is not incomplete");
  }
  std::string with_body = std::string(raw) + "BODYBYTES";
  Head tmp;
  auto rb = parse(with_body, tmp, kMaxHead);
  CHECK(rb.status == Parse::complete);
  CHECK(rb.consumed == raw.size());
  auto r = parse(raw, out, kMaxHead);
  if (r.status == Parse::complete) CHECK(r.consumed == raw.size());
  return r;
}

ParseResult req(std::string_view raw, RequestHead& h) {
  return parse_all_splits(raw, h, parse_request_head);
}
ParseResult resp(std::string_view raw, ResponseHead& h) {
  return parse_all_splits(raw, h, parse_response_head);
}

// Parses a request head that should be rejected; returns the error status (0 if accepted).
int req_error(std::string_view raw) {
  RequestHead h;
  auto r = parse_request_head(raw, h);
  return r.status == Parse::error ? r.error_status : 0;
}
bool resp_rejected(std::string_view raw) {
  ResponseHead h;
  return parse_response_head(raw, h).status == Parse::error;
}

struct Decoded {
  bool ok = true;
  bool done = false;
  std::string body;
  size_t consumed = 0;
};

// Feeds the pieces in order; stops at the first error or once done.
Decoded decode(const std::vector<std::string_view>& pieces) {
  ChunkedDecoder d;
  Decoded out;
  for (auto p : pieces) {
    auto n = d.feed(p, [&](std::string_view s) { out.body.append(s); });
    if (n < 0) {
      out.ok = false;
      break;
    }
    out.consumed += static_cast<size_t>(n);
    if (d.done()) break;
  }
  out.done = d.done();
  return out;
}

// Decoding `in` must give the same result whole, split at every byte and byte by byte.
Decoded decode_all_splits(std::string_view in) {
  auto whole = decode({in});
  for (size_t i = 0; i <= in.size(); ++i) {
    auto split = decode({in.substr(0, i), in.substr(i)});
    if (split.ok != whole.ok || split.done != whole.done || split.body != whole.body ||
        (whole.ok && split.consumed != whole.consumed))
      FAIL_CHECK("split at ", i, " differs");
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < in.size(); ++i) bytes.push_back(in.substr(i, 1));
  auto bytewise = decode(bytes);
  CHECK(bytewise.ok == whole.ok);
  CHECK(bytewise.done == whole.done);
  CHECK(bytewise.body == whole.body);
  return whole;
}

}  // namespace

TEST_SUITE("http1") {
  TEST_CASE("request: a typical POST, whole and split at every byte") {
    std::string raw =
        "POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
        "Host: localhost:8080\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 42\r\n"
        "\r\n";
    RequestHead h;
    auto r = req(raw, h);
    REQUIRE(r.status == Parse::complete);
    CHECK(h.method == "POST");
    CHECK(h.target == "/v1/chat/completions?x=1");
    CHECK(h.path() == "/v1/chat/completions");
    REQUIRE(h.headers.size() == 3);
    CHECK(h.headers[0] == std::pair<std::string, std::string>{"Host", "localhost:8080"});
    CHECK(h.framing.version_minor == 1);
    CHECK(h.framing.keep_alive);
    CHECK_FALSE(h.framing.chunked);
    CHECK(h.framing.content_length == 42);
    CHECK_FALSE(h.expect_continue);
  }

  TEST_CASE("request: GET without a body, path without a query, names kept as sent") {
    RequestHead h;
    REQUIRE(req("GET /health HTTP/1.1\r\nhOsT: a\r\nX-Custom-THING: v\r\n\r\n", h).status ==
            Parse::complete);
    CHECK(h.path() == "/health");
    CHECK(h.framing.content_length == -1);
    CHECK(h.headers[1].first == "X-Custom-THING");
    CHECK(header_value(h.headers, "host") == "a");
    CHECK(header_value(h.headers, "x-custom-thing") == "v");
  }

  TEST_CASE("request: lone LF line endings and mixed endings") {
    RequestHead h;
    REQUIRE(req("GET / HTTP/1.1\nHost: a\nContent-Length: 3\n\n", h).status == Parse::complete);
    CHECK(h.framing.content_length == 3);
    REQUIRE(req("GET / HTTP/1.1\r\nHost: a\nX: y\r\n\n", h).status == Parse::complete);
    CHECK(h.headers.size() == 2);
    REQUIRE(req("GET / HTTP/1.1\n\r\n", h).status == Parse::complete);
    CHECK(h.headers.empty());
  }

  TEST_CASE("request: empty lines before the request line are skipped") {
    RequestHead h;
    REQUIRE(req("\r\n\nGET / HTTP/1.1\r\n\r\n", h).status == Parse::complete);
    CHECK(h.method == "GET");
  }

  TEST_CASE("request: header values lose surrounding whitespace, inner whitespace stays") {
    RequestHead h;
    REQUIRE(req("GET / HTTP/1.1\r\nA:   x y \t\r\nB:\tz\r\nC:\r\nD: \r\n\r\n", h).status ==
            Parse::complete);
    CHECK(header_value(h.headers, "A") == "x y");
    CHECK(header_value(h.headers, "B") == "z");
    CHECK(h.headers[2].second.empty());
    CHECK(h.headers[3].second.empty());
  }

  TEST_CASE("request: obs-fold, bad names, bad values and missing colons are 400") {
    CHECK(req_error("GET / HTTP/1.1\r\nA: x\r\n  folded\r\n\r\n") == 400);
    CHECK(req_error("GET / HTTP/1.1\r\nA: x\r\n\tfolded\r\n\r\n") == 400);
    CHECK(req_error("GET / HTTP/1.1\r\n folded: x\r\n\r\n") == 400);
    CHECK(req_error("GET / HTTP/1.1\r\nA : x\r\n\r\n") == 400);
    CHECK(req_error("GET / HTTP/1.1\r\n: x\r\n\r\n") == 400);
    CHECK(req_error("GET / HTTP/1.1\r\nNoColon\r\n\r\n") == 400);
    CHECK(req_error("GET / HTTP/1.1\r\nA(b): x\r\n\r\n") == 400);
    CHECK(req_error("GET / HTTP/1.1\r\nA: x\0y\r\n\r\n"sv) == 400);
    CHECK(req_error("GET / HTTP/1.1\r\nA: x\ry\r\n\r\n") == 400);  // bare CR
    CHECK(req_error("GET / HTTP/1.1\r\nA: x\r\r\n\r\n") == 400);
  }

  TEST_CASE("request: request-line garbage is 400") {
    for (auto bad : {"garbage\r\n\r\n", "GET\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
                     "GET / HTTP/1.1 \r\n\r\n", "GET / http/1.1\r\n\r\n", "GET / HTTP/1\r\n\r\n",
                     "GET / HTTP/1.10\r\n\r\n", "GET / HTTP/x.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
                     " GET / HTTP/1.1\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n",
                     "GET\t/ HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\r\n\r\n"}) {
      CAPTURE(bad);
      CHECK(req_error(bad) == 400);
    }
  }

  TEST_CASE("request: a bad request line is an error before the head is complete") {
    RequestHead h;
    auto r = parse_request_head("hello world\r\nHost: x\r\n", h);
    CHECK(r.status == Parse::error);
    CHECK(r.error_status == 400);
    CHECK_FALSE(r.error.empty());
  }

  TEST_CASE("request: unsupported versions are 505") {
    CHECK(req_error("GET / HTTP/2.0\r\n\r\n") == 505);
    CHECK(req_error("GET / HTTP/0.9\r\n\r\n") == 505);
    RequestHead h;
    REQUIRE(req("GET / HTTP/1.0\r\n\r\n", h).status == Parse::complete);
    CHECK(h.framing.version_minor == 0);
  }

  TEST_CASE("request: keep-alive defaults and the Connection header") {
    struct Case {
      const char* raw;
      bool keep_alive;
    };
    for (auto [raw, keep] : {
             Case{"GET / HTTP/1.0\r\n\r\n", false},
             Case{"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true},
             Case{"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false},
             Case{"GET / HTTP/1.1\r\n\r\n", true},
             Case{"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false},
             Case{"GET / HTTP/1.1\r\nconnection: Upgrade, CLOSE\r\n\r\n", false},
             Case{"GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", true},
         }) {
      CAPTURE(raw);
      RequestHead h;
      REQUIRE(req(raw, h).status == Parse::complete);
      CHECK(h.framing.keep_alive == keep);
    }
  }

  TEST_CASE("request: chunked Transfer-Encoding") {
    RequestHead h;
    REQUIRE(req("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n", h).status ==
            Parse::complete);
    CHECK(h.framing.chunked);
    CHECK(h.framing.content_length == -1);
    CHECK(req_error("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == 501);
    CHECK(req_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") == 501);
    CHECK(req_error("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == 501);
    CHECK(req_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n") == 400);
    CHECK(req_error("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n") == 400);
  }

  TEST_CASE("request: Content-Length rules") {
    RequestHead h;
    REQUIRE(req("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", h).status == Parse::complete);
    CHECK(h.framing.content_length == 0);
    REQUIRE(req("POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", h).status ==
            Parse::complete);
    CHECK(h.framing.content_length == 5);
    REQUIRE(req("POST / HTTP/1.1\r\nContent-Length: 7, 7\r\n\r\n", h).status == Parse::complete);
    CHECK(h.framing.content_length == 7);
    REQUIRE(req("POST / HTTP/1.1\r\nContent-Length: 9223372036854775807\r\n\r\n", h).status ==
            Parse::complete);
    CHECK(h.framing.content_length == INT64_MAX);
    for (auto bad : {"5\r\nContent-Length: 6", "5, 6", "abc", "-1", "+5", "5x", "0x10", "", ",",
                     "9223372036854775808", "99999999999999999999999", "1 2"}) {
      CAPTURE(bad);
      CHECK(req_error("POST / HTTP/1.1\r\nContent-Length: " + std::string(bad) + "\r\n\r\n") ==
            400);
    }
    CHECK(req_error("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n") == 400);
    CHECK(req_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Length: 5\r\n\r\n") == 400);
  }

  TEST_CASE("request: Expect: 100-continue") {
    struct Case {
      const char* raw;
      bool expect;
    };
    for (auto [raw, expect] : {
             Case{"POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", true},
             Case{"POST / HTTP/1.1\r\nEXPECT:  100-Continue \r\n\r\n", true},
             Case{"POST / HTTP/1.1\r\nExpect: something\r\n\r\n", false},
             Case{"POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", false},  // 1.0: no 100
         }) {
      CAPTURE(raw);
      RequestHead h;
      REQUIRE(req(raw, h).status == Parse::complete);
      CHECK(h.expect_continue == expect);
    }
  }

  TEST_CASE("request: a head over max_head is 431, at the limit it parses") {
    std::string head = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
    RequestHead h;
    auto r = parse_request_head(head, h, head.size());
    CHECK(r.status == Parse::complete);
    r = parse_request_head(head, h, head.size() - 1);
    CHECK(r.status == Parse::error);
    CHECK(r.error_status == 431);
    // No end of head within max_head bytes: 431 before the rest arrives.
    std::string endless = "GET / HTTP/1.1\r\nX: " + std::string(kMaxHead, 'a');
    r = parse_request_head(endless, h);
    CHECK(r.status == Parse::error);
    CHECK(r.error_status == 431);
    r = parse_request_head(std::string_view(endless).substr(0, kMaxHead - 1), h);
    CHECK(r.status == Parse::incomplete);
  }

  TEST_CASE("request: the parsed head is reset between parses, reused strings overwritten") {
    RequestHead h;
    REQUIRE(req("POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n"
                "X-Long-Header-Name-Here: a long value that is not in SSO\r\n\r\n",
                h)
                .status == Parse::complete);
    REQUIRE(req("GET /b HTTP/1.1\r\nA: 1\r\n\r\n", h).status == Parse::complete);
    REQUIRE(h.headers.size() == 1);
    CHECK(h.headers[0] == std::pair<std::string, std::string>{"A", "1"});
    CHECK(h.framing.content_length == -1);
    CHECK_FALSE(h.expect_continue);
    REQUIRE(req("GET /c HTTP/1.1\r\n\r\n", h).status == Parse::complete);
    CHECK(h.headers.empty());
    CHECK(parse_request_head("GET /d HTTP/1.1\r\n", h).status == Parse::incomplete);
    CHECK(h.headers.empty());
  }

  TEST_CASE("response: status lines with and without a reason") {
    ResponseHead h;
    REQUIRE(resp("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", h).status == Parse::complete);
    CHECK(h.status == 200);
    CHECK(h.reason == "OK");
    CHECK(h.framing.content_length == 2);
    CHECK(h.framing.keep_alive);
    REQUIRE(resp("HTTP/1.1 204\r\n\r\n", h).status == Parse::complete);
    CHECK(h.status == 204);
    CHECK(h.reason.empty());
    REQUIRE(resp("HTTP/1.1 204 \r\n\r\n", h).status == Parse::complete);
    CHECK(h.reason.empty());
    REQUIRE(resp("HTTP/1.1 429 Too Many  Requests\nretry-after: 3\n\n", h).status ==
            Parse::complete);
    CHECK(h.status == 429);
    CHECK(h.reason == "Too Many  Requests");
    CHECK(header_value(h.headers, "Retry-After") == "3");
    REQUIRE(resp("HTTP/1.1 100 Continue\r\n\r\n", h).status == Parse::complete);
    CHECK(h.status == 100);
    REQUIRE(resp("HTTP/1.1 999 Odd\r\n\r\n", h).status == Parse::complete);
    CHECK(h.status == 999);
  }

  TEST_CASE("response: malformed status lines are rejected") {
    for (auto bad :
         {"HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 1000 High\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
          "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
          "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1\r\n\r\n", "http/1.1 200 OK\r\n\r\n",
          "ICY 200 OK\r\n\r\n", "\r\n\r\n", "HTTP/1.1 200 O\x01K\r\n\r\n"}) {
      CAPTURE(bad);
      CHECK(resp_rejected(bad));
    }
  }

  TEST_CASE("response: framing from the headers") {
    ResponseHead h;
    REQUIRE(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", h).status ==
            Parse::complete);
    CHECK(h.framing.chunked);
    CHECK(h.framing.keep_alive);
    REQUIRE(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", h).status ==
            Parse::complete);
    CHECK(h.framing.chunked);
    // Not chunked last: the body runs until the server closes.
    REQUIRE(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", h).status ==
            Parse::complete);
    CHECK_FALSE(h.framing.chunked);
    CHECK(h.framing.content_length == -1);
    CHECK_FALSE(h.framing.keep_alive);
    REQUIRE(resp("HTTP/1.0 200 OK\r\n\r\n", h).status == Parse::complete);
    CHECK(h.framing.version_minor == 0);
    CHECK_FALSE(h.framing.keep_alive);
    REQUIRE(resp("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", h).status == Parse::complete);
    CHECK(h.framing.keep_alive);
    REQUIRE(resp("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", h).status == Parse::complete);
    CHECK_FALSE(h.framing.keep_alive);
    CHECK(
        resp_rejected("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"));
    CHECK(resp_rejected("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));
    CHECK(resp_rejected("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
    CHECK(resp_rejected("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n"));
  }

  TEST_CASE("response: a head over max_head is an error") {
    std::string head = "HTTP/1.1 200 OK\r\nX: " + std::string(50, 'a') + "\r\n\r\n";
    ResponseHead h;
    CHECK(parse_response_head(head, h, head.size()).status == Parse::complete);
    CHECK(parse_response_head(head, h, head.size() - 1).status == Parse::error);
    CHECK(parse_response_head(head.substr(0, 30), h, 20).status == Parse::error);
  }

  TEST_CASE("chunked: simple body with extensions, trailers and bare LFs") {
    auto d = decode_all_splits("5\r\nhello\r\n6;name=\"v\"\r\n world\r\n0\r\n\r\n");
    CHECK(d.ok);
    CHECK(d.done);
    CHECK(d.body == "hello world");
    d = decode_all_splits("A\r\n0123456789\r\na\n0123456789\n0;ext\r\nX-Trailer: 1\r\nY: 2\n\r\n");
    CHECK(d.ok);
    CHECK(d.done);
    CHECK(d.body == "01234567890123456789");
    d = decode_all_splits("000003 ; a=b\r\nabc\r\n0\n\n");
    CHECK(d.ok);
    CHECK(d.done);
    CHECK(d.body == "abc");
  }

  TEST_CASE("chunked: incomplete bodies are not done") {
    for (auto part : {"", "5", "5\r", "5\r\nhel", "5\r\nhello", "5\r\nhello\r", "5\r\nhello\r\n0",
                      "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nT: 1\r\n"}) {
      CAPTURE(part);
      auto d = decode({part});
      CHECK(d.ok);
      CHECK_FALSE(d.done);
    }
  }

  TEST_CASE("chunked: data after the last chunk is not consumed") {
    std::string in = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
    auto d = decode_all_splits(in);
    CHECK(d.done);
    CHECK(d.consumed == in.find("GET"));
    ChunkedDecoder dec;
    std::string body;
    auto sink = [&](std::string_view s) { body.append(s); };
    CHECK(dec.feed(in, sink) == static_cast<int64_t>(in.find("GET")));
    CHECK(dec.feed("more", sink) == 0);
    CHECK(body == "abc");
  }

  TEST_CASE("chunked: malformed framing is an error") {
    for (auto bad : {"x\r\n", "\r\n", ";ext\r\n", "5\rX", "5\r\nhelloX", "5\r\nhello\rX",
                     "0\r\nT: 1\rX", "0\r\n\rX", "-1\r\n", "5x\r\n", "1\r\na\r\r\n",
                     "1000000000000000\r\n", "0000000000000001\r\n", "FFFFFFFFFFFFFFFFF\r\n"}) {
      CAPTURE(bad);
      CHECK_FALSE(decode_all_splits(bad).ok);
    }
  }

  TEST_CASE("chunked: the largest accepted size is 15 hex digits") {
    ChunkedDecoder dec;
    size_t got = 0;
    auto n = dec.feed("fffffffffffffff\r\nabc", [&](std::string_view s) { got += s.size(); });
    CHECK(n == 20);
    CHECK(got == 3);
    CHECK_FALSE(dec.done());
  }

  TEST_CASE("chunked: append_chunk output decodes back") {
    std::string wire;
    append_chunk(wire, "");
    CHECK(wire.empty());
    append_chunk(wire, "hi");
    CHECK(wire == "2\r\nhi\r\n");
    append_chunk(wire, std::string(255, 'z'));
    CHECK(wire.substr(7, 4) == "ff\r\n");
    wire += kLastChunk;
    auto d = decode_all_splits(wire);
    CHECK(d.done);
    CHECK(d.body == "hi" + std::string(255, 'z'));
  }

  TEST_CASE("writers: response and request heads") {
    std::string out = "prefix|";
    append_response_head(out, 200, {{"Content-Type", "text/plain"}, {"Content-Length", "2"}});
    CHECK(out == "prefix|HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n");
    out.clear();
    append_response_head(out, 299, {});
    CHECK(out == "HTTP/1.1 299 Unknown\r\n\r\n");
    out.clear();
    append_request_head(out, "POST", "/v1/messages", "api.anthropic.com",
                        {{"Transfer-Encoding", "chunked"}});
    CHECK(out ==
          "POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\n"
          "Transfer-Encoding: chunked\r\n\r\n");
    RequestHead h;
    REQUIRE(req(out, h).status == Parse::complete);
    CHECK(h.framing.chunked);
    out.clear();
    append_response_head(out, 429, {{"Retry-After", "1"}});
    ResponseHead rh;
    REQUIRE(resp(out, rh).status == Parse::complete);
    CHECK(rh.status == 429);
    CHECK(rh.reason == "Too Many Requests");
  }

  TEST_CASE("writers: reason phrases") {
    CHECK(reason_phrase(100) == "Continue");
    CHECK(reason_phrase(204) == "No Content");
    CHECK(reason_phrase(404) == "Not Found");
    CHECK(reason_phrase(431) == "Request Header Fields Too Large");
    CHECK(reason_phrase(502) == "Bad Gateway");
    CHECK(reason_phrase(505) == "HTTP Version Not Supported");
    CHECK(reason_phrase(418) == "Unknown");
    for (int code : {100, 200, 201, 204, 400, 401, 403, 404, 405, 408, 409,
                     413, 415, 422, 429, 431, 500, 501, 502, 503, 504, 505})
      CHECK(reason_phrase(code) != "Unknown");
  }

  TEST_CASE("fuzz: no byte substitution crashes a parser or breaks its invariants") {
    const std::string req_raw =
        "POST /v1/x?q HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
    const std::string resp_raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string chunked = "3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n";
    for (char sub : {'\0', '\r', '\n', ' ', ':', ';', 'A', '\x7f', '\xff'}) {
      for (size_t i = 0; i < req_raw.size(); ++i) {
        std::string m = req_raw;
        m[i] = sub;
        RequestHead h;
        auto r = parse_request_head(m, h);
        CHECK(r.consumed <= m.size());
      }
      for (size_t i = 0; i < resp_raw.size(); ++i) {
        std::string m = resp_raw;
        m[i] = sub;
        ResponseHead h;
        auto r = parse_response_head(m, h);
        CHECK(r.consumed <= m.size());
      }
      for (size_t i = 0; i < chunked.size(); ++i) {
        std::string m = chunked;
        m[i] = sub;
        auto d = decode({m});
        CHECK(d.body.size() <= m.size());
        CHECK(d.consumed <= m.size());
      }
    }
  }
}
