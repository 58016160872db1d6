// Scalar reference kernels in plain C++. Branch-free per sample, written so the compiler can
// auto-vectorise the loops with baseline SSE2 (no 32-bit min, no variable shifts); G.711 encode uses
// the float-exponent trick described in kernels_internal.hpp.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#include "dsp/kernels_internal.hpp"

namespace offhook::dsp::detail {
namespace {

// G.711 code (segment << 4 | mantissa) of 1 <= v < 2^24 when v >= 128; smaller for smaller v.
inline int32_t float_code(int32_t v) noexcept {
  return static_cast<int32_t>(std::bit_cast<uint32_t>(static_cast<float>(v)) >> 19) - kFloatSeg0;
}

// 2^e for 0 <= e <= 7 as a product of one factor per bit: SSE2 has no per-lane variable shift but
// does have a 16-bit multiply, so the decode loops vectorise in 16-bit lanes.
constexpr uint32_t pow2(uint32_t e) noexcept { return (1 + (e & 1)) * (1 + 3 * ((e >> 1) & 1)) * (1 + 15 * ((e >> 2) & 1)); }

// µ-law: v = |x| + 0x84 (Sun's g711.c, sign-magnitude) with |x| clipped to 32635 (its CLIP): from
// there on the reference saturates at code 0x7F, which v = 32767 also gives. (x ^ s) is |x| - 1 for
// negative x. All int16 so the vectorised loop stays in 16-bit lanes (pminsw) until the float step.
inline uint8_t ulaw_encode1(int16_t x) noexcept {
  const auto s = static_cast<int16_t>(x >> 15);  // 0 or -1
  const auto m1 = static_cast<int16_t>(x ^ s);
  const auto v = static_cast<int16_t>(std::min(m1, static_cast<int16_t>(kUlawClip + s)) - s + kUlawBias);
  const auto code = static_cast<int16_t>(float_code(static_cast<uint16_t>(v)));
  return static_cast<uint8_t>(code ^ (0xFF ^ (s & 0x80)));
}

// (8 m + 132) << seg - 132, on the complemented code.
constexpr int16_t ulaw_decode1(uint8_t u) noexcept {
  const uint32_t c = ~uint32_t{u} & 0xFF;
  const auto t = static_cast<int32_t>((((c & 0xF) << 3) + kUlawBias) * pow2((c >> 4) & 7)) - kUlawBias;
  return static_cast<int16_t>((c & 0x80) != 0 ? -t : t);
}

// A-law: magnitude is the one's complement for negative input (-x - 1, as the reference). Segments 0
// and 1 share a step of 16; for m < 256 the float code is never above min(m >> 4, 15), for m >= 256
// it is always above 15, so the max picks the right one without a branch. int16 keeps min/max in
// instructions SSE2 has.
inline uint8_t alaw_encode1(int16_t x) noexcept {
  const auto s = static_cast<int16_t>(x >> 15);
  const auto m = static_cast<int16_t>(x ^ s);
  const auto code = std::max(static_cast<int16_t>(float_code(static_cast<uint16_t>(m))),
                             std::min(static_cast<int16_t>(m >> 4), int16_t{15}));
  return static_cast<uint8_t>(code ^ ((kAlawAmiMask | 0x80) ^ (s & 0x80)));
}

// Segment s >= 1 decodes to (16 m + 264) << (s - 1); segment 0 is linear, 16 m + 8.
constexpr int16_t alaw_decode1(uint8_t a) noexcept {
  const uint32_t c = uint32_t{a} ^ kAlawAmiMask;
  const uint32_t seg = (c >> 4) & 7;
  const uint32_t nonzero = (seg + 7) >> 3;  // seg != 0, without a compare
  const auto t = static_cast<int32_t>((((c & 0xF) << 4) + 8 + (nonzero << 8)) * pow2((seg - nonzero) & 7));
  return static_cast<int16_t>((c & 0x80) != 0 ? t : -t);
}

// Scalar decoding is a load from a 256-entry table that the compiler fills from the formulas above
// (512 bytes per law, always in L1): cheaper per sample than the arithmetic without SIMD lanes.
template <int16_t (*Decode)(uint8_t)>
constexpr std::array<int16_t, 256> decode_table() noexcept {
  std::array<int16_t, 256> table{};
  for (int code = 0; code < 256; ++code) table[static_cast<size_t>(code)] = Decode(static_cast<uint8_t>(code));
  return table;
}
constexpr std::array<int16_t, 256> kUlawDecode = decode_table<ulaw_decode1>();
constexpr std::array<int16_t, 256> kAlawDecode = decode_table<alaw_decode1>();
static_assert(kUlawDecode[0x00] == -32124 && kUlawDecode[0xFF] == 0 && kUlawDecode[0x80] == 32124);
static_assert(kAlawDecode[0xD5] == 8 && kAlawDecode[0x55] == -8 && kAlawDecode[0xAA] == 32256);

// Round half to even by adding 1.5 * 2^23: for |v| <= 2^22 the sum has an ulp of 1, so the FPU's
// round-to-nearest-even does the rounding and the low mantissa bits hold the integer.
inline int16_t float_to_s16_1(float x) noexcept {
  float v = x == x ? x : 0.0f;  // NaN -> 0
  v = v < -32768.0f ? -32768.0f : v;
  v = v > 32767.0f ? 32767.0f : v;
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23, bits 0x4B400000
  return static_cast<int16_t>(std::bit_cast<int32_t>(v + kMagic) - 0x4B400000);
}

}  // namespace

namespace scalar {

void ulaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = ulaw_encode1(in[i]);
}
void ulaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = kUlawDecode[in[i]];
}
void alaw_encode(const int16_t* in, uint8_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = alaw_encode1(in[i]);
}
void alaw_decode(const uint8_t* in, int16_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = kAlawDecode[in[i]];
}
void s16_to_float(const int16_t* in, float* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) * (1.0f / 32768.0f);
}
void float_to_s16(const float* in, int16_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = float_to_s16_1(in[i]);
}
void mix_sat(const int16_t* a, const int16_t* b, int16_t* out, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<int16_t>(std::clamp(a[i] + b[i], -32768, 32767));
}

}  // namespace scalar

constinit const Kernels kScalarKernels = {
    Target::scalar,      scalar::ulaw_encode,  scalar::ulaw_decode,  scalar::alaw_encode,
    scalar::alaw_decode, scalar::s16_to_float, scalar::float_to_s16, scalar::mix_sat,
};

}  // namespace offhook::dsp::detail
