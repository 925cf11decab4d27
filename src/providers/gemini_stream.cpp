// Gemini `streamGenerateContent?alt=sse` → OpenAI chat.completion.chunk sequence
// (docs/PROTOCOLS.md §7.4).
//
// Every event is a whole GenerateContentResponse holding only the new parts, a cumulative
// usageMetadata and, on the last one, a finishReason. Gemini has no terminator event: the
// stream is complete when EOF follows a finishReason for every candidate seen.
#include <map>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/gemini_translate.hpp"

namespace gw::providers::gemini {
namespace {

class GeminiStreamDecoder final : public StreamDecoder {
 public:
  explicit GeminiStreamDecoder(const Target& t)
      : provider_(t.provider), model_(t.model), id_(new_completion_id()), created_(unix_now()) {}

  Result<void> on_event(const net::SseEvent& ev, api::ChunkList& out) override {
    if (is_blank(ev.data)) return {};
    // A malformed event is an error once another event follows it; as the last event it is
    // the unterminated tail of a cut stream and on_end reports truncation instead
    // (docs/PROTOCOLS.md §7.4, §7.6).
    if (malformed_) return fail(*malformed_);
    Json j = parse_upstream_json(ev.data);
    if (j.is_array() && j.size() == 1) j = Json(j[0]);  // lenient: a one-element array
    if (j.is_discarded() || !j.is_object()) {
      malformed_ =
          Error::upstream(502, provider_->name + ": upstream sent a malformed stream event",
                          "bad_upstream_response");
      return {};
    }
    if (obj_of(j, "error")) return fail(error_from_body(500, j, {}, *provider_));

    if (choices_.empty()) {  // first event: fix the model, open choice 0 with the role chunk
      model_ = api::str_or(j, "modelVersion", model_);
      choice(0, out);
    }
    const Json* u = obj_of(j, "usageMetadata");
    if (u) {
      usage_ = usage_from_gemini(*u);  // cumulative: replaces
      usage_bad_ = usage_bad_ || !usage_;
    }
    decode_candidates(j, out);
    // The event that finishes the last open choice carries the final count.
    if (u) usage_final_ = all_finished();
    return {};
  }

  Result<void> on_end(api::ChunkList& out) override {
    bool complete = !choices_.empty() && !malformed_ && all_finished();
    if (!complete) return fail(truncated_stream_error(provider_->name));
    if (auto u = usage()) {
      api::ChatChunk c = base();
      c.usage = *u;
      out.push_back(std::move(c));
    }
    done_ = true;
    return {};
  }

  bool done() const override { return done_; }
  std::optional<api::Usage> usage() const override {
    if (usage_bad_) return std::nullopt;  // one absurd report discredits the rest
    return usage_;
  }
  bool usage_final() const override { return usage_final_ && usage(); }
  std::string finish_reason() const override { return finish_reason_; }

 private:
  struct ChoiceState {
    int next_tool = 0;  // OpenAI tool index: counts calls of this choice only
    bool finished = false;
  };

  bool all_finished() const {
    for (const auto& [index, st] : choices_)
      if (!st.finished) return false;
    return true;
  }

  void decode_candidates(const Json& j, api::ChunkList& out) {
    const Json* candidates = arr_of(j, "candidates");
    if (!candidates || candidates->empty()) {
      // A blocked prompt streams as one event with promptFeedback and no candidates
      // (docs/PROTOCOLS.md §7.4).
      const Json* fb = obj_of(j, "promptFeedback");
      if (fb && !api::str_or(*fb, "blockReason").empty()) finish(0, "content_filter", out);
      return;
    }
    for (size_t i = 0; i < candidates->size(); ++i) {
      const Json& cand = (*candidates)[i];
      if (!cand.is_object()) continue;
      int index = api::int_or<int>(cand, "index", static_cast<int>(i));
      ChoiceState& st = choice(index, out);
      size_t first_content = out.size();
      bool any_content = false;
      const Json* content = obj_of(cand, "content");
      if (const Json* parts = content ? arr_of(*content, "parts") : nullptr) {
        for (const auto& p : *parts) {
          if (!p.is_object()) continue;
          if (obj_of(p, "functionCall")) {
            api::ToolCall tc = tool_call_from_part(p);
            api::ToolCallDelta d;
            d.index = st.next_tool++;
            d.id = std::move(tc.id);
            d.type = "function";
            d.name = std::move(tc.name);
            d.arguments = std::move(tc.arguments);  // Gemini calls come whole: one fragment
            auto& c = chunk(index, out);
            c.choices[0].tool_calls.push_back(std::move(d));
            continue;
          }
          auto tx = p.find("text");
          if (tx == p.end() || !tx->is_string() || tx->get_ref<const std::string&>().empty())
            continue;  // empty deltas are not forwarded
          if (auto th = p.find("thought"); th != p.end() && *th == true) {
            chunk(index, out).choices[0].reasoning = tx->get<std::string>();  // reasoning_content
            continue;
          }
          if (!any_content) first_content = out.size();
          any_content = true;
          chunk(index, out).choices[0].content = tx->get<std::string>();
        }
      }
      if (any_content)
        if (Json lp = logprobs_from_gemini(cand); !lp.is_null())
          out[first_content].choices[0].logprobs = std::move(lp);
      std::string reason = api::str_or(cand, "finishReason");
      if (!reason.empty()) finish(index, map_finish_reason(reason), out);
    }
  }

  static bool is_blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
  }

  api::ChatChunk base() const {
    api::ChatChunk c;
    c.id = id_;
    c.created = created_;
    c.model = model_;
    return c;
  }

  api::ChatChunk& chunk(int index, api::ChunkList& out) const {
    api::ChatChunk c = base();
    c.choices.emplace_back().index = index;
    out.push_back(std::move(c));
    return out.back();
  }

  // The state of one choice; the first time a choice is seen it gets its role chunk.
  ChoiceState& choice(int index, api::ChunkList& out) {
    auto [it, inserted] = choices_.try_emplace(index);
    if (inserted) {
      auto& c = chunk(index, out).choices[0];
      c.role = "assistant";
      c.content = "";
    }
    return it->second;
  }

  void finish(int index, std::string reason, api::ChunkList& out) {
    ChoiceState& st = choice(index, out);
    // Gemini ends a turn of tool calls with STOP (docs/PROTOCOLS.md §6.2).
    if (st.next_tool > 0 && reason == "stop") reason = "tool_calls";
    st.finished = true;
    if (index == 0 || finish_reason_.empty()) finish_reason_ = reason;
    chunk(index, out).choices[0].finish_reason = std::move(reason);
  }

  const config::ProviderConfig* provider_;
  std::string model_;
  std::string id_;
  int64_t created_;
  std::map<int, ChoiceState> choices_;
  std::optional<api::Usage> usage_;
  std::optional<Error> malformed_;
  std::string finish_reason_;
  bool done_ = false, usage_final_ = false, usage_bad_ = false;
};

}  // namespace

std::unique_ptr<StreamDecoder> make_stream_decoder(const Target& t) {
  return std::make_unique<GeminiStreamDecoder>(t);
}

}  // namespace gw::providers::gemini
