// Internal to dsp/: the per-target kernel tables and the scalar kernels that SIMD variants call for
// their tails. [rt] like the kernels themselves. Not part of the public API.
//
// The float trick every G.711 variant shares: for an integer 1 <= v < 2^24, the IEEE-754 single bits
// of v are (127 + e) << 23 | mantissa with e = floor(log2 v), so (bits >> 19) = (127 + e) << 4 | the 4
// bits below the leading one. With seg = e - 7 that is kFloatSeg0 + (seg << 4 | (v >> (seg + 3)) & 15):
// exactly a G.711 segment/mantissa code. Decoding builds those bits back (plus half a step) and
// converts the float to int.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dsp/kernels.hpp"

namespace offhook::dsp::detail {

inline constexpr int kUlawBias = 0x84;       // G.711 µ-law bias (Sun g711.c BIAS)
inline constexpr int kUlawClip = 32635;      // Sun g711.c CLIP: |x| + bias stays <= 32767
inline constexpr int kAlawAmiMask = 0x55;    // even-bit inversion of A-law codes
inline constexpr int kFloatSeg0 = 2144;      // (127 + 7) << 4: bits >> 19 of float(2^7), segment 0
inline constexpr uint32_t kFloatHalfStep = 0x40000;  // mantissa bit 18: half a quantisation step

extern const Kernels kScalarKernels;
extern const Kernels kSse2Kernels;   // defined only on x86-64
extern const Kernels kAvx2Kernels;   // defined only when OFFHOOK_DSP_HAVE_AVX2
extern const Kernels kNeonKernels;   // defined only when OFFHOOK_DSP_HAVE_NEON (AArch64, ARMv7 hard-float)

namespace scalar {
void ulaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept;
void ulaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept;
void alaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept;
void alaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept;
void s16_to_float(const int16_t* in, float* out, size_t n) noexcept;
void float_to_s16(const float* in, int16_t* out, size_t n) noexcept;
void mix_sat(const int16_t* a, const int16_t* b, int16_t* out, size_t n) noexcept;
}  // namespace scalar

}  // namespace offhook::dsp::detail
