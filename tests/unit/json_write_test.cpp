// api::JsonWriter writes what nlohmann's dump writes, value for value: the hot upstream body
// depends on it.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "api/json_codec.hpp"
#include "api/json_write.hpp"

namespace {

using gw::api::Json;
using gw::api::JsonWriter;

std::string one_string(std::string_view s) {
  std::string out;
  JsonWriter w(out);
  w.string(s);
  return out;
}

}  // namespace

TEST_CASE("JsonWriter: strings escaped as nlohmann escapes them") {
  for (std::string_view s :
       {std::string_view("plain"), std::string_view(""), std::string_view("q\"b\\s/"),
        std::string_view("\b\f\n\r\t\x01\x1f\x7f"),
        std::string_view("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"),
        std::string_view("bad \xff \xc3 \xed\xa0\x80 \xf4\x90\x80\x80 end"),
        std::string_view("nul \0 inside", 12)}) {
    CAPTURE(s);
    CHECK(one_string(s) == gw::api::dump(Json(std::string(s))));
  }
}

// Long strings are scanned sixteen bytes a step: every byte that needs a look, at every offset
// of a block and across block ends, must still be found.
TEST_CASE("JsonWriter: long strings with one special byte anywhere") {
  const std::string plain = "The quick brown fox jumps over the lazy dog, 0123456789 ~}|{";
  for (std::string_view special :
       {std::string_view("\""), std::string_view("\\"), std::string_view("\n"),
        std::string_view("\x01"), std::string_view("\x1f"), std::string_view("\x7f"),
        std::string_view(" "), std::string_view("\xc3\xa9"), std::string_view("\xe4\xb8\xad"),
        std::string_view("\xff"), std::string_view("\0", 1)}) {
    for (size_t at = 0; at <= plain.size(); ++at) {
      std::string s = plain.substr(0, at) + std::string(special) + plain.substr(at);
      CAPTURE(at);
      CAPTURE(s);
      REQUIRE(one_string(s) == gw::api::dump(Json(s)));
    }
  }
  std::string many(1000, 'a');
  for (size_t i = 7; i < many.size(); i += 37) many[i] = '"';
  CHECK(one_string(many) == gw::api::dump(Json(many)));
}

TEST_CASE("JsonWriter: numbers, literals, nesting and commas") {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("i");
  w.number(int64_t{-42});
  w.key("d");
  w.number(0.7);
  w.key("whole");
  w.number(2.0);
  w.key("tiny");
  w.number(1e-7);
  w.key("inf");
  w.number(std::numeric_limits<double>::infinity());
  w.key("a");
  w.begin_array();
  w.boolean(true);
  w.null();
  w.begin_object();
  w.end_object();
  w.begin_array();
  w.end_array();
  w.json(Json{{"k", {1, 2}}});
  w.end_array();
  w.end_object();
  Json back = Json::parse(out);
  CHECK(back["i"] == -42);
  CHECK(back["d"].get<double>() == 0.7);
  CHECK(back["whole"].is_number_float());
  CHECK(back["tiny"].get<double>() == 1e-7);
  CHECK(back["inf"].is_null());
  CHECK(back["a"] == Json::parse(R"([true,null,{},[],{"k":[1,2]}])"));
  CHECK(out.find("\"whole\":2.0") != std::string::npos);
}
