// Anthropic Messages inbound, the request side: a Messages request body → ChatRequest, and
// count_tokens (the odd cases are listed in anthropic_inbound.hpp).
#include "providers/anthropic_inbound.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

#include "api/json_codec.hpp"
#include "providers/inbound_params.hpp"
#include "providers/tokens.hpp"

namespace gw::providers::anthropic {
namespace {

using api::Json;

using inbound::at;
using inbound::invalid;
using inbound::member;
using inbound::missing;
using inbound::mistyped;

// A required non-empty string member.
Result<std::string> required_string(const Json& o, std::string_view key, const std::string& path) {
  const Json* v = member(o, key);
  if (!v) return fail(missing(path));
  if (!v->is_string()) return fail(mistyped(path, "a string"));
  if (v->get_ref<const std::string&>().empty()) return fail(invalid(path, "must not be empty."));
  return v->get<std::string>();
}

// Reads one Messages request. Members are read in a fixed order, so the first error a body
// has is the one reported, whatever its member order.
class Reader {
 public:
  explicit Reader(bool need_max_tokens) : need_max_tokens_(need_max_tokens) {}

  Result<api::ChatRequest> read(const Json& j) {
    if (!j.is_object()) return fail(Error::bad_request("The request body must be a JSON object."));
    auto model = required_string(j, "model", "model");
    if (!model) return fail(model.error());
    req_.model = std::move(*model);
    for (auto step : {&Reader::max_tokens, &Reader::system, &Reader::messages, &Reader::sampling,
                      &Reader::metadata, &Reader::tools, &Reader::tool_choice, &Reader::thinking})
      if (auto r = (this->*step)(j); !r) return fail(r.error());
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (std::ranges::find(kKnown, k) != std::end(kKnown) || it->is_null()) continue;
      // A member by a name the canonical schema types, which Anthropic does not define, would
      // override what the translation set.
      if (api::is_typed_request_field(k))
        return fail(Error::bad_request(
            "'" + k + "': Extra inputs are not permitted (not a Messages API parameter).", k,
            "unknown_parameter"));
      req_.anthropic_extra[k] = *it;
    }
    return std::move(req_);
  }

 private:
  static constexpr std::string_view kKnown[] = {
      "model", "max_tokens", "system",   "messages", "stop_sequences", "temperature", "top_p",
      "top_k", "stream",     "metadata", "tools",    "tool_choice",    "thinking"};

  Result<void> max_tokens(const Json& j) {
    const Json* v = member(j, "max_tokens");
    if (!v) {
      if (need_max_tokens_) return fail(missing("max_tokens"));
      return {};
    }
    auto n = api::as_int<int64_t>(*v);
    if (!v->is_number() || !n) return fail(mistyped("max_tokens", "an integer"));
    if (*n < 1) return fail(invalid("max_tokens", "expected a value of at least 1."));
    req_.max_tokens = *n;
    return {};
  }

  // A `cache_control` object on a tool_use or tool_result block: the canonical message takes
  // it (the last one wins); the Anthropic adapter puts it on that message's last block.
  static void take_cache_control(const Json& block, api::Message& m) {
    if (const Json* cc = member(block, "cache_control"); cc && cc->is_object())
      m.extra["cache_control"] = *cc;
  }
  // On a text or image block it stays on that block (ContentPart::cache_control).
  static void take_cache_control(const Json& block, api::ContentPart& p) {
    if (const Json* cc = member(block, "cache_control"); cc && cc->is_object())
      p.cache_control = *cc;
  }

  static Result<api::ContentPart> text_part(const Json& block, const std::string& path) {
    const Json* t = member(block, "text");
    if (!t) return fail(missing(path + ".text"));
    if (!t->is_string()) return fail(mistyped(path + ".text", "a string"));
    api::ContentPart p;
    p.type = "text";
    p.text = t->get<std::string>();
    return p;
  }

  // base64 source → a data: URL, url source → the URL.
  static Result<api::ContentPart> image_part(const Json& block, const std::string& path) {
    const Json* src = member(block, "source");
    if (!src) return fail(missing(path + ".source"));
    if (!src->is_object()) return fail(mistyped(path + ".source", "an object"));
    auto type = required_string(*src, "type", path + ".source.type");
    if (!type) return fail(type.error());
    api::ContentPart p;
    p.type = "image_url";
    if (*type == "base64") {
      auto media = required_string(*src, "media_type", path + ".source.media_type");
      if (!media) return fail(media.error());
      auto data = required_string(*src, "data", path + ".source.data");
      if (!data) return fail(data.error());
      p.image_url = "data:" + *media + ";base64," + *data;
    } else if (*type == "url") {
      auto url = required_string(*src, "url", path + ".source.url");
      if (!url) return fail(url.error());
      p.image_url = std::move(*url);
    } else {
      return fail(invalid(path + ".source.type",
                          "'" + *type + "'. Supported image sources are 'base64' and 'url'."));
    }
    return p;
  }

  // A block's `type`, required.
  static Result<std::string> block_type(const Json& block, const std::string& path) {
    if (!block.is_object()) return fail(mistyped(path, "a content block object"));
    return required_string(block, "type", path + ".type");
  }

  // tool_result → a role "tool" message. is_error: true → "Error: " before the text.
  static Result<api::Message> tool_result(const Json& block, const std::string& path) {
    api::Message m;
    m.role = "tool";
    auto id = required_string(block, "tool_use_id", path + ".tool_use_id");
    if (!id) return fail(id.error());
    m.tool_call_id = std::move(*id);
    take_cache_control(block, m);
    m.kind = api::Message::ContentKind::text;
    if (const Json* c = member(block, "content")) {
      if (c->is_string()) {
        m.text = c->get<std::string>();
      } else if (c->is_array()) {
        m.kind = api::Message::ContentKind::parts;
        for (size_t k = 0; k < c->size(); ++k) {
          const std::string cpath = at(path + ".content", k);
          auto type = block_type((*c)[k], cpath);
          if (!type) return fail(type.error());
          Result<api::ContentPart> part;
          if (*type == "text") {
            part = text_part((*c)[k], cpath);
          } else if (*type == "image") {
            part = image_part((*c)[k], cpath);
          } else {
            part = api::ContentPart{};
            part->type = *type;
            part->raw = (*c)[k];
          }
          if (!part) return fail(part.error());
          take_cache_control((*c)[k], *part);
          m.parts.push_back(std::move(*part));
        }
      } else {
        return fail(mistyped(path + ".content", "a string or an array of content blocks"));
      }
    }
    const Json* err = member(block, "is_error");
    if (err && !err->is_boolean()) return fail(mistyped(path + ".is_error", "a boolean"));
    if (err && err->get<bool>()) {
      if (m.kind == api::Message::ContentKind::text) {
        m.text = m.text.empty() ? "Error" : "Error: " + m.text;
      } else if (!m.parts.empty() && m.parts.front().type == "text") {
        m.parts.front().text = "Error: " + m.parts.front().text;
      } else {
        api::ContentPart p;
        p.type = "text";
        p.text = "Error";
        m.parts.insert(m.parts.begin(), std::move(p));
      }
    }
    return m;
  }

  // tool_use → a tool call; `input` (an object) → its JSON text.
  static Result<api::ToolCall> tool_use(const Json& block, const std::string& path) {
    api::ToolCall call;
    auto id = required_string(block, "id", path + ".id");
    if (!id) return fail(id.error());
    auto name = required_string(block, "name", path + ".name");
    if (!name) return fail(name.error());
    call.id = std::move(*id);
    call.name = std::move(*name);
    const Json* input = member(block, "input");
    if (input && !input->is_object()) return fail(mistyped(path + ".input", "an object"));
    call.arguments = input ? api::dump(*input) : "{}";
    return call;
  }

  Result<void> system(const Json& j) {
    const Json* v = member(j, "system");
    if (!v) return {};
    if (v->is_string()) {
      if (!v->get_ref<const std::string&>().empty())
        req_.messages.push_back(api::Message::plain("system", v->get<std::string>()));
      return {};
    }
    if (!v->is_array()) return fail(mistyped("system", "a string or an array of text blocks"));
    api::Message m;
    m.role = "system";
    m.kind = api::Message::ContentKind::parts;
    for (size_t i = 0; i < v->size(); ++i) {
      const std::string path = at("system", i);
      auto type = block_type((*v)[i], path);
      if (!type) return fail(type.error());
      if (*type != "text")
        return fail(invalid(path + ".type", "'" + *type + "'. System blocks must be 'text'."));
      auto part = text_part((*v)[i], path);
      if (!part) return fail(part.error());
      take_cache_control((*v)[i], *part);
      m.parts.push_back(std::move(*part));
    }
    if (!m.parts.empty()) req_.messages.push_back(std::move(m));
    return {};
  }

  Result<void> messages(const Json& j) {
    const Json* v = member(j, "messages");
    if (!v) return fail(missing("messages"));
    if (!v->is_array()) return fail(mistyped("messages", "an array"));
    if (v->empty())
      return fail(Error::bad_request("'messages' must contain at least one message.", "messages",
                                     "invalid_value"));
    for (size_t i = 0; i < v->size(); ++i)
      if (auto r = message((*v)[i], at("messages", i)); !r) return r;
    return {};
  }

  Result<void> message(const Json& msg, const std::string& path) {
    if (!msg.is_object()) return fail(mistyped(path, "an object"));
    const Json* role = member(msg, "role");
    if (!role) return fail(missing(path + ".role"));
    if (!role->is_string()) return fail(mistyped(path + ".role", "a string"));
    const std::string& r = role->get_ref<const std::string&>();
    // "system" inside messages: Claude Code sends it (mid-conversation instructions); it stays a
    // system message in its place, text only.
    if (r != "user" && r != "assistant" && r != "system")
      return fail(invalid(path + ".role",
                          "'" + r + "'. Supported values are: 'user', 'assistant' and 'system'."));
    const Json* content = member(msg, "content");
    if (!content) return fail(missing(path + ".content"));

    api::Message m;
    m.role = r;
    for (auto it = msg.begin(); it != msg.end(); ++it)  // the canonical rule: kept as received
      if (it.key() != "role" && it.key() != "content" && !it->is_null()) m.extra[it.key()] = *it;
    if (content->is_string()) {
      m.kind = api::Message::ContentKind::text;
      m.text = content->get<std::string>();
      req_.messages.push_back(std::move(m));
      return {};
    }
    if (!content->is_array())
      return fail(mistyped(path + ".content", "a string or an array of content blocks"));

    const bool assistant = r == "assistant";
    m.kind = api::Message::ContentKind::parts;
    std::vector<api::Message> results;  // tool_result blocks, each a tool message
    for (size_t k = 0; k < content->size(); ++k) {
      const Json& block = (*content)[k];
      const std::string bpath = at(path + ".content", k);
      auto type = block_type(block, bpath);
      if (!type) return fail(type.error());
      if (*type == "text" || *type == "image") {
        auto part = *type == "text" ? text_part(block, bpath) : image_part(block, bpath);
        if (!part) return fail(part.error());
        take_cache_control(block, *part);
        m.parts.push_back(std::move(*part));
      } else if (*type == "tool_use") {
        if (!assistant)
          return fail(invalid(bpath + ".type", "'tool_use' blocks belong in assistant messages."));
        auto call = tool_use(block, bpath);
        if (!call) return fail(call.error());
        take_cache_control(block, m);
        m.tool_calls.push_back(std::move(*call));
      } else if (*type == "tool_result") {
        if (r != "user")
          return fail(invalid(bpath + ".type", "'tool_result' blocks belong in user messages."));
        auto res = tool_result(block, bpath);
        if (!res) return fail(res.error());
        results.push_back(std::move(*res));
      } else if (*type == "thinking" || *type == "redacted_thinking") {
        if (!assistant)
          return fail(
              invalid(bpath + ".type", "'" + *type + "' blocks belong in assistant messages."));
        // dropped: no other upstream reads them, and only Anthropic can check their signature
      } else {
        api::ContentPart p;  // kept whole; the upstream's adapter decides
        p.type = *type;
        p.raw = block;
        m.parts.push_back(std::move(p));
      }
    }
    // Tool results first, each its own tool message right after the assistant's calls (as
    // OpenAI needs them); the turn's other blocks follow as one user message.
    for (auto& res : results) req_.messages.push_back(std::move(res));
    if (assistant) {
      if (m.parts.empty()) m.kind = api::Message::ContentKind::null;
      if (m.parts.empty() && m.tool_calls.empty()) return {};  // nothing left (thinking only)
    } else if (m.parts.empty() && !results.empty()) {
      return {};
    }
    req_.messages.push_back(std::move(m));
    return {};
  }

  // A number within [0, 1], as Anthropic bounds temperature and top_p.
  static Result<std::optional<double>> unit_number(const Json& j, std::string_view key) {
    const Json* v = member(j, key);
    if (!v) return std::optional<double>{};
    const std::string path(key);
    if (!v->is_number()) return fail(mistyped(path, "a number"));
    double d = v->get<double>();
    if (!(d >= 0 && d <= 1)) return fail(invalid(path, "expected a value between 0 and 1."));
    return std::optional<double>{d};
  }

  Result<void> sampling(const Json& j) {
    if (const Json* v = member(j, "stop_sequences")) {
      if (!v->is_array()) return fail(mistyped("stop_sequences", "an array of strings"));
      for (size_t i = 0; i < v->size(); ++i) {
        if (!(*v)[i].is_string()) return fail(mistyped(at("stop_sequences", i), "a string"));
        req_.stop.push_back((*v)[i].get<std::string>());
      }
    }
    auto temperature = unit_number(j, "temperature");
    if (!temperature) return fail(temperature.error());
    req_.temperature = *temperature;
    auto top_p = unit_number(j, "top_p");
    if (!top_p) return fail(top_p.error());
    req_.top_p = *top_p;
    if (const Json* v = member(j, "top_k")) {
      auto k = api::as_int<int64_t>(*v);
      if (!v->is_number() || !k) return fail(mistyped("top_k", "an integer"));
      if (*k < 0) return fail(invalid("top_k", "expected a value of at least 0."));
      req_.anthropic_extra["top_k"] = *k;
    }
    if (const Json* v = member(j, "stream")) {
      if (!v->is_boolean()) return fail(mistyped("stream", "a boolean"));
      req_.stream = v->get<bool>();
      req_.include_usage = req_.stream;  // an Anthropic stream always reports usage
    }
    return {};
  }

  Result<void> metadata(const Json& j) {
    const Json* v = member(j, "metadata");
    if (!v) return {};
    if (!v->is_object()) return fail(mistyped("metadata", "an object"));
    if (const Json* u = member(*v, "user_id")) {
      if (!u->is_string()) return fail(mistyped("metadata.user_id", "a string"));
      req_.user = u->get<std::string>();
    }
    return {};
  }

  Result<void> tools(const Json& j) {
    const Json* v = member(j, "tools");
    if (!v) return {};
    if (!v->is_array()) return fail(mistyped("tools", "an array"));
    for (size_t i = 0; i < v->size(); ++i) {
      const Json& t = (*v)[i];
      const std::string path = at("tools", i);
      if (!t.is_object()) return fail(mistyped(path, "an object"));
      if (const Json* type = member(t, "type"); type && *type != "custom") {
        if (!type->is_string()) return fail(mistyped(path + ".type", "a string"));
        return fail(invalid(path + ".type",
                            "'" + type->get<std::string>() +
                                "'. Only custom tools (name, description, input_schema) are "
                                "supported through this gateway."));
      }
      api::Tool tool;
      auto name = required_string(t, "name", path + ".name");
      if (!name) return fail(name.error());
      tool.name = std::move(*name);
      if (const Json* d = member(t, "description")) {
        if (!d->is_string()) return fail(mistyped(path + ".description", "a string"));
        tool.description = d->get<std::string>();
      }
      const Json* schema = member(t, "input_schema");
      if (!schema) return fail(missing(path + ".input_schema"));
      if (!schema->is_object()) return fail(mistyped(path + ".input_schema", "an object"));
      tool.parameters = *schema;
      req_.tools.push_back(std::move(tool));
    }
    return {};
  }

  // {type: auto|any|tool|none} → "auto" / "required" / the function / "none";
  // disable_parallel_tool_use → parallel_tool_calls false.
  Result<void> tool_choice(const Json& j) {
    const Json* v = member(j, "tool_choice");
    if (!v) return {};
    if (!v->is_object()) return fail(mistyped("tool_choice", "an object"));
    auto type = required_string(*v, "type", "tool_choice.type");
    if (!type) return fail(type.error());
    if (*type == "auto") {
      req_.tool_choice = "auto";
    } else if (*type == "any") {
      req_.tool_choice = "required";
    } else if (*type == "none") {
      req_.tool_choice = "none";
    } else if (*type == "tool") {
      auto name = required_string(*v, "name", "tool_choice.name");
      if (!name) return fail(name.error());
      req_.tool_choice = {{"type", "function"}, {"function", {{"name", *name}}}};
    } else {
      return fail(invalid("tool_choice.type", "'" + *type +
                                                  "'. Supported values are: 'auto', 'any', "
                                                  "'tool' and 'none'."));
    }
    if (const Json* d = member(*v, "disable_parallel_tool_use")) {
      if (!d->is_boolean())
        return fail(mistyped("tool_choice.disable_parallel_tool_use", "a boolean"));
      if (d->get<bool>() && *type != "none") req_.parallel_tool_calls = false;
    }
    return {};
  }

  // Kept as sent in anthropic_extra["thinking"]: only the Anthropic adapter passes it on.
  Result<void> thinking(const Json& j) {
    const Json* v = member(j, "thinking");
    if (!v) return {};
    if (!v->is_object()) return fail(mistyped("thinking", "an object"));
    auto type = required_string(*v, "type", "thinking.type");
    if (!type) return fail(type.error());
    if (*type == "enabled") {
      const Json* b = member(*v, "budget_tokens");
      if (!b) return fail(missing("thinking.budget_tokens"));
      if (!b->is_number() || !api::as_int<int64_t>(*b))
        return fail(mistyped("thinking.budget_tokens", "an integer"));
    }
    req_.anthropic_extra["thinking"] = *v;
    return {};
  }

  bool need_max_tokens_;
  api::ChatRequest req_;
};

Result<Json> parse_body(std::string_view body) {
  if (api::json_depth(body, api::kMaxJsonNesting) > api::kMaxJsonNesting)
    return fail(Error::bad_request("The request body nests JSON deeper than " +
                                   std::to_string(api::kMaxJsonNesting) + " levels."));
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return fail(Error::bad_request("The request body is not valid JSON."));
  return j;
}

Result<api::ChatRequest> read_request(std::string_view body, bool need_max_tokens) {
  auto j = parse_body(body);
  if (!j) return fail(j.error());
  return Reader(need_max_tokens).read(*j);
}

}  // namespace

Result<api::ChatRequest> chat_request_from_messages(std::string_view body) {
  return read_request(body, /*need_max_tokens=*/true);
}

Result<api::ChatRequest> count_tokens_request(std::string_view body) {
  return read_request(body, /*need_max_tokens=*/false);
}

std::string count_tokens_estimate(const api::ChatRequest& req) {
  return api::dump(Json{{"input_tokens", estimate_prompt_tokens(req)}});
}

Result<std::string> count_tokens_estimate(std::string_view body) {
  auto req = read_request(body, /*need_max_tokens=*/false);
  if (!req) return fail(req.error());
  return count_tokens_estimate(*req);
}

}  // namespace gw::providers::anthropic
