// A JSON text written straight into a string, for the hot output: an upstream request body is
// written field by field from the schema description instead of building an nlohmann tree
// and dumping it (the tree held a copy of every prompt, and its dump escapes byte by byte).
// Output matches nlohmann's dump(-1, ' ', false, replace) value for value: UTF-8 kept,
// control characters escaped, invalid UTF-8 replaced by U+FFFD, doubles shortest-exact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/chat.hpp"

namespace gw::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // A member's name; its value follows.
  void key(std::string_view k) {
    separate();
    append_string(k);
    out_.push_back(':');
    after_key_ = true;
  }
  void string(std::string_view s) {
    separate();
    append_string(s);
  }
  void number(int64_t v);
  void number(double v);
  void boolean(bool v) {
    separate();
    out_.append(v ? "true" : "false");
  }
  void null() {
    separate();
    out_.append("null");
  }
  void json(const Json& j);  // any value, through nlohmann (tools' schemas, extras)

 private:
  void open(char c) {
    separate();
    out_.push_back(c);
    first_ = true;
  }
  void close(char c) {
    out_.push_back(c);
    first_ = false;
  }
  // A comma before every value but the first of its container, and none after a key.
  void separate() {
    if (after_key_)
      after_key_ = false;
    else if (!first_)
      out_.push_back(',');
    first_ = false;
  }
  void append_string(std::string_view s);

  std::string& out_;
  bool first_ = true, after_key_ = false;
};

}  // namespace gw::api
