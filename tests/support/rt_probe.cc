#include "tests/support/rt_probe.hpp"

#include <dlfcn.h>
#include <pthread.h>

#include <cstdlib>
#include <new>

// Without a sanitizer, malloc/calloc/realloc themselves are interposed (so C libraries such as
// libsrtp are counted) and operator new is counted through them. Sanitizers own malloc, so there
// only operator new is counted.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OFFHOOK_COUNT_MALLOC 0
#else
#define OFFHOOK_COUNT_MALLOC 1
#endif

namespace offhook::test {
namespace {

thread_local bool t_armed = false;
thread_local RtCounts t_counts;

void count_new() noexcept {
  if (!OFFHOOK_COUNT_MALLOC && t_armed) ++t_counts.allocations;
}

void* allocate(std::size_t size) {
  count_new();
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* allocate_aligned(std::size_t size, std::align_val_t align) {
  count_new();
  void* p = nullptr;
  if (posix_memalign(&p, static_cast<std::size_t>(align), size == 0 ? 1 : size) == 0) return p;
  throw std::bad_alloc();
}

}  // namespace

RtProbe::RtProbe() {
  t_counts = {};
  t_armed = true;
}
RtProbe::~RtProbe() { t_armed = false; }
RtCounts RtProbe::counts() const { return t_counts; }

}  // namespace offhook::test

void* operator new(std::size_t size) { return offhook::test::allocate(size); }
void* operator new[](std::size_t size) { return offhook::test::allocate(size); }
void* operator new(std::size_t size, std::align_val_t a) { return offhook::test::allocate_aligned(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return offhook::test::allocate_aligned(size, a); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  offhook::test::count_new();
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  offhook::test::count_new();
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// Interposed for the whole process; the real functions come from the next object (libc) and are
// resolved before main() so the lookup itself never runs inside a measured call.
namespace {
using MutexFn = int (*)(pthread_mutex_t*);
MutexFn g_real_lock = nullptr;
MutexFn g_real_trylock = nullptr;

__attribute__((constructor)) void resolve_mutex_functions() {
  g_real_lock = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_lock"));
  g_real_trylock = reinterpret_cast<MutexFn>(dlsym(RTLD_NEXT, "pthread_mutex_trylock"));
}
}  // namespace

extern "C" int pthread_mutex_lock(pthread_mutex_t* m) {
  if (g_real_lock == nullptr) resolve_mutex_functions();
  if (offhook::test::t_armed) ++offhook::test::t_counts.mutex_locks;
  return g_real_lock(m);
}

extern "C" int pthread_mutex_trylock(pthread_mutex_t* m) {
  if (g_real_trylock == nullptr) resolve_mutex_functions();
  if (offhook::test::t_armed) ++offhook::test::t_counts.mutex_locks;
  return g_real_trylock(m);
}

#if OFFHOOK_COUNT_MALLOC
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);

void* malloc(std::size_t size) {
  if (offhook::test::t_armed) ++offhook::test::t_counts.allocations;
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  if (offhook::test::t_armed) ++offhook::test::t_counts.allocations;
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  if (offhook::test::t_armed) ++offhook::test::t_counts.allocations;
  return __libc_realloc(p, size);
}
}
#endif
