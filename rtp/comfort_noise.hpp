// RFC 3389 comfort noise: the CN payload (noise level and optional reflection coefficients),
// an analyser that computes them from a silence frame, a generator that shapes white noise with
// the spectral envelope they describe, and the sender policy that decides, from the VAD flag,
// whether a frame goes out as audio, as a CN (SID) packet, or not at all.
//
// Thread: the media thread. Everything after construction is [rt]: noexcept, no allocation
// (fixed-size state, at most kCnMaxOrder coefficients).
//
// Conventions (RFC 3389 §3): the level byte is the noise level in -dBov, 0..127, where 0 dBov is
// a full-scale digital signal (mean square 32768^2 for 16-bit samples). Coefficient byte N
// means k = (N - 127) / 128. The all-pole model is 1/A(z) with A(z) = 1 + sum a_i z^-i, the
// a_i obtained from the k_i by the usual step-up recursion (k_i from Levinson-Durbin, §4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace offhook::rtp {

inline constexpr size_t kCnMaxOrder = 16;
inline constexpr uint8_t kCnSilentLevel = 127;  // -127 dBov: digital silence

struct CnParams {
  uint8_t level_neg_dbov = kCnSilentLevel;   // 0..127 (the noise is -level dBov)
  uint8_t order = 0;                         // coefficients used, <= kCnMaxOrder
  std::array<float, kCnMaxOrder> reflection{};  // k_1..k_order, each in (-1, 1)
};

enum class CnStatus : uint8_t {
  ok,
  truncated,  // empty payload (the level byte is mandatory)
};

// [rt] §3. Consumes the whole payload: coefficients beyond kCnMaxOrder are read and ignored (the
// receiver "may use a lower order", §3.2); `coefficients_in_packet` says how many there were.
// The reserved top bit of the level byte is ignored.
CnStatus parse_cn(std::span<const uint8_t> payload, CnParams& out,
                  size_t* coefficients_in_packet = nullptr) noexcept;
// [rt] Writes 1 + order bytes; returns that, or 0 when `out` is too small or order > kCnMaxOrder.
size_t write_cn(const CnParams& params, std::span<uint8_t> out) noexcept;
// [rt] The byte value for one reflection coefficient, and back.
uint8_t quantize_reflection(float k) noexcept;
constexpr float dequantize_reflection(uint8_t n) noexcept { return (static_cast<float>(n) - 127.0f) / 128.0f; }

// [rt] Level and `order` reflection coefficients of a silence frame (autocorrelation with a lag
// window, Levinson-Durbin). `order` is clamped to kCnMaxOrder and to the frame length - 1.
// Coefficients are quantized as on the wire, so analyse + write + parse is lossless.
CnParams analyse_comfort_noise(std::span<const int16_t> frame, uint8_t order) noexcept;

// [rt] Mean-square level of `samples` in -dBov (0..127).
uint8_t level_neg_dbov(std::span<const int16_t> samples) noexcept;

class ComfortNoiseGenerator {
 public:
  explicit ComfortNoiseGenerator(uint64_t seed = 1) noexcept : rng_(seed | 1) {}
  // [rt] New parameters from a SID packet; the filter state is kept so the noise stays smooth.
  void update(const CnParams& params) noexcept;
  // [rt] Fills `out` with noise at the current level and spectrum.
  void generate(std::span<int16_t> out) noexcept;

 private:
  float next_uniform() noexcept;  // in [-1, 1)
  uint64_t rng_;
  uint8_t order_ = 0;
  std::array<float, kCnMaxOrder> lpc_{};
  std::array<float, kCnMaxOrder> history_{};  // y[n-1], y[n-2], ...
  float excitation_gain_ = 0;
};

// Decides what each 10/20 ms frame becomes on the wire (RFC 3389 §4: CN packets are sent at the
// start of silence and then when the noise changes; the first speech packet after silence
// carries the RTP marker bit, RFC 3551 §4.1).
class ComfortNoiseSendPolicy {
 public:
  struct Config {
    uint8_t level_change_db = 3;    // resend when the level moves this much
    uint32_t refresh_ms = 5000;     // and at least this often (0: never)
  };
  enum class Action : uint8_t { send_audio, send_audio_with_marker, send_cn, send_nothing };

  explicit ComfortNoiseSendPolicy(const Config& config) noexcept : config_(config) {}
  ComfortNoiseSendPolicy() noexcept : ComfortNoiseSendPolicy(Config{}) {}
  // [rt] `voice`: the VAD decision for this frame; `level_neg_dbov`: this frame's noise level.
  Action on_frame(bool voice, uint8_t level_neg_dbov, uint64_t now_ms) noexcept;

 private:
  Config config_;
  bool in_silence_ = false;
  uint8_t sent_level_ = 0;
  uint64_t sent_at_ms_ = 0;
};

}  // namespace offhook::rtp
