#include "api/embeddings.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>

#include "api/json_codec.hpp"

namespace gw::api {
namespace {

using Kind = EmbeddingRequest::InputKind;

Error invalid_type(const std::string& param, std::string_view want) {
  return Error::bad_request("Invalid type for '" + param + "': expected " + std::string(want) + ".",
                            param, "invalid_type");
}

Error invalid_value(const std::string& param, std::string message) {
  return Error::bad_request("Invalid '" + param + "': " + std::move(message), param,
                            "invalid_value");
}

// One token array (`at` names it in errors): non-empty whole numbers in [0, kMaxTokenId].
Result<std::vector<int64_t>> read_tokens(const Json& a, const std::string& at) {
  if (a.empty()) return fail(invalid_value(at, "a token array must not be empty."));
  if (a.size() > kMaxEmbeddingTokens)
    return fail(
        invalid_value(at, "at most " + std::to_string(kMaxEmbeddingTokens) + " tokens per input."));
  std::vector<int64_t> out;
  out.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    auto v = as_int<int64_t>(a[i]);
    if (!v || a[i].is_boolean())
      return fail(invalid_type(at + "[" + std::to_string(i) + "]", "an integer token id"));
    if (*v < 0 || *v > kMaxTokenId)
      return fail(
          invalid_value(at + "[" + std::to_string(i) + "]",
                        "a token id must be between 0 and " + std::to_string(kMaxTokenId) + "."));
    out.push_back(*v);
  }
  return out;
}

Result<void> check_text(const std::string& s, const std::string& at) {
  if (s.empty()) return fail(invalid_value(at, "an input must not be an empty string."));
  if (s.size() > kMaxEmbeddingTextBytes)
    return fail(invalid_value(
        at, "at most " + std::to_string(kMaxEmbeddingTextBytes) + " bytes per input string."));
  return {};
}

// `input`: a string, strings, a token array or token arrays; never empty, at most 2048 items.
Result<void> read_input(const Json& in, EmbeddingRequest& r) {
  constexpr std::string_view kWant =
      "a string, an array of strings, an array of integers or an array of integer arrays";
  if (in.is_string()) {
    r.input_kind = Kind::text;
    r.texts.push_back(in.get<std::string>());
    return check_text(r.texts.back(), "input");
  }
  if (!in.is_array()) return fail(invalid_type("input", kWant));
  if (in.empty()) return fail(invalid_value("input", "must not be an empty array."));
  if (in.size() > kMaxEmbeddingInputs)
    return fail(invalid_value(
        "input", "at most " + std::to_string(kMaxEmbeddingInputs) + " inputs per request."));
  const Json& first = in.front();
  if (first.is_number() && !first.is_boolean()) {  // one token array
    r.input_kind = Kind::tokens;
    if (in.size() > kMaxEmbeddingTokens)
      return fail(invalid_value(
          "input", "at most " + std::to_string(kMaxEmbeddingTokens) + " tokens per input."));
    auto t = read_tokens(in, "input");
    if (!t) return fail(t.error());
    r.tokens.push_back(std::move(*t));
    return {};
  }
  const bool lists = first.is_array();
  if (!lists && !first.is_string()) return fail(invalid_type("input[0]", kWant));
  r.input_kind = lists ? Kind::token_lists : Kind::texts;
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string at = "input[" + std::to_string(i) + "]";
    if (lists) {
      if (!in[i].is_array()) return fail(invalid_type(at, "an array of integers"));
      auto t = read_tokens(in[i], at);
      if (!t) return fail(t.error());
      r.tokens.push_back(std::move(*t));
    } else {
      if (!in[i].is_string()) return fail(invalid_type(at, "a string"));
      r.texts.push_back(in[i].get<std::string>());
      if (auto c = check_text(r.texts.back(), at); !c) return fail(c.error());
    }
  }
  return {};
}

void append_number(std::string& out, double v) {
  if (!std::isfinite(v)) v = 0;  // JSON has no NaN or infinity
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return out.push_back('0');
  out.append(buf, end);
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

Result<EmbeddingRequest> parse_embedding_request(std::string_view body) {
  if (json_depth(body, kMaxJsonNesting) > kMaxJsonNesting)
    return fail(Error::bad_request("The request body nests JSON deeper than " +
                                   std::to_string(kMaxJsonNesting) + " levels."));
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return fail(Error::bad_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload.)"));
  return embedding_request_from_json(j);
}

Result<EmbeddingRequest> embedding_request_from_json(const Json& j) {
  if (!j.is_object()) return fail(Error::bad_request("The request body must be a JSON object."));
  EmbeddingRequest r;
  auto m = j.find("model");
  if (m == j.end() || m->is_null())
    return fail(Error::bad_request("you must provide a model parameter", "model"));
  if (!m->is_string()) return fail(invalid_type("model", "a string"));
  r.model = m->get<std::string>();
  auto in = j.find("input");
  if (in == j.end() || in->is_null())
    return fail(Error::bad_request("Missing required parameter: 'input'.", "input",
                                   "missing_required_parameter"));
  if (auto ok = read_input(*in, r); !ok) return fail(ok.error());
  if (auto f = j.find("encoding_format"); f != j.end() && !f->is_null()) {
    if (!f->is_string()) return fail(invalid_type("encoding_format", "a string"));
    const auto& s = f->get_ref<const std::string&>();
    if (s != "float" && s != "base64")
      return fail(invalid_value("encoding_format", "must be one of 'float' or 'base64'."));
    r.encoding_format = s;
  }
  if (auto d = j.find("dimensions"); d != j.end() && !d->is_null()) {
    auto v = d->is_boolean() ? std::nullopt : as_int<int64_t>(*d);
    if (!v) return fail(invalid_type("dimensions", "an integer"));
    if (*v < 1 || *v > kMaxEmbeddingDimensions)
      return fail(invalid_value(
          "dimensions", "must be between 1 and " + std::to_string(kMaxEmbeddingDimensions) + "."));
    r.dimensions = *v;
  }
  if (auto u = j.find("user"); u != j.end() && !u->is_null()) {
    if (!u->is_string()) return fail(invalid_type("user", "a string"));
    r.user = u->get<std::string>();
  }
  for (const auto& [key, value] : j.items())
    if (key != "model" && key != "input" && key != "encoding_format" && key != "dimensions" &&
        key != "user")
      r.extra[key] = value;
  return r;
}

Json to_json(const EmbeddingRequest& r) {
  Json j = r.extra.is_object() ? r.extra : Json::object();
  j["model"] = r.model;
  switch (r.input_kind) {
    case Kind::text:
      j["input"] = r.texts.empty() ? std::string() : r.texts.front();
      break;
    case Kind::texts:
      j["input"] = r.texts;
      break;
    case Kind::tokens:
      j["input"] = r.tokens.empty() ? std::vector<int64_t>() : r.tokens.front();
      break;
    case Kind::token_lists:
      j["input"] = r.tokens;
      break;
  }
  if (r.encoding_format) j["encoding_format"] = *r.encoding_format;
  if (r.dimensions) j["dimensions"] = *r.dimensions;
  if (!r.user.empty()) j["user"] = r.user;
  return j;
}

std::string serialize_upstream(const EmbeddingRequest& r, std::string_view model) {
  Json j = to_json(r);
  j["model"] = std::string(model);
  return dump(j);
}

std::string serialize(const EmbeddingResponse& r, bool base64) {
  std::string out = R"({"object":"list","data":[)";
  size_t floats = 0;
  for (const auto& v : r.data) floats += v.size();
  out.reserve(out.size() + 64 * r.data.size() + (base64 ? 6 : 12) * floats + 256);
  for (size_t i = 0; i < r.data.size(); ++i) {
    if (i) out += ',';
    out += R"({"object":"embedding","index":)";
    out += std::to_string(i);
    out += R"(,"embedding":)";
    if (base64) {
      out += '"';
      out += encode_float32_base64(r.data[i]);
      out += '"';
    } else {
      out += '[';
      for (size_t k = 0; k < r.data[i].size(); ++k) {
        if (k) out += ',';
        append_number(out, r.data[i][k]);
      }
      out += ']';
    }
    out += '}';
  }
  out += R"(],"model":)";
  out += dump(Json(r.model));
  int64_t n = r.usage ? r.usage->prompt_tokens : 0;
  out += R"(,"usage":{"prompt_tokens":)" + std::to_string(n) + R"(,"total_tokens":)" +
         std::to_string(n) + "}}";
  return out;
}

std::string encode_float32_base64(std::span<const double> values) {
  std::string bytes(values.size() * 4, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t u = std::bit_cast<uint32_t>(static_cast<float>(values[i]));
    for (int b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<char>((u >> (8 * b)) & 0xff);
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += kB64[n >> 18];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += kB64[n & 63];
  }
  if (size_t rest = bytes.size() - i) {
    uint32_t n = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += kB64[n >> 18];
    out += kB64[(n >> 12) & 63];
    out += rest == 2 ? kB64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::vector<float>> decode_float32_base64(std::string_view text) {
  if (text.size() % 4) return std::nullopt;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad) return std::nullopt;  // a character after padding
      v[k] = b64_value(c);
      if (v[k] < 0) return std::nullopt;
    }
    uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    bytes += static_cast<char>(n >> 16);
    if (pad < 2) bytes += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) bytes += static_cast<char>(n & 0xff);
  }
  if (bytes.size() % 4) return std::nullopt;
  std::vector<float> out(bytes.size() / 4);
  for (size_t i = 0; i < out.size(); ++i) {
    uint32_t u = 0;
    for (int b = 0; b < 4; ++b)
      u |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i * 4 + b])) << (8 * b);
    out[i] = std::bit_cast<float>(u);
  }
  return out;
}

}  // namespace gw::api
