#include "gateway/gateway.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "api/json_codec.hpp"
#include "providers/adapter_util.hpp"
#include "providers/embeddings.hpp"
#include "providers/tokens.hpp"

namespace gw::gateway {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// What gw charges when the upstream reports no usage (and marks as estimated).
api::Usage estimated_usage(const api::ChatRequest& req, int64_t completion_tokens) {
  api::Usage u;
  u.prompt_tokens = providers::estimate_prompt_tokens(req);
  u.completion_tokens = completion_tokens;
  u.total_tokens = u.prompt_tokens + completion_tokens;
  return u;
}

}  // namespace

std::string new_request_id() {
  std::string id = providers::random_alnum(24);  // one allocation: the prefix written over
  id.replace(0, 4, "req_");
  return id;
}

bool valid_model_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.find("..") != std::string_view::npos) return false;  // a path's way up, anywhere
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == ':' || c == '/' || c == '@' || c == '+' ||
              c == '=';
    if (!ok) return false;
  }
  return true;
}

Gateway::Gateway(const config::Config& cfg, std::vector<std::unique_ptr<Filter>> stages,
                 std::shared_ptr<const PriceTable> prices)
    : cfg_(cfg),
      router_(cfg),
      failover_(router_.health()),
      filters_(std::move(stages)),
      prices_(std::move(prices)) {
  if (!prices_) return;
  router_.set_cost_estimator([p = prices_](const providers::Target& t, int64_t in, int64_t out) {
    api::Usage u;
    u.prompt_tokens = in;
    u.completion_tokens = out;
    u.total_tokens = in + out;
    return p->cost(t.provider->name, t.model, u).usd;
  });
}
Gateway::~Gateway() = default;

void Gateway::start(RequestContext& ctx, Outcome& out, std::string_view requested_model) {
  if (ctx.request_id.empty()) ctx.request_id = new_request_id();
  if (out.request_id.empty()) {
    out.request_id = ctx.request_id;
    out.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
    out.started = Clock::now();
  }
  out.requested_model = std::string(requested_model);
  out.client = ctx.client;
  out.endpoint = ctx.endpoint;
  out.client_family = ctx.client_family;
  out.caller = ctx.caller;
}

Result<void> Gateway::admit(RequestContext& ctx, Outcome& out) {
  if (ctx.admission_done) return {};
  ctx.admission_done = true;
  start(ctx, out, {});
  for (auto& f : filters_) {
    ++ctx.admitted;
    if (auto r = f->on_admit(ctx); !r) {
      end(ctx, out, &r.error());
      return r;
    }
  }
  return {};
}

void Gateway::reject(RequestContext& ctx, Outcome& out, const Error& e,
                     std::string_view requested_model) {
  start(ctx, out, requested_model);
  end(ctx, out, &e);
}

void Gateway::answered(RequestContext& ctx, Outcome& out, std::string_view requested_model) {
  start(ctx, out, requested_model);
  end(ctx, out, nullptr);
}

// The request is over: its status, then every admitted stage sees it complete.
void Gateway::end(RequestContext& ctx, Outcome& out, const Error* e) {
  out.latency_ms = ms_between(out.started, Clock::now());
  if (!e) {
    out.status = 200;
  } else {
    out.status = e->status;
    out.error_type = e->type;
    out.error_code = e->code;
  }
  out.caller = ctx.caller;
  finish(ctx, out);
}

void Gateway::settle(RequestContext& ctx, Outcome& out) {
  if (!std::exchange(ctx.settle_pending, false)) return;
  // Not priced before the answer (no stage needed it): an outcome priced has a version.
  if (prices_ && out.price_version.empty()) price_outcome(out, *prices_);
  for (size_t i = 0; i < ctx.admitted && i < filters_.size(); ++i)
    if (filters_[i]->records_only()) filters_[i]->on_complete(out, ctx);
}

// Only the stages the request was admitted to see it complete (a stage that refused it too).
// Under a Settlement the stages that only record wait for settle().
// The price (a table lookup) waits for the answer too unless a stage before it reads it.
void Gateway::finish(RequestContext& ctx, Outcome& out) {
  const bool later = ctx.settle_after_answer;
  bool price_now = !later;
  for (size_t i = 0; i < ctx.admitted && i < filters_.size() && !price_now; ++i)
    price_now = !filters_[i]->records_only() && filters_[i]->reads_cost(ctx);
  if (prices_ && price_now) price_outcome(out, *prices_);
  for (size_t i = 0; i < ctx.admitted && i < filters_.size(); ++i)
    if (!later || !filters_[i]->records_only()) filters_[i]->on_complete(out, ctx);
  if (later) ctx.settle_pending = true;
}

// Every request's path after admission: the model name's grammar, the stages' on_request
// (auth, limits, guard), the router's plan, then the attempts (failover.hpp). `attempt`
// performs one upstream call.
Result<void> Gateway::run(api::ChatRequest& req, RequestContext& ctx, Outcome& out,
                          const Attempt& attempt) {
  if (auto a = admit(ctx, out); !a) return a;  // already recorded
  start(ctx, out, req.model);
  out.stream = req.stream;
  if (ctx.task.empty() && req.metadata.is_object())
    if (auto t = req.metadata.find("task"); t != req.metadata.end() && t->is_string())
      ctx.task = *t;

  auto done = [&](Result<void> r) -> Result<void> {
    end(ctx, out, r ? nullptr : &r.error());
    return r;
  };

  if (!valid_model_name(req.model))
    return done(fail(Error::bad_request(
        "Invalid model name: use letters, digits and -._:/@+= (at most 256 bytes), as in "
        "provider/model or a route name.",
        "model", "invalid_model")));
  for (auto& f : filters_)
    if (auto r = f->on_request(req, ctx); !r) return done(fail(r.error()));

  auto plan = router_.plan(req, ctx);
  if (!plan) return done(fail(plan.error()));
  out.route = plan->route;
  out.route_reason = plan->reason;
  return done(failover_.run(*plan, req.model, out, attempt));
}

Result<api::ChatResponse> Gateway::complete(api::ChatRequest req, RequestContext& ctx,
                                            Outcome& out) {
  req.stream = false;
  req.include_usage = false;
  auto& reg = registry_;
  api::ChatResponse answer;
  auto r = run(
      req, ctx, out, [&](const providers::Target& t, providers::CallStats& stats) -> Result<void> {
        auto resp = reg.for_kind(t.provider->kind).complete(req, t, stats);
        if (!resp) return fail(resp.error());
        answer = std::move(*resp);
        out.finish_reason = answer.choices.empty() ? "" : answer.choices.front().finish_reason;
        if (answer.usage) {
          out.usage = answer.usage;
        } else {
          int64_t completion = 0;
          for (const auto& c : answer.choices)
            completion += providers::estimate_text_tokens(c.message.all_text());
          out.usage = estimated_usage(req, completion);
          out.usage_estimated = true;
        }
        return {};
      });
  if (!r) return fail(r.error());
  // The answer goes out as it came (raw) unless a stage edits it.
  api::Editable<api::ChatResponse> editable(answer);
  for (auto& f : filters_) f->on_response(editable, ctx);
  if (editable.edited()) answer = std::move(editable.edit());
  return answer;
}

Result<void> Gateway::stream(api::ChatRequest req, RequestContext& ctx,
                             const providers::ChunkSink& sink, Outcome& out) {
  req.stream = true;
  const bool client_wants_usage = req.include_usage;
  auto& reg = registry_;
  return run(req, ctx, out,
             [&](const providers::Target& t, providers::CallStats& stats) -> Result<void> {
               int64_t streamed_bytes = 0;
               auto wrapped = [&](const api::ChatChunk& c) -> bool {
                 for (const auto& ch : c.choices)
                   if (ch.content) streamed_bytes += static_cast<int64_t>(ch.content->size());
                 bool usage_only = c.usage && c.choices.empty();
                 if (usage_only && !client_wants_usage) return true;
                 // Copied only when a stage edits it; else the upstream's bytes go out.
                 api::Editable<api::ChatChunk> chunk(c);
                 for (auto& f : filters_) f->on_chunk(chunk, ctx);
                 return sink(chunk.get());
               };
               auto r = reg.for_kind(t.provider->kind).stream(req, t, wrapped, stats);
               auto record_usage = [&](const std::optional<api::Usage>& u) {
                 if (u) {
                   out.usage = u;
                   out.usage_estimated = false;
                 } else {
                   out.usage = estimated_usage(req, (streamed_bytes + 3) / 4);
                   out.usage_estimated = true;
                 }
               };
               if (!r) {
                 // A stream that broke after the first byte still produced (billable) tokens.
                 if (r.error().after_first_byte) record_usage(std::nullopt);
                 return fail(r.error());
               }
               record_usage(r->usage);
               out.finish_reason = r->finish_reason;
               out.client_cancelled = r->cancelled;
               return {};
             });
}

api::ChatRequest embedding_view(const api::EmbeddingRequest& req) {
  api::ChatRequest view;
  view.model = req.model;
  view.user = req.user;
  view.messages.reserve(req.texts.size());
  for (const auto& t : req.texts) view.messages.push_back(api::Message::plain("user", t));
  return view;
}

Result<api::EmbeddingResponse> Gateway::embed(api::EmbeddingRequest req, RequestContext& ctx,
                                              Outcome& out) {
  api::ChatRequest view = embedding_view(req);
  ctx.input_only_tokens = providers::estimate_embedding_tokens(req);
  auto& reg = registry_;
  api::EmbeddingResponse answer;
  bool taken = false;
  auto r = run(
      view, ctx, out, [&](const providers::Target& t, providers::CallStats& stats) -> Result<void> {
        if (!taken) {  // the stages have run: the upstream gets the strings as they left them
          taken = true;
          if (!ctx.state.logged_request.empty())  // the meter logs bodies: this one, not the view
            ctx.state.logged_request = api::dump(api::to_json(req));
          for (size_t i = 0; i < req.texts.size() && i < view.messages.size(); ++i)
            req.texts[i] = std::move(view.messages[i].text);
        }
        auto resp = reg.for_kind(t.provider->kind).embed(req, t, stats);
        if (!resp) return fail(resp.error());
        answer = std::move(*resp);
        api::Usage u;
        u.prompt_tokens = answer.usage ? answer.usage->prompt_tokens : *ctx.input_only_tokens;
        u.total_tokens = u.prompt_tokens;
        out.usage = u;
        out.usage_estimated = !answer.usage;
        if (!answer.usage) answer.usage = u;  // the client sees what the ledger records
        return {};
      });
  if (!r) return fail(r.error());
  return answer;
}

}  // namespace gw::gateway
