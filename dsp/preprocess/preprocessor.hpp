// Preprocessor: noise suppression, automatic gain control and voice-activity detection for one
// mono capture stream, in 10 ms frames at 8, 16, 32 or 48 kHz. It wraps speexdsp's preprocessor
// (speex_preprocess_run; no speexdsp header here). Dereverberation stays off.
//
// Every feature can be switched and tuned per call at run time. With all three features off,
// process() does not touch the samples (bit-transparent) and speexdsp is not run; switching a
// feature back on resumes speexdsp from the state it had (its noise and level estimates adapt
// again within about a second).
//
// Residual-echo suppression (speexdsp's echo-state link) is not exposed here: dsp::EchoCanceller
// already runs its own speex preprocessor driven by its echo state, so a capture chain is
// EchoCanceller (echo + residual echo) then, if wanted, this class for AGC and VAD.
//
// Threads: create() runs off the media thread and allocates everything. process() and every
// setter are [rt]: noexcept, no allocation, no lock (speex_preprocess_ctl only stores
// parameters; PreprocessorRtTest counts allocations and locks with tests/support/rt_probe).
// One instance belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/result.hpp"

struct SpeexPreprocessState_;

namespace offhook::dsp {

struct PreprocessorConfig {
  uint32_t rate_hz = 16000;        // 8000, 16000, 32000 or 48000
  bool noise_suppression = true;
  int noise_suppress_db = -15;     // maximum noise attenuation (speexdsp's default), -1..-60 dB
  bool agc = false;
  // Target active-speech RMS level of the AGC, dBFS. speexdsp's target is a spectrally weighted
  // loudness whose scale grows with the frame size; it is mapped to dBFS with an offset measured
  // on espeak-ng voices at 8..48 kHz (docs/preprocess.md). Gain changes at most 12 dB/s up.
  float agc_target_dbfs = -18.0F;
  int agc_max_gain_db = 30;        // speexdsp's default
  // VAD: hysteresis on speexdsp's per-frame speech probability (SPEEX_PREPROCESS_GET_PROB, %):
  // a frame is voice when the probability reaches vad_prob_start, or reaches vad_prob_continue
  // while the previous frame was voice. speexdsp's own VAD flag is not used (its ctl prints a
  // warning to stderr and its 35/20 % defaults flag noise as speech); these defaults come from
  // measurements on speech in white and pink noise (docs/preprocess.md).
  bool vad = false;
  int vad_prob_start = 90;
  int vad_prob_continue = 65;
};

struct PreprocessResult {
  bool voice = true;  // VAD decision for this frame; always true while the VAD is off
};

class Preprocessor {
 public:
  using Config = PreprocessorConfig;
  static constexpr uint32_t kFrameMs = 10;

  static Result<std::unique_ptr<Preprocessor>> create(const Config& config);
  ~Preprocessor();
  Preprocessor(const Preprocessor&) = delete;
  Preprocessor& operator=(const Preprocessor&) = delete;

  // [rt] Processes one 10 ms frame in place. A frame of the wrong size is left untouched and
  // reported as voice.
  PreprocessResult process(std::span<int16_t> frame) noexcept;

  // [rt] Run-time switches. Out-of-range values are clamped to the ranges of PreprocessorConfig.
  void set_noise_suppression(bool on) noexcept;
  void set_noise_suppress_db(int db) noexcept;
  void set_agc(bool on) noexcept;
  void set_agc_target_dbfs(float dbfs) noexcept;
  void set_vad(bool on) noexcept;
  void set_vad_probabilities(int start_percent, int continue_percent) noexcept;

  size_t frame_samples() const noexcept { return frame_samples_; }
  const Config& config() const noexcept { return config_; }

 private:
  explicit Preprocessor(const Config& config) noexcept : config_(config) {}
  void apply_all() noexcept;
  bool any_on() const noexcept { return config_.noise_suppression || config_.agc || config_.vad; }

  Config config_;
  size_t frame_samples_ = 0;
  bool was_voice_ = false;  // VAD hysteresis state
  SpeexPreprocessState_* state_ = nullptr;
};

}  // namespace offhook::dsp
