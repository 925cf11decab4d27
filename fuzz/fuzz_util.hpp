// What the harnesses share: where to split an input, how an invariant fails, what an escaped
// exception means, and the nesting cap for a bug already being fixed elsewhere.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

namespace gw::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// FNV-1a of the input: the harnesses' source of choices (split points, statuses), so every
// mutation tries other ones and a saved input replays with the same.
inline uint64_t hash(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// A split point in [0, size].
inline size_t split_point(std::string_view s) {
  return static_cast<size_t>(hash(s) % (s.size() + 1));
}

// An invariant that does not hold: abort, so libFuzzer keeps the input as a crash.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "gw fuzz: invariant broken: %s\n", what);
  std::abort();
}

// gw's server answers an exception escaping a request handler with a 500 and keeps serving
// (src/server/http_server.cpp), so a harness tolerates one by default. GW_FUZZ_EXCEPTIONS=crash
// turns them into findings (inputs that make gw answer 500, or cut a stream without an error
// event): uncaught, std::terminate aborts with the throwing frame still on the stack.
template <class F>
void guarded(F&& f) {
  static const bool crash = [] {
    const char* v = std::getenv("GW_FUZZ_EXCEPTIONS");
    return v != nullptr && std::string_view(v) == "crash";
  }();
  if (crash) return f();
  try {
    f();
  } catch (const std::exception&) {
  }
}

// The deepest bracket nesting of a JSON text, strings skipped. Up to the first byte a JSON
// parser rejects this is the parser's own depth, so it bounds the depth any parser reaches.
inline int json_depth(std::string_view s) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max = std::max(max, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max;
}

}  // namespace gw::fuzz
