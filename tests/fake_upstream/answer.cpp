#include "answer.hpp"

#include "text_util.hpp"

namespace fake {

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

  if (lorem_mode) {
    a.chunks = lorem_chunks(b.words, b.chunks > 0 ? b.chunks : b.words);
  } else if (b.chunks > 0) {
    a.chunks = utf8_split_n(a.text, static_cast<std::size_t>(b.chunks));
  } else {
    a.chunks = utf8_pieces(a.text, 4);
  }

  a.prompt = 10 + c.prompt_words;
  a.completion = static_cast<int>(count_words(a.text)) + (a.tool ? 5 : 0);
  if (b.cache) {
    a.cached = 5;
    a.cache_creation = 3;
  }
  if (b.think) a.reasoning = 4;
  return a;
}

}  // namespace fake
