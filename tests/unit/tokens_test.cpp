// api/tokens: the estimates used when an upstream reports no usage (the mock, cut streams)
// and for routing rules on prompt size.
#include <doctest/doctest.h>

#include "api/tokens.hpp"
#include "gateway/tokens.hpp"

TEST_SUITE("tokens") {
  TEST_CASE("about four bytes a token, rounded up") {
    CHECK(gw::api::estimate_text_tokens("") == 0);
    CHECK(gw::api::estimate_text_tokens("abc") == 1);
    CHECK(gw::api::estimate_text_tokens("abcde") == 2);
  }

  TEST_CASE("a prompt: priming, framing per message, text, images, tools") {
    gw::api::ChatRequest req;
    CHECK(gw::api::estimate_prompt_tokens(req) == 3);
    req.messages.push_back(gw::api::Message::plain("user", "abcdefgh"));
    CHECK(gw::api::estimate_prompt_tokens(req) == 3 + 4 + 2);
    CHECK_FALSE(gw::api::has_images(req));
    gw::api::Message pic;
    pic.role = "user";
    pic.kind = gw::api::Message::ContentKind::parts;
    pic.parts.resize(1);
    pic.parts[0].type = "image_url";
    req.messages.push_back(pic);
    CHECK(gw::api::estimate_prompt_tokens(req) == 3 + 4 + 2 + 4 + 85);  // a low-detail tile
    CHECK(gw::api::has_images(req));
  }

  TEST_CASE("the gateway's old names still reach the same functions") {
    gw::api::ChatRequest req;
    req.messages.push_back(gw::api::Message::plain("user", "abcd"));
    CHECK(gw::gateway::estimate_prompt_tokens(req) == gw::api::estimate_prompt_tokens(req));
    CHECK(gw::gateway::estimate_text_tokens("abcd") == 1);
  }
}
