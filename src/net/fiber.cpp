#include "net/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define GW_ASAN 1
#endif

namespace gw::net {
namespace {

size_t page_size() {
  static const size_t p = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

// Boost.Context allocates through this; the Fiber owns the mapping and reuses it.
struct BorrowedStack {
  boost::context::stack_context sc;
  boost::context::stack_context allocate() { return sc; }
  void deallocate(boost::context::stack_context&) noexcept {}
};

void start_switch([[maybe_unused]] void** save, [[maybe_unused]] const void* bottom,
                  [[maybe_unused]] size_t size) {
#ifdef GW_ASAN
  __sanitizer_start_switch_fiber(save, bottom, size);
#endif
}

void finish_switch([[maybe_unused]] void* save, [[maybe_unused]] const void** bottom,
                   [[maybe_unused]] size_t* size) {
#ifdef GW_ASAN
  __sanitizer_finish_switch_fiber(save, bottom, size);
#endif
}

// Frames left on a stack that was switched away from stay poisoned in ASan's shadow; memory
// mapped later at the same address would then look like a stack to it.
void unpoison([[maybe_unused]] char* p, [[maybe_unused]] size_t n) {
#ifdef GW_ASAN
  __asan_unpoison_memory_region(p, n);
#endif
}

}  // namespace

Fiber::Fiber(size_t stack_bytes) {
  size_t page = page_size();
  size_t usable = (stack_bytes + page - 1) / page * page;
  mapped_ = usable + page;
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  base_ = static_cast<char*>(p);
  ::mprotect(base_, page, PROT_NONE);  // guard: an overflow faults instead of corrupting
}

Fiber::~Fiber() {
  if (!base_) return;
  self_ = {};  // a fiber still parked unwinds here, on its stack, before the stack goes
  unpoison(base_ + page_size(), mapped_ - page_size());
  ::munmap(base_, mapped_);
}

void Fiber::release_pages() {
  size_t page = page_size();
  ::madvise(base_ + page, mapped_ - page, MADV_DONTNEED);
}

void Fiber::reset(std::function<void()> fn) {
  unpoison(base_ + page_size(), mapped_ - page_size());
  fn_ = std::move(fn);
  finished_ = false;
  timer_id = 0;
  wait_fd = -1;
  park_hook = nullptr;
  in_park_hook = false;
  boost::context::stack_context sc;
  sc.size = mapped_ - page_size();
  sc.sp = base_ + mapped_;  // stacks grow down from the top
  self_ = boost::context::fiber(
      std::allocator_arg, BorrowedStack{sc}, [this](boost::context::fiber&& caller) {
        caller_ = std::move(caller);
        finish_switch(nullptr, &caller_bottom_, &caller_size_);
        try {
          fn_();
        } catch (const boost::context::detail::forced_unwind&) {
          throw;  // Boost.Context unwinding a fiber destroyed mid-run
        } catch (const std::exception& e) {
          std::fprintf(stderr, "gw: unhandled error on a connection: %s\n", e.what());
        } catch (...) {
          std::fprintf(stderr, "gw: unhandled error on a connection\n");
        }
        fn_ = nullptr;
        finished_ = true;
        start_switch(nullptr, caller_bottom_, caller_size_);  // this stack is done
        return std::move(caller_);
      });
}

void Fiber::resume() {
  void* save = nullptr;
  start_switch(&save, base_ + page_size(), mapped_ - page_size());
  self_ = std::move(self_).resume();
  finish_switch(save, nullptr, nullptr);
}

void Fiber::suspend() {
  start_switch(&fake_stack_, caller_bottom_, caller_size_);
  caller_ = std::move(caller_).resume();
  finish_switch(fake_stack_, &caller_bottom_, &caller_size_);
}

}  // namespace gw::net
