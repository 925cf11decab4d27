#include "behavior.hpp"

#include <charconv>
#include <mutex>
#include <unordered_map>

namespace fake {

namespace {

// Keeps values sane: a typo must not make the fake sleep for days or allocate gigabytes.
bool parse_int(std::string_view v, int& out, int lo, int hi) {
  int x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) return false;
  out = x;
  return true;
}

void apply(Behavior& b, std::string_view name, std::string_view value, bool has_value) {
  int n = 0;
  if (!has_value) {
    if (name == "tool")
      b.tool = true;
    else if (name == "cut")
      b.cut = true;
    else if (name == "eof")
      b.eof = true;
    else if (name == "malformed")
      b.malformed = true;
    else if (name == "midstream-error")
      b.midstream_error = true;
    else if (name == "bytewise")
      b.split = 1;
    else if (name == "crlf")
      b.crlf = true;
    else if (name == "nousage")
      b.nousage = true;
    else if (name == "cache")
      b.cache = true;
    else if (name == "think")
      b.think = true;
    else if (name == "tail")
      b.tail = true;
    else if (name == "block")
      b.block = true;
    else if (name == "safety")
      b.safety = true;
    else if (name == "length")
      b.length = true;
    else if (name == "echo-request")
      b.echo_request = true;
    else if (name == "no-retry-after")
      b.no_retry_after = true;
    else if (name == "errbody")
      b.errbody = true;
    else if (name == "reset")
      b.reset = true;
    else if (name == "endless")
      b.endless = true;
    return;
  }
  if (name == "usage") {
    if (value == "absurd") b.usage = Behavior::Usage::kAbsurd;
    if (value == "negative") b.usage = Behavior::Usage::kNegative;
    return;
  }
  if (name == "words" && parse_int(value, n, 0, 1'000'000))
    b.words = n;
  else if (name == "chunks" && parse_int(value, n, 1, 1'000'000))
    b.chunks = n;
  else if (name == "fail" && parse_int(value, n, 400, 599))
    b.fail = n;
  else if (name == "flaky" && parse_int(value, n, 0, 1'000'000))
    b.flaky = n;
  else if (name == "stall" && parse_int(value, n, 0, 600'000))
    b.stall_ms = n;
  else if (name == "pace" && parse_int(value, n, 0, 600'000))
    b.pace_ms = n;
  else if (name == "split" && parse_int(value, n, 1, 1 << 20))
    b.split = static_cast<std::size_t>(n);
  else if (name == "retry-after" && parse_int(value, n, 0, 86'400))
    b.retry_after = n;
  else if (name == "stallmid" && parse_int(value, n, 0, 600'000))
    b.stall_mid_ms = n;
  else if (name == "huge" && parse_int(value, n, 1, 1024))
    b.huge_mb = n;
  else if (name == "deep" && parse_int(value, n, 1, 1'000'000))
    b.deep = n;
}

std::mutex g_flaky_mu;
std::unordered_map<std::string, int> g_flaky_seen;

}  // namespace

Behavior parse_behavior(std::string_view model) {
  Behavior b;
  while (!model.empty()) {
    auto plus = model.find('+');
    std::string_view part = model.substr(0, plus);
    model = plus == std::string_view::npos ? std::string_view{} : model.substr(plus + 1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      apply(b, part, {}, false);
    else
      apply(b, part.substr(0, eq), part.substr(eq + 1), true);
  }
  return b;
}

int failure_status(const Behavior& b, const std::string& model) {
  if (b.flaky > 0) {
    int seen = 0;
    {
      std::lock_guard lock(g_flaky_mu);
      seen = g_flaky_seen[model]++;
    }
    if (seen >= b.flaky) return 0;
    return b.fail ? b.fail : 503;
  }
  if (b.errbody && !b.fail) return 500;  // sent with HTTP 200 (faults.cpp)
  return b.fail;
}

}  // namespace fake
