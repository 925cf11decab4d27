// `gw compare`: one prompt to several models at once; answers, speed, tokens and cost side by
// side. Each model's request goes through the same pipeline as `gw chat` (and is metered).
#include "cli/compare.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/json_codec.hpp"
#include "cli/runtime.hpp"

namespace gw::cli {
namespace {

struct CompareOptions {
  std::vector<std::string> models;
  std::vector<std::string> prompt;
  std::string system;
  std::vector<std::string> options;
  int runs = 1;
  std::string format = "table";
  std::string user;
};

struct Result1 {  // one model, averaged over its runs
  std::string model;
  std::string answer;  // of the first successful run
  std::string error;
  int ok_runs = 0, runs = 0;
  double ttft_ms = 0, latency_ms = 0, tokens_per_s = 0;
  int64_t input_tokens = 0, output_tokens = 0;
  std::optional<double> cost_usd = 0.0;  // summed over runs; nullopt when any run is unpriced
};

Result1 run_model(Runtime& rt, const std::string& model, const api::Json& base, int runs,
                  const std::string& user) {
  Result1 r;
  r.model = model;
  for (int i = 0; i < runs; ++i) {
    api::Json body = base;
    body["model"] = model;
    body["stream"] = true;
    auto req = api::chat_request_from_json(body);
    ++r.runs;
    if (!req) {
      r.error = req.error().message;
      continue;
    }
    gateway::RequestContext ctx;
    ctx.client = "compare";
    ctx.caller.user = user;
    gateway::Outcome out;
    std::string text;
    auto res = rt.gateway().stream(
        std::move(*req), ctx,
        [&](const api::ChatChunk& c) {
          for (const auto& ch : c.choices)
            if (ch.content) text += *ch.content;
          return true;
        },
        out);
    if (!res) {
      r.error = res.error().message;
      continue;
    }
    ++r.ok_runs;
    if (r.answer.empty()) r.answer = text;
    r.ttft_ms += std::max(0.0, out.ttft_ms);
    r.latency_ms += out.latency_ms;
    if (out.usage) {
      r.input_tokens += out.usage->prompt_tokens;
      r.output_tokens += out.usage->completion_tokens;
      double gen_s = (out.latency_ms - std::max(0.0, out.ttft_ms)) / 1000.0;
      if (gen_s > 0) r.tokens_per_s += static_cast<double>(out.usage->completion_tokens) / gen_s;
    }
    if (r.cost_usd && out.cost_usd)
      *r.cost_usd += *out.cost_usd;
    else
      r.cost_usd.reset();
  }
  if (r.ok_runs > 0) {
    double n = r.ok_runs;
    r.ttft_ms /= n;
    r.latency_ms /= n;
    r.tokens_per_s /= n;
    r.input_tokens = static_cast<int64_t>(static_cast<double>(r.input_tokens) / n + 0.5);
    r.output_tokens = static_cast<int64_t>(static_cast<double>(r.output_tokens) / n + 0.5);
    if (r.cost_usd) *r.cost_usd /= n;
  } else {
    r.cost_usd.reset();
  }
  return r;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string status_of(const Result1& r) {
  if (r.ok_runs == r.runs) return "ok";
  if (r.ok_runs == 0) return "error";
  return std::to_string(r.ok_runs) + "/" + std::to_string(r.runs) + " ok";
}

std::vector<std::string> row_of(const Result1& r) {
  bool ok = r.ok_runs > 0;
  return {r.model,
          status_of(r),
          ok ? fmt("%.2fs", r.ttft_ms / 1000) : "-",
          ok ? fmt("%.2fs", r.latency_ms / 1000) : "-",
          ok ? std::to_string(r.input_tokens) : "-",
          ok ? std::to_string(r.output_tokens) : "-",
          ok ? fmt("%.1f", r.tokens_per_s) : "-",
          !ok ? "-" : (r.cost_usd ? fmt("$%.6f", *r.cost_usd) : "unknown")};
}

const std::vector<std::string> kHeader = {"MODEL", "STATUS", "TTFT",  "LATENCY",
                                          "IN",    "OUT",    "TOK/S", "COST"};

void print_table(const std::vector<Result1>& results, bool markdown) {
  std::vector<std::vector<std::string>> rows{kHeader};
  for (const auto& r : results) rows.push_back(row_of(r));
  std::vector<size_t> width(kHeader.size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (size_t n = 0; n < rows.size(); ++n) {
    std::string line = markdown ? "|" : "";
    for (size_t i = 0; i < rows[n].size(); ++i) {
      std::string cell = rows[n][i];
      cell.resize(width[i], ' ');
      line += markdown ? " " + cell + " |" : (i ? "  " : "") + cell;
    }
    while (!markdown && !line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << '\n';
    if (markdown && n == 0) {
      std::string sep = "|";
      for (size_t w : width) sep += std::string(w + 2, '-') + "|";
      std::cout << sep << '\n';
    }
  }
  for (const auto& r : results) {
    std::cout << '\n' << (markdown ? "### " + r.model : "── " + r.model + " ──") << '\n';
    std::cout << (r.ok_runs > 0 ? r.answer : "error: " + r.error) << '\n';
  }
}

void print_json(const std::vector<Result1>& results, const std::string& prompt) {
  api::Json arr = api::Json::array();
  for (const auto& r : results) {
    api::Json j = {{"model", r.model},
                   {"status", status_of(r)},
                   {"runs", r.runs},
                   {"answer", r.ok_runs ? api::Json(r.answer) : api::Json(nullptr)},
                   {"error", r.error.empty() ? api::Json(nullptr) : api::Json(r.error)},
                   {"ttft_ms", r.ttft_ms},
                   {"latency_ms", r.latency_ms},
                   {"input_tokens", r.input_tokens},
                   {"output_tokens", r.output_tokens},
                   {"tokens_per_s", r.tokens_per_s},
                   {"cost_usd", r.cost_usd ? api::Json(*r.cost_usd) : api::Json(nullptr)}};
    arr.push_back(std::move(j));
  }
  std::cout << api::Json{{"prompt", prompt}, {"results", std::move(arr)}}.dump(2) << '\n';
}

int run_compare(const GlobalOptions& g, const CompareOptions& opt) {
  if (opt.models.size() < 2) {
    print_error(usage_error("compare needs at least two models: -m A -m B"));
    return kUsage;
  }
  if (opt.runs < 1 || opt.runs > 100) {
    print_error(usage_error("--runs must be between 1 and 100"));
    return kUsage;
  }
  std::string prompt;
  for (const auto& w : opt.prompt) prompt += (prompt.empty() ? "" : " ") + w;
  if (prompt.empty() && !stdin_is_tty()) {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    prompt = ss.str();
  }
  if (prompt.empty()) {
    print_error(usage_error("no prompt: pass it as arguments or on stdin"));
    return kUsage;
  }
  auto rt = Runtime::open(g);
  if (!rt) return kConfig;

  api::Json base = {{"messages", api::Json::array()}};
  if (!opt.system.empty())
    base["messages"].push_back({{"role", "system"}, {"content", opt.system}});
  base["messages"].push_back({{"role", "user"}, {"content", prompt}});
  if (auto r = apply_options(base, opt.options); !r) {
    print_error(r.error());
    return kUsage;
  }

  std::string user = cli_user(opt.user);
  std::vector<Result1> results(opt.models.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < opt.models.size(); ++i)
    threads.emplace_back(
        [&, i] { results[i] = run_model(*rt, opt.models[i], base, opt.runs, user); });
  for (auto& t : threads) t.join();

  if (opt.format == "json")
    print_json(results, prompt);
  else
    print_table(results, opt.format == "markdown");
  bool any_ok =
      std::any_of(results.begin(), results.end(), [](const Result1& r) { return r.ok_runs > 0; });
  return any_ok ? kOk : kUpstream;
}

}  // namespace

void add_compare_command(CLI::App& app, const GlobalOptions& g, int& exit_code) {
  auto opt = std::make_shared<CompareOptions>();
  auto* cmd = app.add_subcommand(
      "compare", "Send one prompt to several models and compare answers, speed, tokens and cost");
  cmd->add_option("prompt", opt->prompt, "The prompt (else read from stdin)");
  cmd->add_option("-m,--model", opt->models, "A model to compare (give two or more)")
      ->allow_extra_args(false);
  cmd->add_option("-s,--system", opt->system, "System prompt");
  cmd->add_option("-o,--option", opt->options, "Request parameter KEY=VALUE")
      ->allow_extra_args(false);
  cmd->add_option("--runs", opt->runs, "Runs per model; speed and tokens are averaged (default 1)");
  cmd->add_option("--format", opt->format, "table, json or markdown (default table)")
      ->check(CLI::IsMember({"table", "json", "markdown"}));
  cmd->add_option("--user", opt->user, "Who the requests are for in the ledger");
  cmd->callback([&g, &exit_code, opt] { exit_code = run_compare(g, *opt); });
}

}  // namespace gw::cli
