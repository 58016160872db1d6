// Run-time dispatch: which targets are compiled in, what the CPU supports, and the process-wide cap.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <string>

#include "dsp/kernels_internal.hpp"

#if defined(OFFHOOK_DSP_HAVE_NEON)
#include <asm/hwcap.h>  // HWCAP_ASIMD (AArch64), HWCAP_NEON (ARM)
#include <sys/auxv.h>   // getauxval(AT_HWCAP)
#endif

namespace offhook::dsp {
namespace {

#if defined(__x86_64__)
#define OFFHOOK_DSP_HAVE_SSE2 1  // baseline on x86-64
#endif

// OFFHOOK_DSP_HAVE_NEON comes from dsp/CMakeLists.txt on AArch64 and 32-bit hard-float ARM builds.
constexpr Target kCompiled[] = {
    Target::scalar,
#if defined(OFFHOOK_DSP_HAVE_SSE2)
    Target::sse2,
#endif
#if defined(OFFHOOK_DSP_HAVE_AVX2)
    Target::avx2,
#endif
#if defined(OFFHOOK_DSP_HAVE_NEON)
    Target::neon,
#endif
};

constexpr std::array<std::string_view, 4> kNames = {"scalar", "sse2", "avx2", "neon"};

bool compiled(Target t) {
  for (Target c : kCompiled) {
    if (c == t) return true;
  }
  return false;
}

// The kernel reads the CPU's ID registers and reports them in the auxiliary vector: no SIGILL probe.
// AArch64: HWCAP_ASIMD (bit 1), mandatory in ARMv8-A Linux profiles but checked anyway.
// ARMv7: HWCAP_NEON (bit 12); plenty of ARMv7 SoCs (Tegra 2, some Cortex-A9 desk phones) lack it.
bool cpu_has_neon() {
#if defined(OFFHOOK_DSP_HAVE_NEON) && defined(__aarch64__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
#elif defined(OFFHOOK_DSP_HAVE_NEON)
  return (getauxval(AT_HWCAP) & HWCAP_NEON) != 0;
#else
  return false;
#endif
}

bool cpu_has(Target t) {
  switch (t) {
    case Target::scalar:
      return true;
    case Target::sse2:
#if defined(__x86_64__)
      return true;
#else
      return false;
#endif
    case Target::avx2:
#if defined(__x86_64__)
      __builtin_cpu_init();  // safe to repeat; needed if called before libgcc's constructor ran
      return __builtin_cpu_supports("avx2");  // libgcc also checks the OS saves YMM state (XGETBV)
#else
      return false;
#endif
    case Target::neon:
      return cpu_has_neon();
  }
  return false;
}

// No cap until force_target_for_process(); stored as the Target's value.
constexpr uint8_t kNoCap = 0xFF;
std::atomic<uint8_t> g_cap{kNoCap};

}  // namespace

std::span<const Target> compiled_targets() { return kCompiled; }

bool target_supported(Target t) { return compiled(t) && cpu_has(t); }

const Kernels& kernels_for(Target t) {
  switch (t) {
#if defined(OFFHOOK_DSP_HAVE_SSE2)
    case Target::sse2:
      return detail::kSse2Kernels;
#endif
#if defined(OFFHOOK_DSP_HAVE_AVX2)
    case Target::avx2:
      return detail::kAvx2Kernels;
#endif
#if defined(OFFHOOK_DSP_HAVE_NEON)
    case Target::neon:
      return detail::kNeonKernels;
#endif
    default:
      return detail::kScalarKernels;
  }
}

Target best_target() {
  uint8_t cap = g_cap.load(std::memory_order_acquire);
  if (const char* env = std::getenv("OFFHOOK_SIMD")) {
    Result<Target> forced = parse_target(env);
    if (forced && target_supported(*forced)) cap = std::min(cap, static_cast<uint8_t>(*forced));
  }
  Target best = Target::scalar;
  for (Target t : kCompiled) {
    if (static_cast<uint8_t>(t) <= cap && target_supported(t)) best = t;
  }
  return best;
}

Result<Target> checked_best_target() {
  if (const char* env = std::getenv("OFFHOOK_SIMD")) {
    Result<Target> forced = parse_target(env);
    if (!forced) return Error{Errc::invalid_argument, "OFFHOOK_SIMD: " + forced.error().message};
    if (!target_supported(*forced)) {
      return Error{Errc::not_supported, std::string("OFFHOOK_SIMD: SIMD target '") + target_name(*forced) +
                                            (compiled(*forced) ? "' is not supported by this CPU"
                                                               : "' is not compiled into this build")};
    }
  }
  return best_target();
}

Result<Target> parse_target(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    const std::string_view known = kNames[i];
    bool equal = name.size() == known.size();
    for (size_t j = 0; equal && j < name.size(); ++j) {
      const char c = name[j];
      equal = (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) == known[j];
    }
    if (equal) return static_cast<Target>(i);
  }
  return Error{Errc::invalid_argument,
               "unknown SIMD target '" + std::string(name) + "' (expected scalar, sse2, avx2 or neon)"};
}

const char* target_name(Target t) {
  const auto i = static_cast<size_t>(t);
  return i < kNames.size() ? kNames[i].data() : "unknown";
}

Result<Target> force_target_for_process(Target t) {
  if (!compiled(t)) {
    return Error{Errc::not_supported, std::string("SIMD target '") + target_name(t) + "' is not compiled in"};
  }
  if (!cpu_has(t)) {
    return Error{Errc::not_supported, std::string("SIMD target '") + target_name(t) + "' is not supported by this CPU"};
  }
  g_cap.store(static_cast<uint8_t>(t), std::memory_order_release);
  return best_target();
}

}  // namespace offhook::dsp
