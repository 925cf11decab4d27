#include "gateway/guard.hpp"

#include <algorithm>
#include <map>

namespace gw::gateway {
namespace {

using Action = Guard::Action;

std::optional<Action> action_named(std::string_view s) {
  if (s == "mask") return Action::kMask;
  if (s == "block") return Action::kBlock;
  if (s == "off") return Action::kOff;
  return std::nullopt;
}

// A built-in detector's config name (credit_card) is its type in upper case (CREDIT_CARD);
// a custom detector's name is its type as written.
std::string type_of(std::string_view name) {
  std::string t(name);
  for (auto& c : t) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return t;
}

// One layer of policy (the global [guard], a tenant's, a key's) applied over the ones before:
// a layer's pii list replaces which built-ins are on; its action replaces the default and
// every earlier per-detector action; its per-detector actions come last.
struct Builder {
  std::vector<std::string> builtin;  // types
  std::vector<std::string> custom;   // types
  Action fallback = Action::kOff;
  std::map<std::string, Action, std::less<>> by_type;
  bool restore = true;

  void apply(const std::optional<std::vector<std::string>>& pii,
             const std::optional<std::string>& action,
             const std::map<std::string, std::string>& actions, std::optional<bool> restore_) {
    if (pii) {
      builtin.clear();
      for (const auto& n : *pii) builtin.push_back(type_of(n));
    }
    if (action) {
      fallback = action_named(*action).value_or(Action::kOff);
      by_type.clear();
    }
    for (const auto& [name, a] : actions)
      by_type[std::find(custom.begin(), custom.end(), name) != custom.end() ? name
                                                                            : type_of(name)] =
          action_named(a).value_or(Action::kOff);
    if (restore_) restore = *restore_;
  }
  Guard::Policy build() const {
    Guard::Policy p;
    p.restore = restore;
    auto add = [&](const std::string& type) {
      auto it = by_type.find(type);
      p.actions.emplace_back(type, it == by_type.end() ? fallback : it->second);
    };
    for (const auto& t : builtin) add(t);
    for (const auto& t : custom) add(t);
    return p;
  }
};

Builder global_layer(const config::Config& cfg) {
  Builder b;
  for (const auto& c : cfg.guard.custom) b.custom.push_back(c.name);
  b.apply(cfg.guard.pii, cfg.guard.action, cfg.guard.actions, cfg.guard.restore);
  return b;
}

const config::GuardOverride* tenant_guard(const config::Config& cfg, const std::string& tenant) {
  if (tenant.empty()) return nullptr;
  auto it = cfg.tenants.find(tenant);
  return it == cfg.tenants.end() || !it->second.guard ? nullptr : &*it->second.guard;
}

void count_json(api::Json& into, const char* what, const std::map<std::string, int>& counts) {
  if (counts.empty()) return;
  api::Json o = api::Json::object();
  for (const auto& [type, n] : counts) o[type] = n;
  into[what] = std::move(o);
}

}  // namespace

Guard::Action Guard::Policy::action_of(std::string_view type) const {
  for (const auto& [t, a] : actions)
    if (t == type) return a;
  return Action::kOff;
}

bool Guard::Policy::any() const {
  return std::any_of(actions.begin(), actions.end(),
                     [](const auto& ta) { return ta.second != Action::kOff; });
}

Guard::Guard(const config::Config& cfg, pii::Scanner scanner)
    : cfg_(cfg), scanner_(std::move(scanner)), base_(global_layer(cfg).build()) {}

bool Guard::wanted(const config::Config& cfg) {
  if (!cfg.guard.custom.empty() || !cfg.guard.pii.empty()) return true;
  for (const auto& [name, t] : cfg.tenants)
    if (t.guard && t.guard->pii && !t.guard->pii->empty()) return true;
  return false;
}

Result<std::unique_ptr<Guard>> Guard::open(const config::Config& cfg) {
  pii::ScannerOptions opt;
  // Every built-in any policy may turn on is compiled in; a policy only chooses among them.
  auto add_builtin = [&](const std::string& name) {
    if (std::find(opt.builtin.begin(), opt.builtin.end(), name) == opt.builtin.end())
      opt.builtin.push_back(name);
  };
  for (const auto& n : cfg.guard.pii) add_builtin(n);
  for (const auto& [name, t] : cfg.tenants)
    if (t.guard && t.guard->pii)
      for (const auto& n : *t.guard->pii) add_builtin(n);
  for (const auto& c : cfg.guard.custom) opt.custom.push_back({c.name, c.pattern, c.terms});
  auto scanner = pii::Scanner::make(opt);
  if (!scanner) return fail(Error::config("[guard]: " + scanner.error()));
  return std::make_unique<Guard>(cfg, std::move(*scanner));
}

const Guard::Policy& Guard::policy_of(const Caller& caller, Policy& scratch) const {
  const auto* t = tenant_guard(cfg_, caller.tenant);
  const bool keyed = caller.key_limits && caller.key_limits->guard;
  if (!t && !keyed) return base_;
  Builder b = global_layer(cfg_);
  if (t) b.apply(t->pii, t->action, t->actions, t->restore);
  if (keyed) {
    const auto& k = *caller.key_limits->guard;
    b.apply(k.pii, k.action, k.actions, k.restore);
  }
  scratch = b.build();
  return scratch;
}

Result<void> Guard::on_request(api::ChatRequest& req, RequestContext& ctx) {
  Policy scratch;
  const Policy& policy = policy_of(ctx.caller, scratch);
  if (!policy.any()) return {};
  GuardState& st = ctx.state.guard;
  std::map<std::string, int> masked, blocked;
  std::vector<pii::Match> matches;
  std::string out;
  // One pass per text; masked values are replaced in place, blocked ones only counted.
  auto scan = [&](std::string& text) {
    if (text.empty()) return;
    scanner_.scan(text, matches);
    if (matches.empty()) return;
    out.clear();
    size_t last = 0;
    for (const auto& m : matches) {
      Action a = policy.action_of(m.type);
      if (a == Action::kOff) continue;
      if (a == Action::kBlock) {
        ++blocked[std::string(m.type)];
        continue;
      }
      ++masked[std::string(m.type)];
      out.append(text, last, m.begin - last);
      out +=
          st.placeholders.assign(m.type, std::string_view(text).substr(m.begin, m.end - m.begin));
      last = m.end;
    }
    if (last == 0) return;
    out.append(text, last);
    text.swap(out);
  };
  for (auto& m : req.messages) {
    scan(m.text);
    for (auto& p : m.parts)
      if (p.type == "text") scan(p.text);
    for (auto& tc : m.tool_calls) scan(tc.arguments);
  }
  if (!masked.empty() || !blocked.empty()) {
    api::Json counts = api::Json::object();
    count_json(counts, "masked", masked);
    count_json(counts, "blocked", blocked);
    ctx.state.pii_counts = counts.dump();
  }
  if (!blocked.empty()) {
    std::string list;
    for (const auto& [type, n] : blocked)
      list += (list.empty() ? "" : ", ") + type + " (" + std::to_string(n) + ")";
    return fail(Error::refused(400, "invalid_request_error", "pii_detected",
                               "The request contains data this gateway is set to block: " + list +
                                   ". Remove it and send the request again."));
  }
  st.restore = policy.restore && !st.placeholders.empty();
  return {};
}

void Guard::on_response(api::Editable<api::ChatResponse>& r, RequestContext& ctx) {
  GuardState& st = ctx.state.guard;
  if (!st.restore) return;
  auto has_lt = [](const std::string& s) { return s.find('<') != std::string::npos; };
  bool any = false;
  for (const auto& c : r.get().choices) {
    any = any || has_lt(c.message.text);
    for (const auto& p : c.message.parts) any = any || has_lt(p.text);
    for (const auto& tc : c.message.tool_calls) any = any || has_lt(tc.arguments);
  }
  if (!any) return;
  std::string out;
  auto restore = [&](std::string& s, bool json) {
    out.clear();
    if (st.placeholders.restore(s, out, json)) s.swap(out);
  };
  for (auto& c : r.edit().choices) {
    restore(c.message.text, false);
    for (auto& p : c.message.parts) restore(p.text, false);
    for (auto& tc : c.message.tool_calls) restore(tc.arguments, true);
  }
}

void Guard::on_chunk(api::Editable<api::ChatChunk>& c, RequestContext& ctx) {
  GuardState& st = ctx.state.guard;
  if (!st.restore) return;
  auto holding = [&](int choice) {
    for (const auto& s : st.streams)
      if (s.choice == choice && s.restorer.holding()) return true;
    return false;
  };
  bool work = false;
  for (const auto& ch : c.get().choices) {
    work = work || holding(ch.index) || (ch.content && ch.content->find('<') != std::string::npos);
    for (const auto& tc : ch.tool_calls)
      work = work || (tc.arguments && tc.arguments->find('<') != std::string::npos);
  }
  if (!work) return;  // the provider's own bytes go out untouched
  auto stream = [&](int choice, int tool) -> pii::StreamRestorer& {
    for (auto& s : st.streams)
      if (s.choice == choice && s.tool == tool) return s.restorer;
    st.streams.push_back({choice, tool, pii::StreamRestorer(tool >= 0)});
    return st.streams.back().restorer;
  };
  std::string out;
  for (auto& ch : c.edit().choices) {
    if (ch.content) {
      out.clear();
      stream(ch.index, -1).feed(st.placeholders, *ch.content, out);
      ch.content = out;
    }
    for (auto& tc : ch.tool_calls) {
      if (!tc.arguments) continue;
      out.clear();
      stream(ch.index, tc.index).feed(st.placeholders, *tc.arguments, out);
      tc.arguments = out;
    }
    if (ch.finish_reason.empty()) continue;
    // The choice ends here: whatever is held back goes out with its last chunk.
    for (auto& s : st.streams) {
      if (s.choice != ch.index || !s.restorer.holding()) continue;
      out.clear();
      s.restorer.flush(st.placeholders, out);
      if (s.tool < 0) {
        ch.content = ch.content.value_or("") + out;
        continue;
      }
      auto it = std::find_if(ch.tool_calls.begin(), ch.tool_calls.end(),
                             [&](const api::ToolCallDelta& d) { return d.index == s.tool; });
      if (it == ch.tool_calls.end()) {
        api::ToolCallDelta d;
        d.index = s.tool;
        ch.tool_calls.push_back(d);
        it = ch.tool_calls.end() - 1;
      }
      it->arguments = it->arguments.value_or("") + out;
    }
  }
}

}  // namespace gw::gateway
