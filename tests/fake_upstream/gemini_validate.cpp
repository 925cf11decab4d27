// Rejects what generativelanguage v1beta rejects: unknown fields (the proto parser is
// strict), bad roles, parts without exactly one payload, unnamed function responses, JSON
// Schema keywords inside `parameters`, and this fake's own calls sent back without their
// thought signature.
#include <string>
#include <string_view>
#include <unordered_set>

#include "dialects.hpp"
#include "text_util.hpp"

namespace fake {

using nlohmann::json;

namespace {

using Names = std::unordered_set<std::string_view>;

const Names kTopLevel = {
    "contents",       "systemInstruction", "tools", "toolConfig", "generationConfig",
    "safetySettings", "cachedContent",     "model", "labels"};
const Names kPartFields = {
    "text",           "inlineData",          "fileData", "functionCall",     "functionResponse",
    "executableCode", "codeExecutionResult", "thought",  "thoughtSignature", "videoMetadata",
    "partMetadata",   "mediaResolution"};
const Names kPayloads = {
    "text",           "inlineData",         "fileData", "functionCall", "functionResponse",
    "executableCode", "codeExecutionResult"};
const Names kGenerationConfig = {"temperature",
                                 "topP",
                                 "topK",
                                 "candidateCount",
                                 "maxOutputTokens",
                                 "stopSequences",
                                 "responseMimeType",
                                 "responseSchema",
                                 "responseJsonSchema",
                                 "seed",
                                 "presencePenalty",
                                 "frequencyPenalty",
                                 "responseLogprobs",
                                 "logprobs",
                                 "thinkingConfig",
                                 "responseModalities",
                                 "speechConfig",
                                 "mediaResolution",
                                 "enableEnhancedCivicAnswers",
                                 "imageConfig"};
// The OpenAPI subset `parameters` takes; JSON Schema extras must go via parametersJsonSchema.
const Names kSchemaFields = {
    "type",      "format",    "title",      "description", "nullable",      "enum",
    "maxItems",  "minItems",  "properties", "required",    "minProperties", "maxProperties",
    "minLength", "maxLength", "pattern",    "example",     "anyOf",         "propertyOrdering",
    "default",   "items",     "minimum",    "maximum"};

bool fail(Exchange& ex, const std::string& message) {
  gemini_error(ex, 400, message);
  return false;
}

bool unknown_name(Exchange& ex, const std::string& key, const std::string& at) {
  std::string where = at.empty() ? "" : " at '" + at + "'";
  return fail(ex, "Invalid JSON payload received. Unknown name \"" + key + "\"" + where +
                      ": Cannot find field.");
}

bool check_known(Exchange& ex, const json& obj, const Names& names, const std::string& at) {
  for (const auto& [key, value] : obj.items()) {
    if (!names.contains(to_camel(key))) return unknown_name(ex, key, at);
  }
  return true;
}

bool check_schema(Exchange& ex, const json& schema, const std::string& at) {
  if (!schema.is_object())
    return fail(ex, "Invalid JSON payload received. Expected an object at '" + at + "'.");
  if (!check_known(ex, schema, kSchemaFields, at)) return false;
  if (const json* props = gemini_field(schema, "properties"); props && props->is_object()) {
    for (const auto& [name, sub] : props->items()) {
      if (!check_schema(ex, sub, at + ".properties[" + name + "].value")) return false;
    }
  }
  if (const json* items = gemini_field(schema, "items")) {
    if (!check_schema(ex, *items, at + ".items")) return false;
  }
  if (const json* any = gemini_field(schema, "anyOf"); any && any->is_array()) {
    for (std::size_t i = 0; i < any->size(); ++i) {
      if (!check_schema(ex, (*any)[i], at + ".any_of[" + std::to_string(i) + "]")) return false;
    }
  }
  return true;
}

bool valid_function_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  char first = name[0];
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_'))
    return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool check_tools(Exchange& ex) {
  const json* tools = gemini_field(ex.body, "tools");
  if (!tools) return true;
  if (!tools->is_array()) return fail(ex, "Invalid JSON payload received. 'tools' must be a list.");
  for (std::size_t i = 0; i < tools->size(); ++i) {
    const json* decls = gemini_field((*tools)[i], "functionDeclarations");
    if (!decls || !decls->is_array()) continue;
    for (std::size_t j = 0; j < decls->size(); ++j) {
      const json& d = (*decls)[j];
      std::string at =
          "tools[" + std::to_string(i) + "].function_declarations[" + std::to_string(j) + "]";
      std::string name = d.is_object() && d.contains("name") && d["name"].is_string()
                             ? d["name"].get<std::string>()
                             : "";
      if (!valid_function_name(name))
        return fail(ex, "* GenerateContentRequest." + at +
                            ".name: Invalid function name. Must start with a letter or an "
                            "underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), "
                            "dots (.), colons (:) or dashes (-), with a maximum length of 128.\n");
      const json* params = gemini_field(d, "parameters");
      if (params && gemini_field(d, "parametersJsonSchema"))
        return fail(ex, "* GenerateContentRequest." + at +
                            ": parameters and parameters_json_schema are mutually exclusive.\n");
      if (params && !check_schema(ex, *params, at + ".parameters")) return false;
    }
  }
  const json* tc = gemini_field(ex.body, "toolConfig");
  const json* fcc = tc ? gemini_field(*tc, "functionCallingConfig") : nullptr;
  if (fcc && gemini_field(*fcc, "allowedFunctionNames") && fcc->value("mode", "") != "ANY")
    return fail(
        ex,
        "* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names: "
        "allowed_function_names should only be set when the mode is ANY.\n");
  return true;
}

// thinkingConfig as Gemini checks it: a budget (-1 = dynamic) or, on Gemini 3, a level, not
// both; 2.5 Pro cannot stop thinking.
bool check_thinking_config(Exchange& ex, const json& tc) {
  const std::string at = "generation_config.thinking_config";
  if (!tc.is_object())
    return fail(ex, "Invalid JSON payload received. '" + at + "' must be an object.");
  if (!check_known(ex, tc, {"thinkingBudget", "includeThoughts", "thinkingLevel"}, at))
    return false;
  const json* budget = gemini_field(tc, "thinkingBudget");
  const json* level = gemini_field(tc, "thinkingLevel");
  const json* include = gemini_field(tc, "includeThoughts");
  if (include && !include->is_boolean())
    return fail(ex, "Invalid value at '" + at + ".include_thoughts' (TYPE_BOOL)");
  if (budget && (!budget->is_number_integer() || budget->get<long long>() < -1 ||
                 budget->get<long long>() > 32768))
    return fail(ex, "Invalid value at '" + at + ".thinking_budget' (TYPE_INT32)");
  if (level) {
    static const Names kLevels = {"minimal", "low", "medium", "high"};
    if (!level->is_string() || !kLevels.contains(level->get<std::string>()))
      return fail(ex, "Invalid value at '" + at + ".thinking_level'");
    if (budget) return fail(ex, "You can only set only one of thinking budget and thinking level.");
    if (!ex.model.starts_with("gemini-3"))
      return fail(ex, "Thinking level is not supported for this model.");
  }
  if (budget && budget->get<long long>() == 0 && ex.model.find("-pro") != std::string::npos)
    return fail(ex, "Budget 0 is invalid. This model only works in thinking mode.");
  return true;
}

bool check_generation_config(Exchange& ex) {
  const json* gc = gemini_field(ex.body, "generationConfig");
  if (!gc) return true;
  if (!gc->is_object())
    return fail(ex, "Invalid JSON payload received. 'generation_config' must be an object.");
  if (!check_known(ex, *gc, kGenerationConfig, "generation_config")) return false;
  if (const json* t = gemini_field(*gc, "temperature");
      t && t->is_number() && (t->get<double>() < 0 || t->get<double>() > 2))
    return fail(ex,
                "* GenerateContentRequest.generation_config.temperature: temperature must be "
                "between 0 and 2.\n");
  if (const json* stop = gemini_field(*gc, "stopSequences");
      stop && stop->is_array() && stop->size() > 5)
    return fail(ex,
                "* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop "
                "sequences are allowed.\n");
  if (const json* tc = gemini_field(*gc, "thinkingConfig"); tc && !check_thinking_config(ex, *tc))
    return false;
  return true;
}

bool check_part(Exchange& ex, const json& part, const std::string& at, bool model_turn) {
  if (!part.is_object())
    return fail(ex, "Invalid JSON payload received. Expected an object at '" + at + "'.");
  std::string payload;
  for (const auto& [key, value] : part.items()) {
    std::string camel = to_camel(key);
    if (!kPartFields.contains(camel)) return unknown_name(ex, key, at);
    if (!kPayloads.contains(camel)) continue;
    if (!payload.empty())
      return fail(ex,
                  "Invalid JSON payload received. Oneof field 'data' is already set. Cannot "
                  "set '" +
                      key + "'");
    payload = camel;
  }
  if (payload.empty())
    return fail(ex, "* GenerateContentRequest." + at +
                        ".data: required oneof field 'data' must have one initialized field\n");
  if (payload == "text" && !gemini_field(part, "text")->is_string())
    return fail(ex, "Invalid value at '" + at + ".text' (TYPE_STRING), " +
                        dump(*gemini_field(part, "text")));
  if (payload == "functionResponse") {
    const json& fr = *gemini_field(part, "functionResponse");
    if (!fr.is_object() || fr.value("name", "").empty())
      return fail(ex, "* GenerateContentRequest." + at +
                          ".function_response.name: Name cannot be empty.\n");
  }
  if (payload == "functionCall") {
    const json& fc = *gemini_field(part, "functionCall");
    if (!fc.is_object() || fc.value("name", "").empty())
      return fail(
          ex, "* GenerateContentRequest." + at + ".function_call.name: Name cannot be empty.\n");
    // Only calls this fake issued can be checked: they carried our signature, which must
    // come back unchanged in the same part (Gemini 3 rejects the request otherwise).
    std::string id = fc.value("id", "");
    const json* sig = gemini_field(part, "thoughtSignature");
    if (model_turn && id.starts_with("fakecall") &&
        (!sig || !sig->is_string() || *sig != kGeminiThoughtSignature))
      return fail(ex,
                  "Function call is missing a thought_signature in functionCall parts. This "
                  "is required for tools to work correctly, and missing thought_signature "
                  "may lead to degraded model performance. Additional data, function call `" +
                      fc.value("name", "") + "` , position " + at +
                      ". Please refer to https://ai.google.dev/gemini-api/docs/thought-"
                      "signatures for more details.");
  }
  return true;
}

bool check_content(Exchange& ex, const json& content, const std::string& at, bool system) {
  if (!content.is_object())
    return fail(ex, "Invalid JSON payload received. Expected an object at '" + at + "'.");
  std::string role = content.value("role", "");
  if (!system && !role.empty() && role != "user" && role != "model")
    return fail(ex, "Please use a valid role: user, model.");
  const json* parts = gemini_field(content, "parts");
  if (!parts || !parts->is_array() || parts->empty())
    return fail(ex,
                "* GenerateContentRequest." + at + ".parts: contents.parts must not be empty.\n");
  for (std::size_t j = 0; j < parts->size(); ++j) {
    if (!check_part(ex, (*parts)[j], at + ".parts[" + std::to_string(j) + "]", role == "model"))
      return false;
  }
  return true;
}

}  // namespace

bool gemini_validate(Exchange& ex) {
  if (!ex.body_is_object()) return fail(ex, "Invalid JSON payload received. Unexpected token.");
  if (!check_known(ex, ex.body, kTopLevel, "")) return false;
  const json* contents = gemini_field(ex.body, "contents");
  if (!contents || !contents->is_array() || contents->empty())
    return fail(ex, "* GenerateContentRequest.contents: contents is not specified\n");
  if (const json* sys = gemini_field(ex.body, "systemInstruction")) {
    if (!check_content(ex, *sys, "system_instruction", true)) return false;
  }
  for (std::size_t i = 0; i < contents->size(); ++i) {
    if (!check_content(ex, (*contents)[i], "contents[" + std::to_string(i) + "]", false))
      return false;
  }
  return check_generation_config(ex) && check_tools(ex);
}

}  // namespace fake
