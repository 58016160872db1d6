// SSE2 kernels (x86-64 baseline, no extra compiler flags). Same arithmetic as kernels_scalar.cc, in
// 16-bit lanes with the float trick done in 32-bit halves; tails go to the scalar kernels.
#include <emmintrin.h>

#include <cstdint>

#include "dsp/kernels_internal.hpp"

namespace offhook::dsp::detail {
namespace {

inline __m128i load(const void* p) noexcept { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline void store(void* p, __m128i v) noexcept { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
inline __m128i splat(int16_t v) noexcept { return _mm_set1_epi16(v); }

// Eight values 0..32767 -> their G.711 float codes (see kernels_internal.hpp), int16 lanes.
inline __m128i float_code(__m128i v) noexcept {
  const __m128i zero = _mm_setzero_si128();
  const __m128i lo = _mm_srli_epi32(_mm_castps_si128(_mm_cvtepi32_ps(_mm_unpacklo_epi16(v, zero))), 19);
  const __m128i hi = _mm_srli_epi32(_mm_castps_si128(_mm_cvtepi32_ps(_mm_unpackhi_epi16(v, zero))), 19);
  return _mm_sub_epi16(_mm_packs_epi32(lo, hi), splat(kFloatSeg0));
}

// Eight 7-bit codes -> the middle of their step, ((code7 + kFloatSeg0) << 19 | half step) as float.
inline __m128i float_value(__m128i code7) noexcept {
  const __m128i zero = _mm_setzero_si128();
  const __m128i bias = _mm_set1_epi32(static_cast<int32_t>((uint32_t{kFloatSeg0} << 19) | kFloatHalfStep));
  const __m128i lo = _mm_add_epi32(_mm_slli_epi32(_mm_unpacklo_epi16(code7, zero), 19), bias);
  const __m128i hi = _mm_add_epi32(_mm_slli_epi32(_mm_unpackhi_epi16(code7, zero), 19), bias);
  return _mm_packs_epi32(_mm_cvttps_epi32(_mm_castsi128_ps(lo)), _mm_cvttps_epi32(_mm_castsi128_ps(hi)));
}

inline __m128i ulaw_encode8(__m128i x) noexcept {
  const __m128i s = _mm_srai_epi16(x, 15);
  // (x ^ s) is |x| - 1 for negative x, so add 1 more there. Saturating at 32767 gives 0x7F, the
  // same code as the reference's out-of-range segment 8 (|x| + 0x84 >= 32768).
  const __m128i v = _mm_adds_epi16(_mm_xor_si128(x, s), _mm_sub_epi16(splat(kUlawBias), s));
  return _mm_xor_si128(float_code(v), _mm_xor_si128(splat(0xFF), _mm_and_si128(s, splat(0x80))));
}

inline __m128i alaw_encode8(__m128i x) noexcept {
  const __m128i s = _mm_srai_epi16(x, 15);
  const __m128i m = _mm_xor_si128(x, s);
  const __m128i code = _mm_max_epi16(float_code(m), _mm_min_epi16(_mm_srli_epi16(m, 4), splat(15)));
  return _mm_xor_si128(code, _mm_xor_si128(splat(kAlawAmiMask | 0x80), _mm_and_si128(s, splat(0x80))));
}

// `u` holds eight codes 0..255 in int16 lanes.
inline __m128i ulaw_decode8(__m128i u) noexcept {
  const __m128i c = _mm_xor_si128(u, splat(0xFF));
  const __m128i t = _mm_sub_epi16(float_value(_mm_and_si128(c, splat(0x7F))), splat(kUlawBias));
  const __m128i neg = _mm_cmpgt_epi16(c, splat(0x7F));
  return _mm_sub_epi16(_mm_xor_si128(t, neg), neg);
}

inline __m128i alaw_decode8(__m128i a) noexcept {
  const __m128i c = _mm_xor_si128(a, splat(kAlawAmiMask));
  const __m128i code7 = _mm_and_si128(c, splat(0x7F));
  const __m128i seg0 = _mm_cmpgt_epi16(splat(16), code7);
  const __m128i seg1_code = _mm_or_si128(code7, _mm_and_si128(seg0, splat(16)));
  const __m128i t = _mm_sub_epi16(float_value(seg1_code), _mm_and_si128(seg0, splat(256)));
  const __m128i neg = _mm_cmpgt_epi16(splat(0x80), c);
  return _mm_sub_epi16(_mm_xor_si128(t, neg), neg);
}

template <__m128i (*kEncode8)(__m128i)>
inline size_t encode16(const int16_t* in, uint8_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) store(out + i, _mm_packus_epi16(kEncode8(load(in + i)), kEncode8(load(in + i + 8))));
  return i;
}

template <__m128i (*kDecode8)(__m128i)>
inline size_t decode16(const uint8_t* in, int16_t* out, size_t n) noexcept {
  const __m128i zero = _mm_setzero_si128();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i b = load(in + i);
    store(out + i, kDecode8(_mm_unpacklo_epi8(b, zero)));
    store(out + i + 8, kDecode8(_mm_unpackhi_epi8(b, zero)));
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
  const __m128 scale = _mm_set1_ps(1.0f / 32768.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i x = load(in + i);
    const __m128i lo = _mm_srai_epi32(_mm_unpacklo_epi16(x, x), 16);  // sign-extend
    const __m128i hi = _mm_srai_epi32(_mm_unpackhi_epi16(x, x), 16);
    _mm_storeu_ps(out + i, _mm_mul_ps(_mm_cvtepi32_ps(lo), scale));
    _mm_storeu_ps(out + i + 4, _mm_mul_ps(_mm_cvtepi32_ps(hi), scale));
  }
  scalar::s16_to_float(in + i, out + i, n - i);
}

// NaN lanes are zeroed first (cmpeq is false only for NaN). Only the top needs clamping: cvtps2dq
// turns anything below -2^31 into INT32_MIN, which packs saturates to -32768 like any value below.
inline __m128i float_to_s32(__m128 x) noexcept {
  return _mm_cvtps_epi32(_mm_min_ps(_mm_and_ps(x, _mm_cmpeq_ps(x, x)), _mm_set1_ps(32767.0f)));
}

void float_to_s16(const float* in, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    store(out + i, _mm_packs_epi32(float_to_s32(_mm_loadu_ps(in + i)), float_to_s32(_mm_loadu_ps(in + i + 4))));
  }
  scalar::float_to_s16(in + i, out + i, n - i);
}

void mix_sat(const int16_t* a, const int16_t* b, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) store(out + i, _mm_adds_epi16(load(a + i), load(b + i)));
  scalar::mix_sat(a + i, b + i, out + i, n - i);
}

}  // namespace

constinit const Kernels kSse2Kernels = {
    Target::sse2, ulaw_encode, ulaw_decode, alaw_encode, alaw_decode, s16_to_float, float_to_s16, mix_sat,
};

}  // namespace offhook::dsp::detail
