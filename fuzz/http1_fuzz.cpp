// HTTP/1.1 framing reads the first bytes of every client (and upstream) connection: heads and
// chunked bodies must never crash and must read the same however the bytes arrived.
#include <string>

#include "fuzz_util.hpp"
#include "net/http1.hpp"

namespace {

using namespace gw::net::http1;
using gw::fuzz::check;

// Small enough that inputs reach the 431 path within -max_len.
constexpr size_t kHeadLimit = 2048;

bool same_head(const RequestHead& a, const RequestHead& b) {
  return a.method == b.method && a.target == b.target && a.headers == b.headers &&
         a.expect_continue == b.expect_continue && a.framing.chunked == b.framing.chunked &&
         a.framing.keep_alive == b.framing.keep_alive &&
         a.framing.content_length == b.framing.content_length &&
         a.framing.version_minor == b.framing.version_minor;
}

// The head as a server sees it: a prefix first (a partial read), then all of it, into the one
// RequestHead a connection reuses. Neither may disagree with a fresh parse of the whole.
void request_head(std::string_view in, size_t cut) {
  RequestHead fresh;
  ParseResult whole = parse_request_head(in, fresh, kHeadLimit);
  check(whole.consumed <= std::min(in.size(), kHeadLimit), "consumed beyond the head");
  check((whole.status == Parse::complete) == (whole.consumed > 0), "consumed without a head");
  if (whole.status == Parse::complete) (void)fresh.path();

  RequestHead reused;
  ParseResult part = parse_request_head(in.substr(0, cut), reused, kHeadLimit);
  if (part.status == Parse::complete)
    check(whole.status == Parse::complete && whole.consumed == part.consumed &&
              same_head(fresh, reused),
          "a prefix completed to another head");
  if (part.status == Parse::error)
    check(whole.status == Parse::error, "a prefix failed where the whole head parses");

  ParseResult again = parse_request_head(in, reused, kHeadLimit);
  check(again.status == whole.status && again.consumed == whole.consumed &&
            again.error_status == whole.error_status,
        "a reused RequestHead parsed differently");
  if (whole.status == Parse::complete)
    check(same_head(fresh, reused), "a reused RequestHead kept stale fields");
}

// The same bytes as an upstream's response head.
void response_head(std::string_view in) {
  ResponseHead head;
  ParseResult r = parse_response_head(in, head, kHeadLimit);
  check(r.consumed <= std::min(in.size(), kHeadLimit), "consumed beyond the response head");
  if (r.status == Parse::complete) {
    check(head.status >= 100 && head.status <= 999, "status code out of range");
    (void)gw::net::retry_after_ms(head.headers);
  }
}

struct Decoded {
  int64_t consumed = 0;
  bool error = false;
  bool done = false;
  std::string body;
};

// Feeds `in` as a first piece of `first` bytes, then pieces of `step`, up to the first error.
Decoded decode(std::string_view in, size_t first, size_t step) {
  ChunkedDecoder dec;
  Decoded d;
  auto sink = [&](std::string_view s) { d.body.append(s); };
  size_t at = 0, n = first;
  do {
    std::string_view piece = in.substr(at, n);
    int64_t used = dec.feed(piece, sink);
    if (used < 0) {
      d.error = true;
      break;
    }
    d.consumed += used;
    at += piece.size();
    n = step;
  } while (at < in.size());
  d.done = dec.done();
  return d;
}

void chunked_body(std::string_view in, size_t cut) {
  Decoded whole = decode(in, in.size(), in.size());
  check(whole.body.size() <= in.size(), "more body than input");
  check(whole.error || whole.consumed == static_cast<int64_t>(in.size()) || whole.done,
        "stopped early without being done");
  Decoded split = decode(in, cut, in.size());
  Decoded bytes = decode(in, 1, 1);
  for (const Decoded* d : {&split, &bytes}) {
    check(d->error == whole.error && d->done == whole.done, "split changed the outcome");
    if (!whole.error)
      check(d->consumed == whole.consumed && d->body == whole.body, "split changed the body");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = gw::fuzz::as_text(data, size);
  size_t cut = gw::fuzz::split_point(in);
  request_head(in, cut);
  response_head(in);
  // The body after a head that parses, else the whole input, as a chunked body.
  RequestHead head;
  ParseResult r = parse_request_head(in, head, kHeadLimit);
  std::string_view body = r.status == Parse::complete ? in.substr(r.consumed) : in;
  chunked_body(body, std::min(cut, body.size()));
  return 0;
}
