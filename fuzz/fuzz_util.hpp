// What the harnesses share: where to split an input, how an invariant fails, and what an
// escaped exception means.
#pragma once

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

}  // namespace gw::fuzz
