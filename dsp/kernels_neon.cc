// NEON kernels for AArch64 (Advanced SIMD, always present) and ARMv7-A with NEON. Same arithmetic as
// kernels_scalar.cc and kernels_sse2.cc: 16-bit lanes, the G.711 float trick (kernels_internal.hpp) in
// 32-bit halves, scalar tails. On ARMv7 this file alone is compiled with -mfpu=neon (dsp/CMakeLists.txt)
// and is only called after getauxval(AT_HWCAP) reported NEON (kernels.cc), so the rest of the library
// still runs on a CPU without NEON. [rt] like every kernel: no allocation, no locks, no syscalls.
#include <arm_neon.h>

#include <cstdint>

#include "dsp/kernels_internal.hpp"

namespace offhook::dsp::detail {
namespace {

inline int16x8_t splat(int16_t v) noexcept { return vdupq_n_s16(v); }

// Eight values 0..32767 -> their G.711 float codes (see kernels_internal.hpp), int16 lanes. 0 gives a
// negative code, which the A-law max below discards.
inline int16x8_t float_code(int16x8_t v) noexcept {
  const uint16x8_t u = vreinterpretq_u16_s16(v);
  const uint32x4_t lo = vshrq_n_u32(vreinterpretq_u32_f32(vcvtq_f32_u32(vmovl_u16(vget_low_u16(u)))), 19);
  const uint32x4_t hi = vshrq_n_u32(vreinterpretq_u32_f32(vcvtq_f32_u32(vmovl_u16(vget_high_u16(u)))), 19);
  // (127 + 14) << 4 | 15 = 2271 at most: the narrowing never drops a bit.
  const int16x8_t code = vreinterpretq_s16_u16(vcombine_u16(vmovn_u32(lo), vmovn_u32(hi)));
  return vsubq_s16(code, splat(kFloatSeg0));
}

// Eight 7-bit codes -> the middle of their step, ((code7 + kFloatSeg0) << 19 | half step) as float,
// truncated to int (vcvtq_s32_f32 rounds toward zero, like cvttps2dq).
inline int16x8_t float_value(int16x8_t code7) noexcept {
  const uint16x8_t c = vreinterpretq_u16_s16(code7);
  const uint32x4_t bias = vdupq_n_u32((uint32_t{kFloatSeg0} << 19) | kFloatHalfStep);
  const uint32x4_t lo = vaddq_u32(vshlq_n_u32(vmovl_u16(vget_low_u16(c)), 19), bias);
  const uint32x4_t hi = vaddq_u32(vshlq_n_u32(vmovl_u16(vget_high_u16(c)), 19), bias);
  return vcombine_s16(vqmovn_s32(vcvtq_s32_f32(vreinterpretq_f32_u32(lo))),
                      vqmovn_s32(vcvtq_s32_f32(vreinterpretq_f32_u32(hi))));
}

inline int16x8_t ulaw_encode8(int16x8_t x) noexcept {
  const int16x8_t s = vshrq_n_s16(x, 15);
  // (x ^ s) is |x| - 1 for negative x, so add 1 more there. Saturating at 32767 gives 0x7F, the same
  // code as the reference's out-of-range segment 8 (|x| + 0x84 >= 32768).
  const int16x8_t v = vqaddq_s16(veorq_s16(x, s), vsubq_s16(splat(kUlawBias), s));
  return veorq_s16(float_code(v), veorq_s16(splat(0xFF), vandq_s16(s, splat(0x80))));
}

inline int16x8_t alaw_encode8(int16x8_t x) noexcept {
  const int16x8_t s = vshrq_n_s16(x, 15);
  const int16x8_t m = veorq_s16(x, s);
  const int16x8_t code = vmaxq_s16(float_code(m), vminq_s16(vshrq_n_s16(m, 4), splat(15)));
  return veorq_s16(code, veorq_s16(splat(kAlawAmiMask | 0x80), vandq_s16(s, splat(0x80))));
}

// (t ^ neg) - neg: negates the lanes where `neg` is all ones.
inline int16x8_t negate_where(int16x8_t t, uint16x8_t neg) noexcept {
  const int16x8_t n = vreinterpretq_s16_u16(neg);
  return vsubq_s16(veorq_s16(t, n), n);
}

// `u` holds eight codes 0..255 in 16-bit lanes.
inline int16x8_t ulaw_decode8(uint16x8_t u) noexcept {
  const int16x8_t c = vreinterpretq_s16_u16(veorq_u16(u, vdupq_n_u16(0xFF)));
  const int16x8_t t = vsubq_s16(float_value(vandq_s16(c, splat(0x7F))), splat(kUlawBias));
  return negate_where(t, vcgtq_s16(c, splat(0x7F)));
}

inline int16x8_t alaw_decode8(uint16x8_t a) noexcept {
  const int16x8_t c = vreinterpretq_s16_u16(veorq_u16(a, vdupq_n_u16(kAlawAmiMask)));
  const int16x8_t code7 = vandq_s16(c, splat(0x7F));
  // Segment 0 is decoded as segment 1 minus 256 (both have a step of 16).
  const int16x8_t seg0 = vreinterpretq_s16_u16(vcltq_s16(code7, splat(16)));
  const int16x8_t seg1_code = vorrq_s16(code7, vandq_s16(seg0, splat(16)));
  const int16x8_t t = vsubq_s16(float_value(seg1_code), vandq_s16(seg0, splat(256)));
  return negate_where(t, vcltq_s16(c, splat(0x80)));
}

inline uint8x8_t narrow(int16x8_t code) noexcept { return vmovn_u16(vreinterpretq_u16_s16(code)); }

template <int16x8_t (*kEncode8)(int16x8_t)>
inline size_t encode16(const int16_t* in, uint8_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    vst1q_u8(out + i, vcombine_u8(narrow(kEncode8(vld1q_s16(in + i))), narrow(kEncode8(vld1q_s16(in + i + 8)))));
  }
  return i;
}

template <int16x8_t (*kDecode8)(uint16x8_t)>
inline size_t decode16(const uint8_t* in, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t b = vld1q_u8(in + i);
    vst1q_s16(out + i, kDecode8(vmovl_u8(vget_low_u8(b))));
    vst1q_s16(out + i + 8, kDecode8(vmovl_u8(vget_high_u8(b))));
  }
  return i;
}

void ulaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept {
  const size_t i = encode16<ulaw_encode8>(in, out, n);
  scalar::ulaw_encode(in + i, out + i, n - i);
}
void alaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept {
  const size_t i = encode16<alaw_encode8>(in, out, n);
  scalar::alaw_encode(in + i, out + i, n - i);
}
void ulaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept {
  const size_t i = decode16<ulaw_decode8>(in, out, n);
  scalar::ulaw_decode(in + i, out + i, n - i);
}
void alaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept {
  const size_t i = decode16<alaw_decode8>(in, out, n);
  scalar::alaw_decode(in + i, out + i, n - i);
}

void s16_to_float(const int16_t* in, float* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const int16x8_t x = vld1q_s16(in + i);
    vst1q_f32(out + i, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_low_s16(x))), 1.0f / 32768.0f));
    vst1q_f32(out + i + 4, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(vget_high_s16(x))), 1.0f / 32768.0f));
  }
  scalar::s16_to_float(in + i, out + i, n - i);
}

#if defined(__aarch64__)
// FCVTNS rounds to nearest with ties to even, saturates to int32 and turns NaN into 0; the narrowing
// then saturates to int16. Exactly the scalar definition, in two instructions.
inline int16x4_t float_to_s16_4(float32x4_t x) noexcept { return vqmovn_s32(vcvtnq_s32_f32(x)); }
#else
// ARMv7 NEON only converts toward zero, so round like the scalar code: zero NaN lanes (x == x is false
// only for NaN), clamp to [-32768, 32767], add 1.5 * 2^23 (NEON arithmetic always rounds to nearest
// even) and read the integer from the low mantissa bits. NEON flushes denormals to zero, which round to
// 0 anyway.
inline int16x4_t float_to_s16_4(float32x4_t x) noexcept {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23, bits 0x4B400000
  const float32x4_t no_nan = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(x), vceqq_f32(x, x)));
  const float32x4_t clamped = vminq_f32(vmaxq_f32(no_nan, vdupq_n_f32(-32768.0f)), vdupq_n_f32(32767.0f));
  const int32x4_t bits = vreinterpretq_s32_f32(vaddq_f32(clamped, vdupq_n_f32(kMagic)));
  return vmovn_s32(vsubq_s32(bits, vdupq_n_s32(0x4B400000)));
}
#endif

void float_to_s16(const float* in, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    vst1q_s16(out + i, vcombine_s16(float_to_s16_4(vld1q_f32(in + i)), float_to_s16_4(vld1q_f32(in + i + 4))));
  }
  scalar::float_to_s16(in + i, out + i, n - i);
}

void mix_sat(const int16_t* a, const int16_t* b, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) vst1q_s16(out + i, vqaddq_s16(vld1q_s16(a + i), vld1q_s16(b + i)));
  scalar::mix_sat(a + i, b + i, out + i, n - i);
}

}  // namespace

constinit const Kernels kNeonKernels = {
    Target::neon, ulaw_encode, ulaw_decode, alaw_encode, alaw_decode, s16_to_float, float_to_s16, mix_sat,
};

}  // namespace offhook::dsp::detail
