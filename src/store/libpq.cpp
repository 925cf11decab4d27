#include "store/libpq.hpp"

#include <dlfcn.h>

#include <mutex>

namespace gw::store {

const LibPq* libpq(std::string& why) {
  static std::once_flag once;
  static LibPq lib;
  static std::string error;
  std::call_once(once, [] {
    // The soname of Debian's libpq5 (and of every libpq since PostgreSQL 8.2).
    void* h = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = ::dlerror();
      error =
          std::string("PostgreSQL's client library cannot be loaded (apt-get install libpq5): ") +
          (e ? e : "libpq.so.5 not found");
      return;
    }
#define GW_LIBPQ_LOAD(name)                                                      \
  lib.name = reinterpret_cast<decltype(lib.name)>(::dlsym(h, #name));            \
  if (!lib.name) {                                                               \
    error = "PostgreSQL's client library libpq.so.5 lacks " #name " (too old?)"; \
    return;                                                                      \
  }
    GW_LIBPQ_FUNCTIONS(GW_LIBPQ_LOAD)
#undef GW_LIBPQ_LOAD
    // The handle stays open for the life of the process: connections may outlive any owner.
  });
  if (!error.empty()) {
    why = error;
    return nullptr;
  }
  return &lib;
}

}  // namespace gw::store
