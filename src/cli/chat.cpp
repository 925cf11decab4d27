// `gw chat`: one turn (or an interactive session) from the terminal, streamed as it arrives.
#include "cli/chat.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/json_codec.hpp"
#include "cli/runtime.hpp"
#include "gateway/gateway.hpp"
#include "gateway/meter.hpp"

namespace gw::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  g_interrupted.store(true);
}

// Ctrl-C stops the stream at the next chunk; if the upstream is silent, a watchdog leaves
// after a grace period so the user is never stuck. Either way the exit code is 130.
void install_interrupt_handler(std::function<void()> before_exit) {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  std::thread([before_exit = std::move(before_exit)] {
    while (!g_interrupted.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    if (before_exit) before_exit();  // completed requests' ledger rows reach the disk
    const char reset[] = "\033[0m\n";
    if (::isatty(STDOUT_FILENO)) (void)!::write(STDOUT_FILENO, reset, sizeof(reset) - 1);
    std::_Exit(kInterrupted);
  }).detach();
}

std::string read_all_stdin() {
  std::ostringstream ss;
  ss << std::cin.rdbuf();
  return ss.str();
}

std::string format_stats(const gateway::Outcome& out) {
  char buf[512];
  double secs = out.latency_ms / 1000.0;
  int64_t in = out.usage ? out.usage->prompt_tokens : 0,
          outt = out.usage ? out.usage->completion_tokens : 0;
  double gen_secs = (out.latency_ms - std::max(0.0, out.ttft_ms)) / 1000.0;
  double tps = gen_secs > 0 ? static_cast<double>(outt) / gen_secs : 0;
  char ttft[32] = "n/a";
  if (out.ttft_ms >= 0) std::snprintf(ttft, sizeof ttft, "%.2fs", out.ttft_ms / 1000.0);
  char cost[48] = "cost unknown";  // the gateway priced it: the same figure as the ledger's
  if (out.cost_usd) std::snprintf(cost, sizeof cost, "$%.6f", *out.cost_usd);
  std::snprintf(buf, sizeof buf,
                "%s/%s · latency %.2fs · ttft %s · %lld in / %lld out tokens%s · %.1f tok/s · %s",
                out.provider.c_str(), out.model.c_str(), secs, ttft, static_cast<long long>(in),
                static_cast<long long>(outt), out.usage_estimated ? " (estimated)" : "", tps, cost);
  return buf;
}

struct Turn {
  Result<void> result;
  std::string answer_text;
};

class ChatSession {
 public:
  ChatSession(Runtime& rt, const ChatOptions& opt) : rt_(rt), opt_(opt) {}

  // Sends `messages`; prints the answer; returns the assistant text for history.
  Turn send(const api::Json& messages) {
    api::Json body = {{"model", opt_.model.empty() ? default_model(rt_.config()) : opt_.model},
                      {"messages", messages}};
    if (auto r = apply_options(body, opt_.options); !r) return {fail(r.error()), {}};
    // `-o messages=[...]` supplies a conversation; this turn's prompt goes after it.
    if (body["messages"] != messages) {
      if (!body["messages"].is_array())
        return {fail(usage_error("-o messages must be a JSON array of messages")), {}};
      for (const auto& m : messages)
        if (m.value("role", "") != "system") body["messages"].push_back(m);
    }
    bool stream = !opt_.no_stream && !opt_.json;
    if (stream) body["stream"] = true;
    auto req = api::chat_request_from_json(body);
    if (!req) return {fail(usage_error("invalid request: " + req.error().message)), {}};

    gateway::RequestContext ctx;
    ctx.client = "chat";
    ctx.caller.user = cli_user(opt_.user);
    gateway::Outcome out;
    Turn turn{{}, {}};
    if (!stream) {
      auto resp = rt_.gateway().complete(std::move(*req), ctx, out);
      if (!resp) {
        turn.result = fail(resp.error());
      } else if (opt_.json) {
        std::cout << api::to_json(*resp).dump(2) << std::endl;
        if (!resp->choices.empty()) turn.answer_text = resp->choices.front().message.all_text();
      } else {
        for (const auto& c : resp->choices) {
          turn.answer_text += c.message.all_text();
          print_tool_calls(c.message.tool_calls);
        }
        std::cout << turn.answer_text;
        if (!turn.answer_text.empty() && turn.answer_text.back() != '\n') std::cout << '\n';
        std::cout.flush();
      }
    } else {
      std::vector<api::ToolCall> calls;
      bool ends_with_newline = true;
      auto sink = [&](const api::ChatChunk& c) -> bool {
        if (g_interrupted.load()) return false;
        for (const auto& ch : c.choices) {
          if (ch.content && !ch.content->empty()) {
            std::fwrite(ch.content->data(), 1, ch.content->size(), stdout);
            std::fflush(stdout);
            turn.answer_text += *ch.content;
            ends_with_newline = ch.content->back() == '\n';
          }
          for (const auto& td : ch.tool_calls) {
            if (td.index >= static_cast<int>(calls.size()))
              calls.resize(static_cast<size_t>(td.index) + 1);
            auto& tc = calls[static_cast<size_t>(td.index)];
            if (!td.id.empty()) tc.id = td.id;
            if (!td.name.empty()) tc.name = td.name;
            if (td.arguments) tc.arguments += *td.arguments;
          }
        }
        return true;
      };
      turn.result = rt_.gateway().stream(std::move(*req), ctx, sink, out);
      if (!ends_with_newline) std::fputc('\n', stdout);
      std::fflush(stdout);
      print_tool_calls(calls);
    }
    if (opt_.stats && (turn.result || out.usage)) {
      bool color = color_enabled(STDERR_FILENO);
      std::fprintf(stderr, "%s%s%s\n", color ? "\033[2m" : "", format_stats(out).c_str(),
                   color ? "\033[0m" : "");
    }
    return turn;
  }

 private:
  static void print_tool_calls(const std::vector<api::ToolCall>& calls) {
    for (const auto& c : calls)
      std::cout << "[tool call " << c.id << "] " << c.name << "(" << c.arguments << ")\n";
    std::cout.flush();
  }

  Runtime& rt_;
  const ChatOptions& opt_;
};

api::Json base_messages(const ChatOptions& opt) {
  api::Json msgs = api::Json::array();
  if (!opt.system.empty()) msgs.push_back({{"role", "system"}, {"content", opt.system}});
  return msgs;
}

int run_interactive(ChatSession& session, const ChatOptions& opt) {
  api::Json history = base_messages(opt);
  bool color = color_enabled(STDERR_FILENO);
  std::fprintf(stderr, "gw chat — %s. Empty line or Ctrl-D to quit.\n",
               opt.model.empty() ? "default model" : opt.model.c_str());
  std::string line;
  while (true) {
    std::fprintf(stderr, "%s> %s", color ? "\033[1;36m" : "", color ? "\033[0m" : "");
    std::fflush(stderr);
    if (!std::getline(std::cin, line) || line.empty() || line == "exit" || line == "quit") break;
    history.push_back({{"role", "user"}, {"content", line}});
    Turn t = session.send(history);
    if (g_interrupted.load()) return kInterrupted;
    if (!t.result) {
      print_error(t.result.error());
      history.erase(history.size() - 1);
      continue;
    }
    history.push_back({{"role", "assistant"}, {"content", t.answer_text}});
  }
  return kOk;
}

int run_chat(const GlobalOptions& g, const ChatOptions& opt) {
  auto rt = Runtime::open(g);
  if (!rt) return kConfig;
  install_interrupt_handler(rt->flush_hook());
  ChatSession session(*rt, opt);

  std::string prompt;
  for (const auto& w : opt.prompt) prompt += (prompt.empty() ? "" : " ") + w;
  bool has_messages = false;
  for (const auto& o : opt.options) has_messages |= o.starts_with("messages=");
  if (prompt.empty() && !has_messages) {
    if (stdin_is_tty()) return run_interactive(session, opt);
    prompt = read_all_stdin();
    if (prompt.empty()) {
      print_error(usage_error("no prompt: pass it as arguments or on stdin"));
      return kUsage;
    }
  } else if (!stdin_is_tty()) {
    // `echo text | gw chat "Summarise"`: the piped text is the material, the words the ask.
    std::string piped = read_all_stdin();
    if (!piped.empty()) prompt += "\n\n" + piped;
  }
  api::Json msgs = base_messages(opt);
  if (!prompt.empty()) msgs.push_back({{"role", "user"}, {"content", prompt}});
  Turn t = session.send(msgs);
  if (g_interrupted.load()) return kInterrupted;
  if (!t.result) {
    print_error(t.result.error());
    return exit_code_for(t.result.error());
  }
  return kOk;
}

}  // namespace

std::string default_model(const config::Config& cfg) {
  if (!cfg.default_model.empty()) return cfg.default_model;
  auto has_key = [&](const char* name) {
    const auto* p = cfg.provider(name);
    return p && !p->api_key.empty();
  };
  if (has_key("openai")) return "openai/gpt-4o-mini";
  if (has_key("anthropic")) return "anthropic/claude-sonnet-4-5";
  if (has_key("gemini")) return "gemini/gemini-2.5-flash";
  return "mock/echo";
}

void add_chat_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto opt = std::make_shared<ChatOptions>();
  auto* cmd = app.add_subcommand("chat", "Send a prompt to a model and stream the answer");
  cmd->add_option("prompt", opt->prompt,
                  "The prompt (else read from stdin; none on a TTY: interactive)");
  cmd->add_option("-m,--model", opt->model,
                  "provider/model, a route, or a bare name (default: $GW_MODEL, else the first "
                  "provider with a key, else mock/echo)");
  cmd->add_option("-s,--system", opt->system, "System prompt");
  cmd->add_option("-o,--option", opt->options,
                  "Request parameter KEY=VALUE (e.g. -o temperature=0.2 -o max_tokens=200)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-stream", opt->no_stream, "Wait for the whole answer");
  cmd->add_flag("--json", opt->json, "Print the whole OpenAI-shaped response as JSON");
  cmd->add_flag("--stats", opt->stats,
                "Print latency, time to first token, tokens and tokens/s to stderr");
  cmd->add_option("--user", opt->user,
                  "Who the request is for in the ledger (default: $GW_USER, else the login name)");
  cmd->callback([&g, &exit_code, opt] { exit_code = run_chat(g, *opt); });
}

}  // namespace gw::cli
