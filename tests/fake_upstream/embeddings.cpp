// Embeddings in two dialects: OpenAI's POST /v1/embeddings and Gemini's :batchEmbedContents
// and :embedContent. Requests are validated as the real APIs validate them; vectors and usage
// are deterministic (README, "Embeddings"), so a test can compute what gw must relay.
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dialects.hpp"
#include "embeddings.hpp"
#include "faults.hpp"
#include "text_util.hpp"

namespace fake {

using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

constexpr int kDefaultDimensions = 8;
constexpr int kMaxDimensions = 4096;
constexpr std::size_t kMaxOpenAIInputs = 2048;
constexpr std::size_t kMaxGeminiBatch = 100;

// One input as the fake sees it: the text, or the token ids.
struct Input {
  std::string text;
  std::vector<std::int64_t> ids;
  bool tokens = false;
};

// h = sum of (byte or id) * (position + 1), mod 65521; value k = ((h + 97k) mod 2001 - 1000)
// / 1024, a multiple of 1/1024 that float32 holds exactly (so float and base64 agree).
std::vector<float> vector_of(const Input& in, int dims) {
  std::uint64_t h = 0;
  if (in.tokens) {
    for (std::size_t j = 0; j < in.ids.size(); ++j)
      h = (h + static_cast<std::uint64_t>(in.ids[j]) * (j + 1)) % 65521;
  } else {
    for (std::size_t j = 0; j < in.text.size(); ++j)
      h = (h + static_cast<unsigned char>(in.text[j]) * (j + 1)) % 65521;
  }
  std::vector<float> v(static_cast<std::size_t>(dims));
  for (int k = 0; k < dims; ++k)
    v[static_cast<std::size_t>(k)] =
        static_cast<float>(static_cast<int>((h + 97u * static_cast<unsigned>(k)) % 2001) - 1000) /
        1024.0f;
  return v;
}

// prompt_tokens: the words of every text input plus the ids of every token input.
std::int64_t tokens_of(const std::vector<Input>& inputs) {
  std::int64_t n = 0;
  for (const auto& in : inputs)
    n += in.tokens ? static_cast<std::int64_t>(in.ids.size())
                   : static_cast<std::int64_t>(count_words(in.text));
  return n;
}

std::string base64_of(const std::vector<float>& v) {
  static constexpr char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  for (float f : v) {
    auto u = std::bit_cast<std::uint32_t>(f);
    for (int b = 0; b < 4; ++b) bytes += static_cast<char>((u >> (8 * b)) & 0xff);
  }
  std::string out;
  std::size_t i = 0;
  auto at = [&](std::size_t j) {
    return j < bytes.size() ? static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[j])) : 0;
  };
  for (; i < bytes.size(); i += 3) {
    std::uint32_t n = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += k[n >> 18];
    out += k[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? k[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? k[n & 63] : '=';
  }
  return out;
}

// ---- OpenAI -------------------------------------------------------------------------------

bool openai_fail(Exchange& ex, const std::string& message, const json& param, const json& code) {
  openai_error(ex, 400, message, "invalid_request_error", param, code);
  return false;
}

bool read_ids(Exchange& ex, const json& a, const std::string& at, Input& out) {
  if (a.empty()) return openai_fail(ex, "'" + at + "' must not be an empty array.", at, nullptr);
  for (const auto& id : a) {
    if (!id.is_number_integer() || id.get<std::int64_t>() < 0)
      return openai_fail(ex, "Invalid '" + at + "': token ids must be non-negative integers.", at,
                         "invalid_type");
    out.ids.push_back(id.get<std::int64_t>());
  }
  out.tokens = true;
  return true;
}

// The `input` shapes OpenAI takes; false with the 400 already set.
bool read_openai_input(Exchange& ex, std::vector<Input>& inputs) {
  auto it = ex.body.find("input");
  if (it == ex.body.end() || it->is_null())
    return openai_fail(ex, "Missing required parameter: 'input'.", "input",
                       "missing_required_parameter");
  const json& in = *it;
  if (in.is_string()) {
    if (in.get_ref<const std::string&>().empty())
      return openai_fail(ex, "'$.input' is invalid. Please check the API reference.", "input",
                         nullptr);
    inputs.push_back({in.get<std::string>(), {}, false});
    return true;
  }
  if (!in.is_array() || in.empty() || in.size() > kMaxOpenAIInputs)
    return openai_fail(ex, "'$.input' is invalid. Please check the API reference.", "input",
                       nullptr);
  if (in.front().is_number()) {
    inputs.emplace_back();
    return read_ids(ex, in, "input", inputs.back());
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::string at = "input[" + std::to_string(i) + "]";
    inputs.emplace_back();
    if (in[i].is_string() && !in[i].get_ref<const std::string&>().empty()) {
      inputs.back().text = in[i].get<std::string>();
    } else if (in[i].is_array()) {
      if (!read_ids(ex, in[i], at, inputs.back())) return false;
    } else {
      return openai_fail(ex, "'$.input' is invalid. Please check the API reference.", "input",
                         nullptr);
    }
    if (inputs.back().tokens != inputs.front().tokens)  // strings and token arrays mixed
      return openai_fail(ex, "'$.input' is invalid. Please check the API reference.", "input",
                         nullptr);
  }
  return true;
}

// Unknown fields, model, input, encoding_format, dimensions (text-embedding-3 and later only),
// user: what the real endpoint checks.
bool openai_embed_validate(Exchange& ex, std::vector<Input>& inputs, int& dims, bool& base64) {
  if (!ex.body_is_object())
    return openai_fail(ex,
                       "We could not parse the JSON body of your request. (HINT: This likely "
                       "means you aren't using your HTTP library correctly. The OpenAI API "
                       "expects a JSON payload, but what was sent was not valid JSON.)",
                       nullptr, nullptr);
  static const std::unordered_set<std::string_view> kKnown = {"model", "input", "encoding_format",
                                                              "dimensions", "user"};
  for (const auto& [key, value] : ex.body.items())
    if (!kKnown.contains(key))
      return openai_fail(ex, "Unrecognized request argument supplied: " + key, nullptr, nullptr);
  auto model = ex.body.find("model");
  if (model == ex.body.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
    return openai_fail(ex, "you must provide a model parameter", nullptr, nullptr);
  if (!read_openai_input(ex, inputs)) return false;
  if (auto f = ex.body.find("encoding_format"); f != ex.body.end() && !f->is_null()) {
    if (!f->is_string() || (*f != "float" && *f != "base64"))
      return openai_fail(ex, "Invalid value for 'encoding_format': expected 'float' or 'base64'.",
                         "encoding_format", "invalid_value");
    base64 = *f == "base64";
  }
  if (auto d = ex.body.find("dimensions"); d != ex.body.end() && !d->is_null()) {
    if (!d->is_number_integer() || d->get<std::int64_t>() < 1 ||
        d->get<std::int64_t>() > kMaxDimensions)
      return openai_fail(ex, "Invalid 'dimensions': expected an integer from 1 to 4096.",
                         "dimensions", "invalid_value");
    if (ex.model.starts_with("text-embedding-ada"))
      return openai_fail(ex, "This model does not support specifying dimensions.", "dimensions",
                         nullptr);
    dims = d->get<int>();
  }
  if (auto u = ex.body.find("user"); u != ex.body.end() && !u->is_string())
    return openai_fail(ex, "Invalid type for 'user': expected a string.", "user", "invalid_type");
  return true;
}

void openai_embed_failure(Exchange& ex, int status) {
  if (status == 429 || ex.behavior.retry_after >= 0) {
    int s = ex.behavior.retry_after >= 0 ? ex.behavior.retry_after : 1;
    ex.res.set_header("retry-after", std::to_string(s));
  }
  if (status == 429)
    return openai_error(ex, 429,
                        "Rate limit reached for " + ex.model +
                            " on requests per min (RPM): Limit 3, Used 3, Requested 1.",
                        "requests", nullptr, "rate_limit_exceeded");
  if (status == 404)
    return openai_error(
        ex, 404, "The model `" + ex.model + "` does not exist or you do not have access to it.",
        "invalid_request_error", nullptr, "model_not_found");
  openai_error(ex, status, "fake upstream: fail=" + std::to_string(status),
               status >= 500 ? "server_error" : "invalid_request_error", nullptr, nullptr);
}

// ---- Gemini -------------------------------------------------------------------------------

bool gemini_fail(Exchange& ex, const std::string& message) {
  gemini_error(ex, 400, message);
  return false;
}

// One EmbedContentRequest (`at` names it in messages); its text into `out`.
bool gemini_embed_one(Exchange& ex, const json& r, const std::string& at, bool batch, Input& out,
                      int& dims) {
  static const std::unordered_set<std::string_view> kKnown = {"model", "content", "taskType",
                                                              "title", "outputDimensionality"};
  static const std::unordered_set<std::string_view> kTasks = {
      "TASK_TYPE_UNSPECIFIED", "RETRIEVAL_QUERY",   "RETRIEVAL_DOCUMENT",
      "SEMANTIC_SIMILARITY",   "CLASSIFICATION",    "CLUSTERING",
      "QUESTION_ANSWERING",    "FACT_VERIFICATION", "CODE_RETRIEVAL_QUERY"};
  if (!r.is_object()) return gemini_fail(ex, "Invalid JSON payload received. Expected an object.");
  for (const auto& [key, value] : r.items())
    if (!kKnown.contains(to_camel(key)))
      return gemini_fail(ex, "Invalid JSON payload received. Unknown name \"" + key + "\" at '" +
                                 at + "': Cannot find field.");
  const json* model = gemini_field(r, "model");
  if (batch && (!model || !model->is_string()))
    return gemini_fail(ex, "* BatchEmbedContentsRequest." + at + ".model: model is required");
  if (model && model->is_string() && *model != "models/" + ex.model)
    return gemini_fail(ex, "* BatchEmbedContentsRequest." + at +
                               ".model: the model in the request (" + model->get<std::string>() +
                               ") does not match the model in the URL (models/" + ex.model + ")");
  const json* content = gemini_field(r, "content");
  const json* parts = content ? gemini_field(*content, "parts") : nullptr;
  if (!parts || !parts->is_array() || parts->empty())
    return gemini_fail(ex, "* " + at + ".content.parts: contents.parts must not be empty.");
  for (const auto& p : *parts) {
    if (!p.is_object() || p.size() != 1 || !p.contains("text") || !p["text"].is_string())
      return gemini_fail(ex, "* " + at + ".content.parts: only text parts can be embedded.");
    if (!out.text.empty()) out.text += ' ';
    out.text += p["text"].get<std::string>();
  }
  const json* task = gemini_field(r, "taskType");
  if (task && (!task->is_string() || !kTasks.contains(task->get_ref<const std::string&>())))
    return gemini_fail(ex, "Invalid value at '" + at + ".task_type'.");
  if (gemini_field(r, "title") && (!task || *task != "RETRIEVAL_DOCUMENT"))
    return gemini_fail(ex, "* " + at + ": title is only valid with task type RETRIEVAL_DOCUMENT.");
  if (const json* d = gemini_field(r, "outputDimensionality")) {
    if (!d->is_number_integer() || d->get<std::int64_t>() < 1 ||
        d->get<std::int64_t>() > kMaxDimensions)
      return gemini_fail(ex, "* " + at + ".output_dimensionality: must be from 1 to 4096.");
    dims = d->get<int>();
  }
  return true;
}

void gemini_embed_failure(Exchange& ex, int status) {
  ojson details = ojson::array();
  if (status == 429) {
    int s = ex.behavior.retry_after >= 0 ? ex.behavior.retry_after : 1;
    details.push_back({{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                       {"retryDelay", std::to_string(s) + "s"}});
    return gemini_error(ex, 429, "Resource has been exhausted (e.g. check quota).",
                        std::move(details));
  }
  gemini_error(ex, status, "fake upstream: fail=" + std::to_string(status));
}

ojson values_json(const std::vector<float>& v) {
  ojson a = ojson::array();
  for (float f : v) a.push_back(static_cast<double>(f));
  return a;
}

}  // namespace

void openai_embeddings(Exchange& ex) {
  if (ex.body_is_object())
    if (auto it = ex.body.find("model"); it != ex.body.end() && it->is_string())
      ex.model = it->get<std::string>();
  ex.behavior = parse_behavior(ex.model);
  stall_before_answer(ex);
  ex.res.set_header("x-request-id", "req_fake" + std::to_string(ex.seq));
  if (!openai_check_auth(ex)) return;
  std::vector<Input> inputs;
  int dims = kDefaultDimensions;
  bool base64 = false;
  if (!openai_embed_validate(ex, inputs, dims, base64)) return;
  if (int status = failure_status(ex.behavior, ex.model)) return openai_embed_failure(ex, status);
  ojson data = ojson::array();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto v = vector_of(inputs[i], dims);
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", base64 ? ojson(base64_of(v)) : values_json(v)}});
  }
  ojson body = {{"object", "list"}, {"data", std::move(data)}, {"model", ex.model}};
  if (!ex.behavior.nousage) {
    std::int64_t n = tokens_of(inputs);
    body["usage"] = {{"prompt_tokens", n}, {"total_tokens", n}};
    ex.usage = json(body["usage"]);
  }
  send_json(ex.res, 200, dump(body));
}

void gemini_embed(Exchange& ex, bool batch) {
  ex.behavior = parse_behavior(ex.model);
  stall_before_answer(ex);
  if (!gemini_check_auth(ex)) return;
  if (!ex.body_is_object()) return void(gemini_fail(ex, "Invalid JSON payload received."));
  std::vector<Input> inputs;
  std::vector<int> dims;
  if (batch) {
    for (const auto& [key, value] : ex.body.items())
      if (key != "requests")
        return void(gemini_fail(
            ex, "Invalid JSON payload received. Unknown name \"" + key + "\": Cannot find field."));
    auto it = ex.body.find("requests");
    if (it == ex.body.end() || !it->is_array() || it->empty())
      return void(gemini_fail(ex, "* BatchEmbedContentsRequest.requests: must not be empty."));
    if (it->size() > kMaxGeminiBatch)
      return void(gemini_fail(ex,
                              "* BatchEmbedContentsRequest.requests: at most 100 requests "
                              "can be in one batch"));
    for (std::size_t i = 0; i < it->size(); ++i) {
      inputs.emplace_back();
      dims.push_back(kDefaultDimensions);
      if (!gemini_embed_one(ex, (*it)[i], "requests[" + std::to_string(i) + "]", true,
                            inputs.back(), dims.back()))
        return;
    }
  } else {
    inputs.emplace_back();
    dims.push_back(kDefaultDimensions);
    if (!gemini_embed_one(ex, ex.body, "request", false, inputs.back(), dims.back())) return;
  }
  if (int status = failure_status(ex.behavior, ex.model)) return gemini_embed_failure(ex, status);
  ojson body;
  if (batch) {
    ojson list = ojson::array();
    for (std::size_t i = 0; i < inputs.size(); ++i)
      list.push_back({{"values", values_json(vector_of(inputs[i], dims[i]))}});
    body = {{"embeddings", std::move(list)}};
  } else {
    body = {{"embedding", {{"values", values_json(vector_of(inputs[0], dims[0]))}}}};
  }
  send_json(ex.res, 200, dump(body), "application/json; charset=UTF-8");
}

}  // namespace fake
