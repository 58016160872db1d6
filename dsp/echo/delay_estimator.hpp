// DelayEstimator: finds the echo-path bulk delay between the far-end (loudspeaker) signal and the
// mic signal, with no hint. Both signals are decimated to ~2 kHz (block sums, then first-order
// pre-emphasis to whiten speech a little) and a matched filter keeps a leaky cross-correlation
// R[lag] = a*R[lag] + sum_k mic_d[k]*far_d[k-lag] for every lag 0..max_delay. The lag of the
// largest |R| becomes the estimate once it is clearly above the rest of R (peak over mean |R|)
// and has stayed put for a while; frames without far-end signal do not update (or forget) R.
//
// create() runs off the media thread (allocates the tables); process() is [rt]: noexcept, no
// allocation, no locks. One instance per echo canceller; used by EchoCanceller on the media thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace offhook::dsp {

struct DelayEstimatorConfig {
  uint32_t rate_hz = 16000;        // 8000..48000, a multiple of 2000
  uint32_t frame_ms = 10;          // samples per process() call = rate_hz * frame_ms / 1000
  uint32_t max_delay_ms = 400;     // largest delay searched
  uint32_t memory_ms = 400;        // time constant of the leaky correlation (far-active time)
  uint32_t stable_ms = 200;        // the peak must stay within one lag this long to be adopted
  float min_peak_ratio = 6.0F;     // peak |R| over mean |R| needed for a confident estimate
};

class DelayEstimator {
 public:
  static Result<std::unique_ptr<DelayEstimator>> create(const DelayEstimatorConfig& config);

  // [rt] One frame of far-end and mic samples (both frame-sized, same instant). Returns true when
  // the adopted estimate changed during this call. `learn` = false (the caller detected near-end
  // speech) keeps the far history going but leaves the correlation and the estimate alone.
  bool process(std::span<const int16_t> far, std::span<const int16_t> mic, bool learn = true) noexcept;

  // [rt] The same frame for a second estimator on the same signals (same rate, frame and max
  // delay; its own memory, stability and peak ratio): it reuses the decimation and the
  // correlation increment `leader` computed in its process() call for this frame, which is most
  // of the work. Call right after leader.process(); `learn` as for process(). Returns false and
  // does nothing if the leader's geometry differs.
  bool follow(const DelayEstimator& leader, bool learn = true) noexcept;

  // Adopted delay in samples at rate_hz (mic lags far by this much); -1 until the first estimate.
  int32_t delay_samples() const noexcept { return delay_samples_; }
  // Peak over mean |R| of the last update (confidence of the current candidate), 0 before any.
  float peak_ratio() const noexcept { return peak_ratio_; }
  // Resolution of the estimate in samples (the decimation factor).
  uint32_t resolution_samples() const noexcept { return decimation_; }
  // [rt] Forgets the correlation and the estimate (a new stream).
  void reset() noexcept;

 private:
  explicit DelayEstimator(const DelayEstimatorConfig& config) noexcept;
  // Leaks R, adds this frame's increment and updates the candidate and the estimate.
  bool update(const float* increment) noexcept;

  DelayEstimatorConfig config_;
  uint32_t frame_samples_ = 0;
  uint32_t decimation_ = 0;       // input samples per decimated sample
  uint32_t block_ = 0;            // decimated samples per frame
  uint32_t lags_ = 0;             // number of lags (0..lags_-1)
  float leak_ = 0.0F;             // per-frame leak factor of R
  float far_active_energy_ = 0.0F;  // mean square (per input sample) above which far is "active"
  std::vector<float> far_hist_;   // decimated far, newest first: far_hist_[i] is i samples old
  std::vector<float> mic_block_;  // this frame's decimated mic, oldest first
  std::vector<float> corr_;       // R[lag]
  std::vector<float> increment_;  // this frame's sum_k mic[k]*far[k - lag] (valid if increment_valid_)
  bool increment_valid_ = false;  // the far end was active in the last process() call
  float far_prev_ = 0.0F;         // pre-emphasis state (previous decimated far / mic sample)
  float mic_prev_ = 0.0F;
  int32_t candidate_lag_ = -1;
  uint32_t candidate_frames_ = 0;
  uint32_t stable_frames_ = 0;
  int32_t delay_samples_ = -1;
  float peak_ratio_ = 0.0F;
};

}  // namespace offhook::dsp
