#include "dsp/echo/delay_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace offhook::dsp {

namespace {
constexpr uint32_t kDecimatedRateHz = 2000;
constexpr float kPreEmphasis = 0.9F;
// Far-end frames quieter than this (about -60 dBFS) carry no delay information.
constexpr float kFarActiveRms = 32.0F;
}  // namespace

Result<std::unique_ptr<DelayEstimator>> DelayEstimator::create(const DelayEstimatorConfig& config) {
  if (config.rate_hz < 8000 || config.rate_hz > 48000 || config.rate_hz % kDecimatedRateHz != 0) {
    return Error{Errc::invalid_argument,
                 "delay estimator: rate " + std::to_string(config.rate_hz) + " Hz (8000..48000, multiple of 2000)"};
  }
  if (config.frame_ms == 0 || config.frame_ms > 40 || config.frame_ms % 2 != 0) {
    return Error{Errc::invalid_argument, "delay estimator: frame " + std::to_string(config.frame_ms) + " ms (2..40, even)"};
  }
  if (config.max_delay_ms == 0 || config.max_delay_ms > 2000) {
    return Error{Errc::invalid_argument, "delay estimator: max delay " + std::to_string(config.max_delay_ms) + " ms (1..2000)"};
  }
  if (config.memory_ms < config.frame_ms || config.min_peak_ratio < 1.0F) {
    return Error{Errc::invalid_argument, "delay estimator: memory shorter than a frame or peak ratio below 1"};
  }
  auto est = std::unique_ptr<DelayEstimator>(new DelayEstimator(config));
  est->frame_samples_ = config.rate_hz * config.frame_ms / 1000;
  est->decimation_ = config.rate_hz / kDecimatedRateHz;
  est->block_ = est->frame_samples_ / est->decimation_;
  est->lags_ = config.max_delay_ms * kDecimatedRateHz / 1000 + 1;
  est->leak_ = std::exp(-static_cast<float>(config.frame_ms) / static_cast<float>(config.memory_ms));
  est->far_active_energy_ = kFarActiveRms * kFarActiveRms;
  est->far_hist_.assign(est->lags_ + est->block_, 0.0F);
  est->mic_block_.assign(est->block_, 0.0F);
  est->corr_.assign(est->lags_, 0.0F);
  est->increment_.assign(est->lags_, 0.0F);
  return est;
}

DelayEstimator::DelayEstimator(const DelayEstimatorConfig& config) noexcept : config_(config) {}

void DelayEstimator::reset() noexcept {
  std::fill(far_hist_.begin(), far_hist_.end(), 0.0F);
  std::fill(corr_.begin(), corr_.end(), 0.0F);
  increment_valid_ = false;
  far_prev_ = mic_prev_ = 0.0F;
  candidate_lag_ = -1;
  candidate_frames_ = stable_frames_ = 0;
  delay_samples_ = -1;
  peak_ratio_ = 0.0F;
}

// [rt]
bool DelayEstimator::process(std::span<const int16_t> far, std::span<const int16_t> mic, bool learn) noexcept {
  if (far.size() != frame_samples_ || mic.size() != frame_samples_) return false;
  // Shift the far history by one block (newest first) and decimate this frame into its front.
  std::copy_backward(far_hist_.begin(), far_hist_.end() - block_, far_hist_.end());
  float far_energy = 0.0F;
  for (uint32_t k = 0; k < block_; ++k) {
    float f = 0.0F;
    float m = 0.0F;
    for (uint32_t j = 0; j < decimation_; ++j) {
      const float fv = far[k * decimation_ + j];
      f += fv;
      far_energy += fv * fv;
      m += mic[k * decimation_ + j];
    }
    const float fw = f - kPreEmphasis * far_prev_;
    const float mw = m - kPreEmphasis * mic_prev_;
    far_prev_ = f;
    mic_prev_ = m;
    far_hist_[block_ - 1 - k] = fw;  // newest (k = block_-1) lands at index 0
    mic_block_[k] = mw;
  }
  far_energy /= static_cast<float>(frame_samples_);
  increment_valid_ = far_energy >= far_active_energy_;
  if (!increment_valid_) return false;  // no far-end: R neither learns nor forgets

  // increment[lag] = sum_k mic[k]*far[k - lag]; mic sample k is (block_-1-k) decimated samples
  // old, so far[k - lag] is far_hist_[(block_-1-k) + lag]. Inner loop runs over lags (vectorises).
  // Computed even when this estimator does not learn: a follower may (follow()).
  // Four mic samples per pass over the lags, so the increment is loaded and stored once per four.
  const uint32_t lags = lags_;
  float* __restrict inc = increment_.data();
  const float* hist = far_hist_.data();
  std::fill(increment_.begin(), increment_.end(), 0.0F);
  uint32_t k = 0;
  for (; k + 4 <= block_; k += 4) {
    const float m0 = mic_block_[k];
    const float m1 = mic_block_[k + 1];
    const float m2 = mic_block_[k + 2];
    const float m3 = mic_block_[k + 3];
    const float* __restrict f0 = hist + (block_ - 1 - k);
    const float* __restrict f1 = f0 - 1;
    const float* __restrict f2 = f0 - 2;
    const float* __restrict f3 = f0 - 3;
    for (uint32_t l = 0; l < lags; ++l) inc[l] += (m0 * f0[l] + m1 * f1[l]) + (m2 * f2[l] + m3 * f3[l]);
  }
  for (; k < block_; ++k) {
    const float m = mic_block_[k];
    const float* __restrict f = hist + (block_ - 1 - k);
    for (uint32_t l = 0; l < lags; ++l) inc[l] += m * f[l];
  }
  if (!learn) return false;
  return update(inc);
}

// [rt]
bool DelayEstimator::follow(const DelayEstimator& leader, bool learn) noexcept {
  if (leader.lags_ != lags_ || leader.decimation_ != decimation_ || leader.block_ != block_) return false;
  if (!leader.increment_valid_ || !learn) return false;
  return update(leader.increment_.data());
}

// [rt] R[lag] = leak*R[lag] + increment[lag], then the peak and the stability rules.
bool DelayEstimator::update(const float* increment) noexcept {
  const uint32_t lags = lags_;
  float* corr = corr_.data();
  for (uint32_t l = 0; l < lags; ++l) corr[l] = leak_ * corr[l] + increment[l];

  uint32_t best = 0;
  float best_abs = 0.0F;
  float sum_abs = 0.0F;
  for (uint32_t l = 0; l < lags; ++l) {
    const float a = std::fabs(corr[l]);
    sum_abs += a;
    if (a > best_abs) {
      best_abs = a;
      best = l;
    }
  }
  const float mean_abs = sum_abs / static_cast<float>(lags);
  peak_ratio_ = mean_abs > 0.0F ? best_abs / mean_abs : 0.0F;
  const int32_t lag = static_cast<int32_t>(best);
  if (candidate_lag_ >= 0 && std::abs(lag - candidate_lag_) <= 1) {
    ++candidate_frames_;
  } else {
    candidate_lag_ = lag;
    candidate_frames_ = 1;
  }
  const uint32_t needed = std::max<uint32_t>(1, config_.stable_ms / config_.frame_ms);
  if (peak_ratio_ < config_.min_peak_ratio || candidate_frames_ < needed) return false;
  const int32_t samples = lag * static_cast<int32_t>(decimation_);
  if (samples == delay_samples_) return false;
  // Moving by one lag (drift, or the peak straddling two lags) is not a new estimate unless the
  // candidate has kept to its lag for twice as long.
  if (delay_samples_ >= 0 && std::abs(samples - delay_samples_) <= static_cast<int32_t>(decimation_) &&
      candidate_frames_ < 2 * needed) {
    return false;
  }
  delay_samples_ = samples;
  return true;
}

}  // namespace offhook::dsp
