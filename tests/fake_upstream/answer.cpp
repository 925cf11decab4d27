#include "answer.hpp"

#include "text_util.hpp"

namespace fake {

namespace {

// huge=MB: lorem words up to exactly MB MiB.
std::string huge_text(int mb) {
  const std::size_t size = static_cast<std::size_t>(mb) << 20;
  const std::string block = lorem(1000) + " ";
  std::string out;
  out.reserve(size + block.size());
  while (out.size() < size) out += block;
  out.resize(size);
  return out;
}

}  // namespace

Answer make_answer(const Behavior& b, const Conversation& c, const nlohmann::json& body,
                   std::string_view tool_preface) {
  Answer a;
  bool lorem_mode = false;
  if (b.safety) {
    a.finish = Finish::kSafety;
  } else if (b.tool) {
    a.tool = true;
    a.tool_name = c.first_tool.empty() ? "get_weather" : c.first_tool;
    a.text = std::string(tool_preface);
    a.finish = Finish::kTool;
  } else if (b.huge_mb > 0) {
    a.text = huge_text(b.huge_mb);
  } else if (b.echo_request) {
    a.text = dump(body);
  } else if (b.words >= 0) {
    a.text = lorem(b.words);
    lorem_mode = true;
  } else if (c.last_user_text.empty()) {
    a.text = "Hello!";
  } else {
    a.text = "Hello! You said: " + c.last_user_text;
  }
  if (b.length && !a.tool && !b.safety) a.finish = Finish::kLength;

  if (b.huge_mb > 0 && !a.tool && !b.safety) {
    a.chunks = utf8_pieces(a.text, 16 * 1024);  // a stream of MB MiB in 16 KiB events
  } else if (lorem_mode) {
    a.chunks = lorem_chunks(b.words, b.chunks > 0 ? b.chunks : b.words);
  } else if (b.chunks > 0) {
    a.chunks = utf8_split_n(a.text, static_cast<std::size_t>(b.chunks));
  } else {
    a.chunks = utf8_pieces(a.text, 4);
  }

  a.prompt = 10 + c.prompt_words;
  a.completion = static_cast<std::int64_t>(count_words(a.text)) + (a.tool ? 5 : 0);
  if (b.cache) {
    a.cached = 5;
    a.cache_creation = 3;
  }
  if (b.think) a.reasoning = 4;
  if (b.usage == Behavior::Usage::kAbsurd) {  // beyond any real request: 2e12 and 3e12
    a.prompt = 2'000'000'000'000;
    a.completion = 3'000'000'000'000;
  } else if (b.usage == Behavior::Usage::kNegative) {
    a.prompt = -50;
    a.completion = -20;
  }
  return a;
}

}  // namespace fake
