// SIMD kernel table and run-time dispatch: G.711 µ-law/A-law, sample-format conversion, saturating
// mix. One `Kernels` table per compiled target; every variant is bit-exact with the scalar reference.
//
// Threads: `best_target()`, `force_target_for_process()` and `kernels_for()` are control-plane calls,
// made once (Engine ctor, tests, benchmarks); the owner stores the `const Kernels*` and never looks it
// up per call. The kernel functions themselves are [rt]: no allocation, no locks, no syscalls, and
// they never throw. `in` and `out` may not overlap, except that `mix_sat` allows `out == a` or `out == b`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/result.hpp"

namespace offhook::dsp {

// Ordered by preference within an architecture (scalar < sse2 < avx2 on x86-64; scalar < neon on ARM).
enum class Target : uint8_t { scalar, sse2, avx2, neon };

struct Kernels {
  Target target;
  // ITU-T G.711, bit-exact with the CCITT/Sun reference g711.c (and spandsp's g711.h).
  void (*ulaw_encode)(const int16_t* in, uint8_t* out, size_t n);
  void (*ulaw_decode)(const uint8_t* in, int16_t* out, size_t n);
  void (*alaw_encode)(const int16_t* in, uint8_t* out, size_t n);
  void (*alaw_decode)(const uint8_t* in, int16_t* out, size_t n);
  // out = in / 32768.0f, exact (a power-of-two scale of a 16-bit integer is always representable).
  void (*s16_to_float)(const int16_t* in, float* out, size_t n);
  // out = round-half-to-even(in) saturated to [-32768, 32767]; NaN -> 0. Assumes the default FP
  // rounding mode (round-to-nearest), which offhook never changes.
  void (*float_to_s16)(const float* in, int16_t* out, size_t n);
  // out = a + b saturated to [-32768, 32767].
  void (*mix_sat)(const int16_t* a, const int16_t* b, int16_t* out, size_t n);
};

// Targets compiled into this binary, scalar first, in increasing preference.
std::span<const Target> compiled_targets();

// True when `t` is compiled in and the CPU (and OS, for AVX state) supports it.
bool target_supported(Target t);

// Precondition: `t` is in compiled_targets() (scalar otherwise). The table lives for the process.
const Kernels& kernels_for(Target t);

// The best supported target, capped by the environment variable OFFHOOK_SIMD (scalar|sse2|avx2|neon;
// an unknown or unsupported name is ignored) and by force_target_for_process().
Target best_target();

// best_target() for start-up code (Engine::create, the CLI): an OFFHOOK_SIMD that names an unknown
// target (Errc::invalid_argument) or one this build or CPU lacks, e.g. "neon" on x86-64 or "avx2" on
// ARM (Errc::not_supported), is an error to report, not silently ignored.
Result<Target> checked_best_target();

// Case-insensitive "scalar", "sse2", "avx2", "neon"; Errc::invalid_argument otherwise.
Result<Target> parse_target(std::string_view name);

const char* target_name(Target t);

// Caps best_target() at `t` for the whole process (forcing the highest supported target removes the
// cap). Errc::not_supported if `t` is not compiled in or the CPU lacks it. Returns best_target().
Result<Target> force_target_for_process(Target t);

}  // namespace offhook::dsp
