// AVX2 kernels, compiled with -mavx2 in the separate offhook_dsp_avx2 object library and only called
// after target_supported(Target::avx2). Everything here has internal linkage and uses no inline
// library templates, so no AVX2-compiled copy of a shared inline function can reach other callers.
// G.711 encode uses the float trick in 32-bit halves; decode works in 16-bit lanes: pshufb looks up
// 1 << segment and mullo applies it.
#include <immintrin.h>

#include <cstdint>

#include "dsp/kernels_internal.hpp"

namespace offhook::dsp::detail {
namespace {

inline __m256i load(const void* p) noexcept { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m128i load128(const void* p) noexcept { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline void store(void* p, __m256i v) noexcept { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
inline __m256i splat(int16_t v) noexcept { return _mm256_set1_epi16(v); }

// Sixteen values 0..32767 -> G.711 float codes. unpack and pack are both per 128-bit lane, so the
// element order survives.
inline __m256i float_code(__m256i v) noexcept {
  const __m256i zero = _mm256_setzero_si256();
  const __m256i lo = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(_mm256_unpacklo_epi16(v, zero))), 19);
  const __m256i hi = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(_mm256_unpackhi_epi16(v, zero))), 19);
  return _mm256_sub_epi16(_mm256_packs_epi32(lo, hi), splat(kFloatSeg0));
}

inline __m256i ulaw_encode16(__m256i x) noexcept {
  const __m256i s = _mm256_srai_epi16(x, 15);
  const __m256i v = _mm256_adds_epi16(_mm256_xor_si256(x, s), _mm256_sub_epi16(splat(kUlawBias), s));
  return _mm256_xor_si256(float_code(v), _mm256_xor_si256(splat(0xFF), _mm256_and_si256(s, splat(0x80))));
}

inline __m256i alaw_encode16(__m256i x) noexcept {
  const __m256i s = _mm256_srai_epi16(x, 15);
  const __m256i m = _mm256_xor_si256(x, s);
  const __m256i code = _mm256_max_epi16(float_code(m), _mm256_min_epi16(_mm256_srli_epi16(m, 4), splat(15)));
  return _mm256_xor_si256(code, _mm256_xor_si256(splat(kAlawAmiMask | 0x80), _mm256_and_si256(s, splat(0x80))));
}

// pshufb index for a segment in each 16-bit lane: the high byte's index has bit 7 set, which zeroes it.
inline __m256i pow2_of_segment(__m256i c, __m256i table) noexcept {
  const __m256i seg = _mm256_and_si256(_mm256_srli_epi16(c, 4), splat(7));
  return _mm256_shuffle_epi8(table, _mm256_or_si256(seg, splat(static_cast<int16_t>(0x8000))));
}

// `u` holds sixteen codes 0..255 in 16-bit lanes. (8 m + 132) << seg <= 32256 fits mullo.
inline __m256i ulaw_decode16(__m256i u) noexcept {
  const __m256i table = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                         1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i c = _mm256_xor_si256(u, splat(0xFF));
  const __m256i base = _mm256_add_epi16(_mm256_slli_epi16(_mm256_and_si256(c, splat(0xF)), 3), splat(kUlawBias));
  const __m256i t = _mm256_sub_epi16(_mm256_mullo_epi16(base, pow2_of_segment(c, table)), splat(kUlawBias));
  const __m256i neg = _mm256_cmpgt_epi16(c, splat(0x7F));
  return _mm256_sub_epi16(_mm256_xor_si256(t, neg), neg);
}

// Segment 0: 16 m + 8; segment s >= 1: (16 m + 264) << (s - 1) <= 32256.
inline __m256i alaw_decode16(__m256i a) noexcept {
  const __m256i table = _mm256_setr_epi8(1, 1, 2, 4, 8, 16, 32, 64, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                         1, 1, 2, 4, 8, 16, 32, 64, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i c = _mm256_xor_si256(a, splat(kAlawAmiMask));
  const __m256i seg_nonzero = _mm256_min_epu16(_mm256_and_si256(c, splat(0x70)), splat(1));
  const __m256i base = _mm256_add_epi16(_mm256_slli_epi16(_mm256_and_si256(c, splat(0xF)), 4),
                                        _mm256_add_epi16(splat(8), _mm256_slli_epi16(seg_nonzero, 8)));
  const __m256i t = _mm256_mullo_epi16(base, pow2_of_segment(c, table));
  const __m256i neg = _mm256_cmpgt_epi16(splat(0x80), c);
  return _mm256_sub_epi16(_mm256_xor_si256(t, neg), neg);
}

template <__m256i (*kEncode16)(__m256i)>
inline size_t encode32(const int16_t* in, uint8_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    // packus interleaves the two inputs per 128-bit lane; permute 0xD8 puts the quarters in order.
    const __m256i packed = _mm256_packus_epi16(kEncode16(load(in + i)), kEncode16(load(in + i + 16)));
    store(out + i, _mm256_permute4x64_epi64(packed, 0xD8));
  }
  return i;
}

template <__m256i (*kDecode16)(__m256i)>
inline size_t decode32(const uint8_t* in, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    store(out + i, kDecode16(_mm256_cvtepu8_epi16(load128(in + i))));
    store(out + i + 16, kDecode16(_mm256_cvtepu8_epi16(load128(in + i + 16))));
  }
  return i;
}

void ulaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept {
  const size_t i = encode32<ulaw_encode16>(in, out, n);
  scalar::ulaw_encode(in + i, out + i, n - i);
}
void alaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept {
  const size_t i = encode32<alaw_encode16>(in, out, n);
  scalar::alaw_encode(in + i, out + i, n - i);
}
void ulaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept {
  const size_t i = decode32<ulaw_decode16>(in, out, n);
  scalar::ulaw_decode(in + i, out + i, n - i);
}
void alaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept {
  const size_t i = decode32<alaw_decode16>(in, out, n);
  scalar::alaw_decode(in + i, out + i, n - i);
}

void s16_to_float(const int16_t* in, float* out, size_t n) noexcept {
  const __m256 scale = _mm256_set1_ps(1.0f / 32768.0f);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(load128(in + i))), scale));
    _mm256_storeu_ps(out + i + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(load128(in + i + 8))), scale));
  }
  scalar::s16_to_float(in + i, out + i, n - i);
}

// As the SSE2 version: zero NaN, clamp the top, let cvtps2dq + packs saturate the bottom.
inline __m256i float_to_s32(__m256 x) noexcept {
  const __m256 not_nan = _mm256_cmp_ps(x, x, _CMP_EQ_OQ);
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_and_ps(x, not_nan), _mm256_set1_ps(32767.0f)));
}

void float_to_s16(const float* in, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i packed = _mm256_packs_epi32(float_to_s32(_mm256_loadu_ps(in + i)), float_to_s32(_mm256_loadu_ps(in + i + 8)));
    store(out + i, _mm256_permute4x64_epi64(packed, 0xD8));
  }
  scalar::float_to_s16(in + i, out + i, n - i);
}

void mix_sat(const int16_t* a, const int16_t* b, int16_t* out, size_t n) noexcept {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) store(out + i, _mm256_adds_epi16(load(a + i), load(b + i)));
  scalar::mix_sat(a + i, b + i, out + i, n - i);
}

}  // namespace

constinit const Kernels kAvx2Kernels = {
    Target::avx2, ulaw_encode, ulaw_decode, alaw_encode, alaw_decode, s16_to_float, float_to_s16, mix_sat,
};

}  // namespace offhook::dsp::detail
