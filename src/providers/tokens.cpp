#include "providers/tokens.hpp"

namespace gw::providers {

using api::ChatRequest;
using api::Message;

int64_t estimate_text_tokens(std::string_view text) {
  return text.empty() ? 0 : static_cast<int64_t>((text.size() + 3) / 4);
}

int64_t estimate_prompt_tokens(const ChatRequest& req) {
  int64_t n = 3;  // reply priming
  for (const auto& m : req.messages) {
    n += 4;  // per-message framing
    if (m.kind == Message::ContentKind::text) n += estimate_text_tokens(m.text);
    for (const auto& p : m.parts) {
      if (p.type == "text")
        n += estimate_text_tokens(p.text);
      else if (p.type == "image_url")
        n += 85;  // a low-detail image tile
    }
    for (const auto& c : m.tool_calls)
      n += estimate_text_tokens(c.name) + estimate_text_tokens(c.arguments);
  }
  for (const auto& t : req.tools)
    n += estimate_text_tokens(t.name) + estimate_text_tokens(t.description) +
         (t.parameters.is_null() ? 0 : estimate_text_tokens(t.parameters.dump()));
  return n;
}

bool has_images(const ChatRequest& req) {
  for (const auto& m : req.messages)
    for (const auto& p : m.parts)
      if (p.type == "image_url") return true;
  return false;
}

}  // namespace gw::providers
