// providers/tokens: the estimates used when an upstream reports no usage (the mock, cut streams)
// and for routing rules on prompt size.
#include <doctest/doctest.h>

#include "providers/tokens.hpp"

TEST_SUITE("tokens") {
  TEST_CASE("about four bytes a token, rounded up") {
    CHECK(gw::providers::estimate_text_tokens("") == 0);
    CHECK(gw::providers::estimate_text_tokens("abc") == 1);
    CHECK(gw::providers::estimate_text_tokens("abcde") == 2);
  }

  TEST_CASE("a prompt: priming, framing per message, text, images, tools") {
    gw::api::ChatRequest req;
    CHECK(gw::providers::estimate_prompt_tokens(req) == 3);
    req.messages.push_back(gw::api::Message::plain("user", "abcdefgh"));
    CHECK(gw::providers::estimate_prompt_tokens(req) == 3 + 4 + 2);
    CHECK_FALSE(gw::providers::has_images(req));
    gw::api::Message pic;
    pic.role = "user";
    pic.kind = gw::api::Message::ContentKind::parts;
    pic.parts.resize(1);
    pic.parts[0].type = "image_url";
    req.messages.push_back(pic);
    CHECK(gw::providers::estimate_prompt_tokens(req) == 3 + 4 + 2 + 4 + 85);  // a low-detail tile
    CHECK(gw::providers::has_images(req));
  }
}
