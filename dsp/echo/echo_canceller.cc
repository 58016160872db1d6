#include "dsp/echo/echo_canceller.hpp"

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace offhook::dsp {

namespace {
constexpr double kFarActiveMeanSquare = 32.0 * 32.0;  // about -60 dBFS
constexpr double kErleSmoothing = 0.05;               // per far-active frame
constexpr uint32_t kDivergenceFrames = 5;             // consecutive frames of output > 2x mic power
constexpr double kNearOverEcho = 4.0;                 // mic 6 dB above the expected echo: near end
constexpr double kInitialEchoGain = 0.25;             // -6 dB: the classic Geigel assumption
constexpr double kGainRise = 1.05;                    // echo-gain tracker, per far-active frame
constexpr double kGainDecay = 0.995;
constexpr double kGainCreep = 1.002;
constexpr double kResidualRise = 1.01;
constexpr double kResidualFall = 0.99;
constexpr double kNearOverResidual = 8.0;             // filter output 9 dB above the residual
constexpr double kNlpCloseRate = 0.25;                // closes over ~4 frames, opens in one
constexpr double kNlpOverSubtraction = 1.0;          // residual estimate safety factor (none)
constexpr uint32_t kFastMemoryMs = 200;
constexpr uint32_t kFastStableMs = 150;
constexpr float kFastPeakRatio = 8.0F;
constexpr uint32_t kNearHangoverFrames = 10;          // near-end state lasts 100 ms after the last hit

double mean_square(std::span<const int16_t> x) noexcept {
  double e = 0.0;
  for (int16_t v : x) e += static_cast<double>(v) * v;
  return x.empty() ? 0.0 : e / static_cast<double>(x.size());
}
}  // namespace

Result<std::unique_ptr<EchoCanceller>> EchoCanceller::create(const Config& config) {
  if (config.rate_hz < 8000 || config.rate_hz > 48000 || config.rate_hz % 2000 != 0) {
    return Error{Errc::invalid_argument, "echo canceller: rate " + std::to_string(config.rate_hz) + " Hz"};
  }
  if (config.frame_ms == 0 || config.frame_ms > 40 || config.frame_ms % 2 != 0) {
    return Error{Errc::invalid_argument, "echo canceller: frame " + std::to_string(config.frame_ms) + " ms (2..40, even)"};
  }
  if (config.tail_ms < config.frame_ms || config.tail_ms > 1000) {
    return Error{Errc::invalid_argument, "echo canceller: tail " + std::to_string(config.tail_ms) + " ms"};
  }
  if (config.max_delay_ms > 2000 || config.lead_ms >= config.tail_ms) {
    return Error{Errc::invalid_argument, "echo canceller: max delay over 2000 ms or lead not below the tail"};
  }
  auto ec = std::unique_ptr<EchoCanceller>(new EchoCanceller(config));
  const uint32_t per_ms = config.rate_hz / 1000;
  ec->frame_samples_ = config.rate_hz * config.frame_ms / 1000;
  ec->lead_samples_ = static_cast<int32_t>(config.lead_ms * per_ms);
  ec->tail_samples_ = static_cast<int32_t>(config.tail_ms * per_ms);
  // The far-end peak is held for about the largest delay searched, so the echo it causes is covered.
  ec->far_release_ = std::exp(-static_cast<double>(config.frame_ms) / std::max<double>(50.0, config.max_delay_ms));
  ec->nlp_floor_ = std::pow(10.0, -std::fabs(config.nlp_attenuation_db) / 20.0);
  ec->hold_frames_ = std::max<uint32_t>(1, config.realign_hold_ms / config.frame_ms);
  const int frame = static_cast<int>(ec->frame_samples_);
  ec->echo_ = speex_echo_state_init(frame, ec->tail_samples_);
  if (ec->echo_ == nullptr) return Error{Errc::internal, "echo canceller: speex_echo_state_init failed"};
  int rate = static_cast<int>(config.rate_hz);
  speex_echo_ctl(ec->echo_, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
  if (config.residual_suppression) {
    ec->pre_ = speex_preprocess_state_init(frame, rate);
    if (ec->pre_ == nullptr) return Error{Errc::internal, "echo canceller: speex_preprocess_state_init failed"};
    int on = 1;
    int noise = config.noise_suppress_db;
    int echo = config.echo_suppress_db;
    int echo_active = config.echo_suppress_active_db;
    speex_preprocess_ctl(ec->pre_, SPEEX_PREPROCESS_SET_DENOISE, &on);
    speex_preprocess_ctl(ec->pre_, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &noise);
    speex_preprocess_ctl(ec->pre_, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, &echo);
    speex_preprocess_ctl(ec->pre_, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, &echo_active);
    speex_preprocess_ctl(ec->pre_, SPEEX_PREPROCESS_SET_ECHO_STATE, ec->echo_);
  }
  if (config.estimate_delay) {
    DelayEstimatorConfig dc;
    dc.rate_hz = config.rate_hz;
    dc.frame_ms = config.frame_ms;
    dc.max_delay_ms = config.max_delay_ms;
    auto est = DelayEstimator::create(dc);
    if (!est) return est.error();
    ec->estimator_ = std::move(*est);
    // The fast estimator keeps learning through what the double-talk detector calls near-end
    // speech (a louder new echo path looks like it); it must hold a sharper peak for longer.
    dc.memory_ms = kFastMemoryMs;
    dc.stable_ms = kFastStableMs;
    dc.min_peak_ratio = kFastPeakRatio;
    auto fast = DelayEstimator::create(dc);
    if (!fast) return fast.error();
    ec->fast_estimator_ = std::move(*fast);
  }
  ec->far_ring_.assign(static_cast<size_t>(config.max_delay_ms * per_ms) + 2 * ec->frame_samples_, 0);
  ec->far_aligned_.assign(ec->frame_samples_, 0);
  ec->mic_copy_.assign(ec->frame_samples_, 0);
  ec->linear_out_.assign(ec->frame_samples_, 0);
  return ec;
}

EchoCanceller::EchoCanceller(const Config& config) noexcept : config_(config) {}

EchoCanceller::~EchoCanceller() {
  if (pre_ != nullptr) speex_preprocess_state_destroy(pre_);
  if (echo_ != nullptr) speex_echo_state_destroy(echo_);
}

void EchoCanceller::reset() noexcept {
  speex_echo_state_reset(echo_);
  if (estimator_) estimator_->reset();
  if (fast_estimator_) fast_estimator_->reset();
  std::fill(far_ring_.begin(), far_ring_.end(), int16_t{0});
  write_pos_ = 0;
  mic_power_ = out_power_ = 0.0;
  loud_frames_ = 0;
  linear_erle_db_ = 0.0;
  outside_frames_ = 0;
  alignment_decided_ = false;
  far_envelope_ = 0.0;
  echo_gain_ = kInitialEchoGain;
  residual_gain_ = 1.0;
  near_hangover_ = 0;
  mic_hangover_ = 0;
  nlp_gain_ = 1.0;
  stats_ = EchoCancellerStats{};
}

void EchoCanceller::realign(int32_t delay_samples) noexcept {
  const int32_t target = std::max<int32_t>(0, delay_samples - lead_samples_);
  alignment_decided_ = true;
  if (target == stats_.aligned_delay_samples) return;
  stats_.aligned_delay_samples = target;
  ++stats_.realignments;
  speex_echo_state_reset(echo_);
  linear_erle_db_ = 0.0;
  echo_gain_ = kInitialEchoGain;  // the new path's gains are learnt again
  residual_gain_ = 1.0;
}

// [rt]
void EchoCanceller::process(std::span<const int16_t> far, std::span<const int16_t> mic,
                            std::span<int16_t> out) noexcept {
  if (out.size() != frame_samples_) return;
  if (far.size() != frame_samples_ || mic.size() != frame_samples_) {
    if (mic.size() == out.size() && mic.data() != out.data()) std::copy(mic.begin(), mic.end(), out.begin());
    return;
  }
  ++stats_.frames;
  std::copy(mic.begin(), mic.end(), mic_copy_.begin());

  // Far-end delay line.
  const size_t ring = far_ring_.size();
  for (size_t i = 0; i < frame_samples_; ++i) {
    far_ring_[write_pos_] = far[i];
    write_pos_ = write_pos_ + 1 == ring ? 0 : write_pos_ + 1;
  }

  // Double-talk detector (Geigel-like, on powers): the echo cannot be louder than the learnt
  // echo-path gain times the recent far-end peak; a mic well above that is near-end speech.
  const double far_now = mean_square(far);
  const double mic_now = mean_square(mic_copy_);
  far_envelope_ = std::max(far_now, far_envelope_ * far_release_);
  bool near_active = false;
  if (far_envelope_ > kFarActiveMeanSquare) {
    const double ratio = mic_now / far_envelope_;
    near_active = ratio > kNearOverEcho * echo_gain_;
    // Upper-envelope tracker of the echo-to-far ratio: rises quickly on plausible echo, decays
    // slowly, and creeps up slowly during detected near-end speech so that a path that became
    // much louder is learnt in a few seconds instead of being taken for a talker forever.
    if (near_active) {
      echo_gain_ *= kGainCreep;
    } else if (ratio > echo_gain_) {
      echo_gain_ *= kGainRise;
    } else {
      echo_gain_ *= kGainDecay;
    }
  } else {
    near_active = mic_now > kFarActiveMeanSquare;
  }
  if (near_active) {
    near_hangover_ = kNearHangoverFrames;
    mic_hangover_ = kNearHangoverFrames;
  } else {
    if (near_hangover_ > 0) --near_hangover_;
    if (mic_hangover_ > 0) --mic_hangover_;
  }
  const bool double_talk = mic_hangover_ > 0;  // the mic-level test only: gates delay learning
  if (double_talk) ++stats_.near_active_frames;

  if (estimator_) {
    estimator_->process(far, mic_copy_, !double_talk);
    fast_estimator_->follow(*estimator_, true);  // shares the main one's correlation work
    int32_t est = estimator_->delay_samples();
    // The main estimator stays frozen through "double talk" that is really a changed (louder)
    // path: while the filter cancels poorly, a fast estimate that disagrees wins.
    const int32_t fast = fast_estimator_->delay_samples();
    stats_.fast_delay_samples = fast;
    stats_.fast_confidence = fast_estimator_->peak_ratio();
    if (fast >= 0 && linear_erle_db_ < config_.poor_erle_db && (est < 0 || std::abs(fast - est) > lead_samples_)) {
      est = fast;
    }
    stats_.delay_confidence = estimator_->peak_ratio();
    if (est >= 0) {
      stats_.estimated_delay_samples = est;
      stats_.estimated_delay_ms = 1000.0 * est / config_.rate_hz;
      // Realign only when the echo's start leaves the front of the filter window: slow drift
      // stays inside it and is followed by the taps.
      // A realignment resets the filter, so a converged filter is never thrown away for a
      // passing estimate (double talk, a strong reflection): the estimate must stay outside the
      // window for realign_hold_ms while the filter cancels poorly. The first one is immediate.
      const int32_t lead = est - stats_.aligned_delay_samples;
      const int32_t max_lead = std::max(2 * lead_samples_, tail_samples_ / 4);
      const bool outside = lead < lead_samples_ / 2 || lead > max_lead;
      if (!outside) alignment_decided_ = true;
      if (!outside) {
        outside_frames_ = 0;
      } else if (!alignment_decided_) {
        realign(est);
      } else if (!double_talk && far_now > kFarActiveMeanSquare && ++outside_frames_ >= hold_frames_ &&
                 linear_erle_db_ < config_.poor_erle_db) {
        realign(est);
        outside_frames_ = 0;
      }
    }
  }

  // far_aligned_[i] = far sample (aligned_delay) samples before mic sample i of this frame.
  const size_t delay = static_cast<size_t>(stats_.aligned_delay_samples);
  size_t read = (write_pos_ + ring - frame_samples_ - delay % ring) % ring;
  for (size_t i = 0; i < frame_samples_; ++i) {
    far_aligned_[i] = far_ring_[read];
    read = read + 1 == ring ? 0 : read + 1;
  }

  speex_echo_cancellation(echo_, mic_copy_.data(), far_aligned_.data(), linear_out_.data());

  const double mic_ms = mean_square(mic_copy_);
  const double lin_ms = mean_square(linear_out_);
  const bool far_active = mean_square(far_aligned_) > kFarActiveMeanSquare;
  // Divergence: the filter adds energy instead of removing it, frame after frame.
  if (far_active && mic_ms > kFarActiveMeanSquare && lin_ms > 2.0 * mic_ms) {
    if (++loud_frames_ >= kDivergenceFrames) {
      // Output louder than the mic is what a changed echo path does to a converged filter
      // (near-end speech adds to both): start again, and re-learn the detector's levels so that
      // the new echo is not taken for a talker and passed on.
      speex_echo_state_reset(echo_);
      echo_gain_ = kInitialEchoGain;
      residual_gain_ = 1.0;
      near_hangover_ = 0;
      mic_hangover_ = 0;
      ++stats_.divergences;
      loud_frames_ = 0;
    }
  } else {
    loud_frames_ = 0;
  }
  if (loud_frames_ > 0) {
    // Never hand on an output louder than the mic while diverging.
    std::copy(mic_copy_.begin(), mic_copy_.end(), linear_out_.begin());
  }


  // Second double-talk test, on the filter output: the filter removes the echo but not the
  // talker, so near-end speech stands out above the learnt residual-to-far ratio even when the
  // echo is as loud as the talker at the mic. The residual tracker follows the same rules as
  // the echo-gain one but falls faster (the filter converging).
  if (far_envelope_ > kFarActiveMeanSquare) {
    const double ratio = lin_ms / far_envelope_;
    const bool near_in_output = ratio > kNearOverResidual * residual_gain_ && lin_ms > kFarActiveMeanSquare;
    if (near_in_output) {
      residual_gain_ *= kGainCreep;
      if (!double_talk) ++stats_.near_active_frames;
      near_hangover_ = kNearHangoverFrames;
    } else if (ratio > residual_gain_) {
      residual_gain_ *= kResidualRise;
    } else {
      residual_gain_ *= kResidualFall;
    }
    residual_gain_ = std::min(residual_gain_, 1.0);
  }
  const bool near_end = near_hangover_ > 0;

  if (pre_ != nullptr) speex_preprocess_run(pre_, linear_out_.data());

  // Non-linear processor: far-end single talk (no near end detected) leaves only residual echo
  // and noise in the output, attenuated by nlp_attenuation_db; near-end speech opens it at once.
  // The gain ramps across the frame so there are no steps.
  // Below the detector's threshold the gain is not all-or-nothing: a frame whose filter output
  // stands above the expected residual echo keeps the part above it (a Wiener-like frame gain),
  // so a talker the detector misses under loud echo is attenuated, not muted.
  double target = 1.0;
  if (config_.nlp && far_envelope_ > kFarActiveMeanSquare && !near_end) {
    const double residual = residual_gain_ * far_envelope_;
    target = std::max(nlp_floor_, 1.0 - kNlpOverSubtraction * residual / (lin_ms + 1.0));
  }
  const double next = target < nlp_gain_ ? std::max(target, nlp_gain_ - kNlpCloseRate * (1.0 - nlp_floor_)) : target;
  const double step = (next - nlp_gain_) / static_cast<double>(frame_samples_);
  for (size_t i = 0; i < frame_samples_; ++i) {
    const double g = nlp_gain_ + step * static_cast<double>(i + 1);
    linear_out_[i] = static_cast<int16_t>(std::lround(linear_out_[i] * g));
  }
  nlp_gain_ = next;
  std::copy(linear_out_.begin(), linear_out_.end(), out.begin());

  if (far_active) {
    linear_erle_db_ += kErleSmoothing * (10.0 * std::log10((mic_ms + 1.0) / (lin_ms + 1.0)) - linear_erle_db_);
    mic_power_ += kErleSmoothing * (mic_ms - mic_power_);
    out_power_ += kErleSmoothing * (mean_square(out) - out_power_);
    stats_.erle_db = 10.0 * std::log10((mic_power_ + 1.0) / (out_power_ + 1.0));
  }
}

}  // namespace offhook::dsp
