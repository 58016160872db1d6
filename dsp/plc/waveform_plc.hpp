// WaveformPlc: packet-loss concealment for codecs without their own (G.711, G.722), by pitch-based
// waveform substitution in the manner of ITU-T G.711 Appendix I: on the first lost frame the pitch
// period is found by normalised cross-correlation over the recent history, and the last period is
// repeated; after kFullLevelMs the substitute fades linearly into comfort noise (at the level of
// the quietest recent frame) over kFadeMs; when packets return, the first kMergeMs of the good frame
// are cross-faded from the continued substitute, so neither edge of a loss clicks.
//
// One instance per mono stream (interleaved stereo: one per channel). create() runs off the media
// thread; observe_good() and conceal() are [rt]: noexcept, no allocation (fixed arrays sized for the
// highest rate), bounded work.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.hpp"

namespace offhook::dsp {

class WaveformPlc {
 public:
  static constexpr uint32_t kMaxRateHz = 48000;
  static constexpr uint32_t kFullLevelMs = 10;     // substitute at full level (G.711 App. I: 10 ms)
  static constexpr uint32_t kFadeMs = 50;          // then to comfort noise, reached at 60 ms
  static constexpr uint32_t kMergeMs = 4;          // cross-fade when packets return
  static constexpr uint32_t kMinPitchUs = 2500;    // 400 Hz
  static constexpr uint32_t kMaxPitchUs = 15000;   // 66.7 Hz
  static constexpr uint32_t kCorrelationMs = 10;   // window matched against the history
  static constexpr uint32_t kHistoryMs = 30;       // >= max pitch + window + 5 ms

  // `sample_rate_hz` must be a multiple of 8000 up to kMaxRateHz (8, 16, 24, 32, 40, 48 kHz);
  // Errc::invalid_argument otherwise.
  static Result<WaveformPlc> create(uint32_t sample_rate_hz);

  // [rt] Records a decoded frame. After a loss, cross-fades its first kMergeMs from the concealment
  // into the decoded signal, in place.
  void observe_good(std::span<int16_t> pcm) noexcept;
  // [rt] Fills `pcm` (any length) with concealment.
  void conceal(std::span<int16_t> pcm) noexcept;

  uint32_t sample_rate_hz() const noexcept { return rate_hz_; }
  // The pitch period chosen at the start of the current (or last) loss, in samples; 0 before any.
  size_t pitch_samples() const noexcept { return pitch_; }
  // The comfort-noise RMS a long loss fades into (uniform noise, peak sqrt(3) times this).
  float comfort_noise_rms() const noexcept { return noise_rms_; }
  // Samples concealed since the last good frame.
  size_t lost_samples() const noexcept { return lost_; }

 private:
  explicit WaveformPlc(uint32_t sample_rate_hz) noexcept;
  static constexpr size_t kHistoryMax = kMaxRateHz / 1000 * kHistoryMs;

  void push_history(const int16_t* x, size_t n) noexcept;
  void start_loss() noexcept;
  float next_substitute() noexcept;  // the next sample of the repeated period (full level)
  float next_noise() noexcept;       // white noise at the comfort-noise level
  float gain_at(size_t lost) const noexcept;  // substitute gain after `lost` concealed samples

  uint32_t rate_hz_;
  size_t history_len_;  // samples of history kept at this rate
  std::array<int16_t, kHistoryMax> history_{};  // [0, history_fill_): oldest first
  size_t history_fill_ = 0;
  std::array<float, kMaxRateHz / 1000 * kMaxPitchUs / 1000> period_{};  // the repeated pitch period
  size_t pitch_ = 0;
  size_t period_pos_ = 0;
  size_t lost_ = 0;           // samples concealed in the current loss; 0 when not in a loss
  float noise_rms_ = 0.0f;    // comfort-noise level: the quietest recent frame, tracked slowly
  uint32_t noise_seed_ = 22222;
};

}  // namespace offhook::dsp
