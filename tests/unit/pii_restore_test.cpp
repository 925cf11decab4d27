// Placeholders and their restore: the same value keeps its placeholder within a request, a
// whole answer gets every original back, and a stream cut at any byte releases every byte
// that cannot be part of a placeholder at once and restores the ones that are.
#include <doctest/doctest.h>

#include <string>

#include "pii/restore.hpp"

using gw::pii::Placeholders;
using gw::pii::StreamRestorer;

TEST_CASE("placeholders: typed, numbered per type, stable per value") {
  Placeholders p;
  CHECK(p.assign("EMAIL", "a@x.com") == "<EMAIL_1>");
  CHECK(p.assign("PHONE", "+1 555 123 4567") == "<PHONE_1>");
  CHECK(p.assign("EMAIL", "b@x.com") == "<EMAIL_2>");
  CHECK(p.assign("EMAIL", "a@x.com") == "<EMAIL_1>");
  CHECK(p.size() == 3);
  REQUIRE(p.original("<EMAIL_2>"));
  CHECK(*p.original("<EMAIL_2>") == "b@x.com");
  CHECK_FALSE(p.original("<EMAIL_3>"));
}

TEST_CASE("restore: every known placeholder, nothing else") {
  Placeholders p;
  p.assign("EMAIL", "a@x.com");
  p.assign("EMPLOYEE_ID", "EMP-123456");
  std::string out;
  CHECK(p.restore("mail <EMAIL_1> about <EMPLOYEE_ID_1>, not <EMAIL_9> or <b>x</b> <", out));
  CHECK(out == "mail a@x.com about EMP-123456, not <EMAIL_9> or <b>x</b> <");
  out.clear();
  CHECK_FALSE(p.restore("no placeholder here", out));
  CHECK(out == "no placeholder here");
  // In tool-call arguments the value is JSON string content.
  Placeholders q;
  q.assign("NAME", "say \"hi\"\\");
  out.clear();
  CHECK(q.restore(R"({"to":"<NAME_1>"})", out, true));
  CHECK(out == R"({"to":"say \"hi\"\\"})");
}

TEST_CASE("stream restore: a placeholder cut at every offset, other text never held back") {
  Placeholders p;
  p.assign("EMAIL", "alice@example.com");
  p.assign("PHONE", "+86 138 0013 8000");
  const std::string sent = "Hi <EMAIL_1>, call <PHONE_1> now; a < b and <EM dash <EMAIL_1>";
  const std::string want =
      "Hi alice@example.com, call +86 138 0013 8000 now; a < b and <EM dash alice@example.com";
  for (size_t piece = 1; piece <= sent.size(); ++piece) {
    StreamRestorer r;
    std::string got;
    for (size_t i = 0; i < sent.size(); i += piece) {
      std::string out;
      r.feed(p, std::string_view(sent).substr(i, piece), out);
      got += out;
    }
    r.flush(p, got);
    CHECK_MESSAGE(got == want, "pieces of " << piece);
  }
  // Text that cannot begin a placeholder passes at once.
  StreamRestorer r;
  std::string out;
  CHECK_FALSE(r.feed(p, "plain text", out));
  CHECK(out == "plain text");
  out.clear();
  r.feed(p, "x <EMA", out);
  CHECK(out == "x ");  // only "<EMA" is held
  CHECK(r.holding());
  out.clear();
  r.feed(p, "X and more", out);  // "<EMAX" is no placeholder: released as it was
  CHECK(out == "<EMAX and more");
  CHECK_FALSE(r.holding());
  // A stream that ends inside a would-be placeholder gives the bytes back.
  out.clear();
  r.feed(p, "tail <PHO", out);
  r.flush(p, out);
  CHECK(out == "tail <PHO");
}
