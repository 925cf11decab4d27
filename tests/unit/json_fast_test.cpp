// The simdjson reading of a request body gives nlohmann's value, number kinds included, or
// declines so that nlohmann reads it.
#include <doctest/doctest.h>

#include <string>

#include "api/json_codec.hpp"
#include "api/json_fast.hpp"
#include "json_same.hpp"

using gw::api::Json;

TEST_CASE("parse_json_fast: nlohmann's value, or declined") {
  for (std::string_view t : {
           R"({"model":"m","messages":[{"role":"user","content":"hi \u00e9 \ud83d\ude00 \n"}]})",
           R"({"a":1,"b":-1,"c":1.5,"d":1e2,"e":18446744073709551615,"f":true,"g":null})",
           R"({"dup":1,"dup":"last"})",
           R"([1,[2,[3,{"x":[]}]],{}])",
           R"("just a string")",
           R"(  {"spaces" :  [ 1 , 2 ]  }  )",
       }) {
    CAPTURE(t);
    auto fast = gw::api::parse_json_fast(t);
    REQUIRE(fast);
    CHECK(gw::test::same_json(*fast, Json::parse(t)));
  }
  CHECK(gw::api::parse_json_fast(R"({"dup":1,"dup":"last"})")->at("dup") == "last");
  CHECK(gw::api::parse_json_fast(R"({"n":5})")->at("n").is_number_unsigned());
  CHECK(gw::api::parse_json_fast(R"({"n":-5})")->at("n").is_number_integer());
  // "-0" is a signed 0 to nlohmann and reads here as "0" does: the same value, which nothing
  // tells apart (both are whole numbers, dumped as 0).
  CHECK(gw::api::parse_json_fast(R"({"z":-0})")->at("z") == Json::parse(R"({"z":-0})")["z"]);

  // What simdjson refuses or cannot tell apart goes to nlohmann.
  for (std::string_view t :
       {std::string_view(R"({"big":123456789012345678901234567890})"),
        std::string_view(R"({"z":-0.0})"), std::string_view("\xef\xbb\xbf{\"bom\":1}"),
        std::string_view(R"({"bad":)"), std::string_view(R"({"x":1e999})")})
    CHECK_FALSE(gw::api::parse_json_fast(t));
  std::string big(gw::api::kFastParseMaxBytes + 10, ' ');
  big.replace(0, 2, "{}");
  CHECK_FALSE(gw::api::parse_json_fast(big));

  // And the request reader ends where nlohmann would: these still parse, or fail as before.
  CHECK(gw::api::parse_chat_request(R"({"model":"m","messages":[],"seed":-0})").has_value() ==
        gw::api::chat_request_from_json(Json::parse(R"({"model":"m","messages":[],"seed":-0})"))
            .has_value());
}
