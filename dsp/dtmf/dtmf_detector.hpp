// DtmfDetector: in-band DTMF receiver after ITU-T Q.24 (and Q.23 frequencies), by Goertzel filters.
//
// The signal is cut into blocks of kBlockSamples (12.75 ms at 8 kHz). Goertzel filters at the 8
// DTMF frequencies, each run over the two halves of the block, give complex DFT values: combined they
// are the whole-block filter output, and their phase difference estimates the tone's real frequency
// (used by the fit below). A block holds a key when the strongest row and column tones pass all of:
//   level       each tone >= min_level_dbm0
//   group       the other three filters of each group at least min_group_margin_db weaker
//   frequency   two more Goertzel filters per chosen tone, at f * (1 -+ 2 * max_freq_deviation),
//               must both be weaker than the nominal one: the tone lies within +-max_freq_deviation
//               (Q.24: accept 1.5 %, reject 3.5 %; the default 2.5 % splits the difference)
//   fit         a least-squares fit of the two sinusoids (at the estimated frequencies) to the
//               block gives their amplitudes, free of scalloping and of leakage between the filters
//   twist       high - low <= max_forward_twist_db, low - high <= max_reverse_twist_db
//   energy      the two fitted tones hold >= min_tone_energy_fraction of the block's energy. Speech,
//               harmonics (the second harmonic included), noise, and blocks only partly covered
//               by a tone (its start or end) fail this: it is both the talk-off guard and what
//               rejects tones shorter than about 24 ms.
// Debouncing: key-down after 2 consecutive blocks with the same key (>= 38.25 ms of tone always
// spans two whole blocks; with the energy check, <= 24 ms is always rejected), key-up after 2
// consecutive blocks without it (a 40 ms pause always separates two keys). Measured limits are in
// docs/tones.md.
//
// Input is 8 kHz, or 16 kHz which is low-pass filtered and decimated by 2 internally; other rates
// are the caller's to resample. Timestamps count input samples since create() or reset().
//
// Threads: create() off the media thread; process(), pop() and reset() are [rt] (noexcept, no
// allocation: the event queue is a fixed ring), one thread per instance.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.hpp"

namespace offhook::dsp {

struct DtmfDetectorConfig {
  uint32_t rate_hz = 8000;               // 8000 or 16000
  float min_level_dbm0 = -30.0f;         // per tone; Q.24 asks for -25..0 dBm0 to be accepted
  float max_freq_deviation = 0.025f;     // fraction of the nominal frequency
  float max_forward_twist_db = 5.0f;     // high group stronger (Q.24 style: 4 dB accepted)
  float max_reverse_twist_db = 9.0f;     // low group stronger (8 dB accepted)
  float min_group_margin_db = 8.0f;
  float min_tone_energy_fraction = 0.9f;
};

struct DtmfEvent {
  enum class Type : uint8_t { key_down, key_up };
  Type type = Type::key_down;
  char key = '\0';             // 0-9 * # A B C D
  uint64_t time_samples = 0;   // input samples since create()/reset() where the tone was seen to
                               // begin (key_down) or end (key_up); block resolution
  uint32_t duration_ms = 0;    // key_up only: detected tone length
};

class DtmfDetector {
 public:
  static constexpr size_t kBlockSamples = 102;  // at 8 kHz
  static constexpr size_t kEventQueueSize = 64;

  static Result<DtmfDetector> create(const DtmfDetectorConfig& config = {});

  // [rt] Feeds samples (any count).
  void process(std::span<const int16_t> pcm) noexcept;
  // [rt] Takes the oldest event; false if none.
  bool pop(DtmfEvent& event) noexcept;
  // [rt] Forgets all state and events; timestamps restart at 0.
  void reset() noexcept;

  // The key currently held down, or '\0'.
  char current_key() const noexcept { return current_; }
  // Events lost because the queue was full (the caller did not pop()).
  uint64_t dropped_events() const noexcept { return dropped_; }
  // Blocks analysed so far (for tests and statistics).
  uint64_t blocks() const noexcept { return blocks_; }

 private:
  explicit DtmfDetector(const DtmfDetectorConfig& config) noexcept;
  void push_sample(float x) noexcept;   // one 8 kHz sample
  char analyse_block() noexcept;        // the key this block holds, or '\0'
  void debounce(char key) noexcept;
  // |X|^2 of the whole block for four filters (2 cos w each)
  void goertzel_power4(const float (&coef)[4], float (&power)[4]) const noexcept;
  // Least-squares fit of two sinusoids (rad/sample) to the block; false if singular.
  bool fit_two_tones(double w1, double w2, double (&amplitude)[2], double& fitted_energy) const noexcept;
  void emit(DtmfEvent::Type type, char key, uint64_t time_8k, uint32_t duration_ms) noexcept;

  static constexpr size_t kDecimTaps = 31;

  DtmfDetectorConfig config_;
  // Derived thresholds.
  float min_amplitude_ = 0.0f;
  float forward_twist_ = 0.0f;   // power ratios
  float reverse_twist_ = 0.0f;
  float group_margin_ = 0.0f;
  std::array<float, 8> coef_{};      // 2 cos(w) per frequency
  std::array<float, 8> half_re_{};   // e^{-j w N/2}: moves the second half's origin to 0
  std::array<float, 8> half_im_{};
  std::array<float, 8> w_{};         // rad/sample
  float probe_coef_[8][2]{};         // 2 cos(w (1 -+ 2 max_freq_deviation))
  std::array<float, 8> step_re_{};   // e^{-j w}
  std::array<float, 8> step_im_{};

  std::array<float, kBlockSamples> block_{};
  size_t fill_ = 0;
  uint64_t block_start_8k_ = 0;  // 8 kHz sample index of block_[0]

  // 16 kHz input: 31-tap windowed-sinc low-pass (3.6 kHz) and decimation by 2.
  std::array<float, kDecimTaps> decim_coef_{};
  std::array<float, kDecimTaps> decim_hist_{};
  size_t decim_pos_ = 0;
  bool decim_phase_ = false;

  char last_block_key_ = '\0';
  char current_ = '\0';
  int misses_ = 0;
  uint64_t down_time_8k_ = 0;

  std::array<DtmfEvent, kEventQueueSize> events_{};
  size_t ev_head_ = 0;
  size_t ev_count_ = 0;
  uint64_t dropped_ = 0;
  uint64_t blocks_ = 0;
};

}  // namespace offhook::dsp
