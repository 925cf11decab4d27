// Entry points of the three provider dialects. Each handler runs the same order:
// model -> stall -> auth -> validation -> fail/flaky -> answer.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "exchange.hpp"

namespace fake {

// OpenAI Chat Completions.
void openai_chat(Exchange& ex);
void openai_models(Exchange& ex);
bool openai_check_auth(Exchange& ex);
bool openai_validate(Exchange& ex);  // false: the error response is already set
void openai_error(Exchange& ex, int status, const std::string& message, const std::string& type,
                  const nlohmann::json& param, const nlohmann::json& code);

// Anthropic Messages.
void anthropic_messages(Exchange& ex);
void anthropic_count_tokens(Exchange& ex);
void anthropic_models(Exchange& ex);
bool anthropic_check_auth(Exchange& ex);
bool anthropic_validate(Exchange& ex);
void anthropic_error(Exchange& ex, int status, const std::string& type, const std::string& message);

// Gemini generateContent / streamGenerateContent; ex.model is taken from the URL.
void gemini_generate(Exchange& ex, bool stream);
void gemini_models(Exchange& ex, std::string_view one_model);
bool gemini_check_auth(Exchange& ex);
bool gemini_validate(Exchange& ex);
void gemini_error(Exchange& ex, int status, const std::string& message,
                  nlohmann::ordered_json details = nlohmann::ordered_json::array());

// Gemini accepts camelCase and snake_case field names: look up either spelling.
const nlohmann::json* gemini_field(const nlohmann::json& obj, std::string_view camel);
std::string to_camel(std::string_view name);

// The signature this fake attaches to its Gemini function calls.
inline constexpr std::string_view kGeminiThoughtSignature = "ZmFrZS10aG91Z2h0LXNpZyH78P+/";

}  // namespace fake
