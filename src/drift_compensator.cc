#include "src/drift_compensator.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace offhook {
namespace {

constexpr double kDamping = 0.8;  // PI loop damping ratio: a little overshoot, no ringing

// Rounds half away from zero and saturates; inline arithmetic (no libm call per sample).
int16_t saturate(double v) noexcept {
  if (v >= 32767.0) return 32767;
  if (v <= -32768.0) return -32768;
  return static_cast<int16_t>(static_cast<int>(v + (v >= 0.0 ? 0.5 : -0.5)));
}

}  // namespace

Result<std::unique_ptr<DriftCompensator>> DriftCompensator::create(const DriftCompensatorConfig& config) {
  if (config.rate_hz == 0 || config.max_block_samples == 0) {
    return Error{Errc::invalid_argument, "drift compensator: rate and block size must be positive"};
  }
  // Just before the producer's next push the buffer holds the target minus one producer block, and
  // the consumer still needs a whole block of its own (+ the interpolator's 2 samples of look-ahead).
  if (config.target_fill < config.max_block_samples + config.producer_block_samples + 4) {
    return Error{Errc::invalid_argument, "drift compensator: target fill " + std::to_string(config.target_fill) +
                                             " is below a consumer block + a producer block (" +
                                             std::to_string(config.max_block_samples) + " + " +
                                             std::to_string(config.producer_block_samples) + " + 4)"};
  }
  if (!(config.max_correction_ppm > 0.0 && config.max_correction_ppm <= 50000.0) || !(config.settle_s > 0.0) ||
      !(config.fill_smoothing_s >= 0.0)) {
    return Error{Errc::invalid_argument, "drift compensator: correction limit must be in (0, 50000] ppm and "
                                         "time constants positive"};
  }
  return std::unique_ptr<DriftCompensator>(new DriftCompensator(config));
}

DriftCompensator::DriftCompensator(const DriftCompensatorConfig& config)
    : config_(config), work_(config.max_block_samples * 2 + 8, 0) {
  // Continuous model: d(fill)/dt = rate * (drift - correction), correction = kp*e + ki*integral(e dt)
  // with e the fill error in samples. Characteristic equation s^2 + rate*kp*s + rate*ki = 0: pick
  // its natural frequency wn = 1/settle_s and damping kDamping.
  const double wn = 1.0 / config.settle_s;
  const double rate = static_cast<double>(config.rate_hz);
  kp_ = 2.0 * kDamping * wn / rate;
  ki_ = wn * wn / rate;
  reset();
}

void DriftCompensator::reset() noexcept {
  integral_ = 0.0;
  fill_avg_ = 0.0;
  avg_valid_ = false;
  ratio_ = 1.0;
  priming_ = true;
  std::fill(work_.begin(), work_.end(), int16_t{0});
  work_size_ = 1;  // one sample of (silent) history in front of the first input
  pos_ = 1.0;
  pending_in_ = 0;
  pending_out_ = 0;
}

size_t DriftCompensator::input_for(size_t out_samples) const noexcept {
  if (!config_.enabled) return out_samples;
  const double last = pos_ + static_cast<double>(out_samples - 1) * ratio_;
  const size_t need_size = static_cast<size_t>(last) + 3;  // reads up to work_[floor(last) + 2]
  return need_size > work_size_ ? need_size - work_size_ : 0;
}

size_t DriftCompensator::begin_block(size_t available, size_t out_samples, double producer_phase) noexcept {
  const double phase = std::isfinite(producer_phase) ? std::clamp(producer_phase, 0.0, 1.0) : 0.0;
  const double fill = static_cast<double>(available) + phase * static_cast<double>(config_.producer_block_samples);
  out_samples = std::min(out_samples, config_.max_block_samples);
  pending_out_ = 0;
  pending_in_ = 0;
  if (out_samples == 0) return 0;
  if (priming_) {
    if (fill < static_cast<double>(config_.target_fill)) return 0;
    priming_ = false;
    fill_avg_ = fill;  // restart the low-pass at the target; the integrator keeps the learnt drift
    avg_valid_ = true;
  }

  const double dt = static_cast<double>(out_samples) / static_cast<double>(config_.rate_hz);
  if (config_.enabled) {
    // Low-pass the fill: the consumer samples a sawtooth (the producer adds whole periods).
    const double alpha = config_.fill_smoothing_s > 0.0 ? 1.0 - std::exp(-dt / config_.fill_smoothing_s) : 1.0;
    fill_avg_ += alpha * (fill - fill_avg_);
    const double error = fill_avg_ - static_cast<double>(config_.target_fill);
    const double limit = config_.max_correction_ppm * 1e-6;
    integral_ = std::clamp(integral_ + ki_ * error * dt, -limit, limit);  // anti-windup
    ratio_ = 1.0 + std::clamp(kp_ * error + integral_, -limit, limit);
  }

  const size_t need = input_for(out_samples);
  if (need > available) {
    ++underruns_;
    priming_ = true;  // one gap, then restart at the target
    return 0;
  }
  pending_out_ = out_samples;
  pending_in_ = need;
  return need;
}

void DriftCompensator::process(std::span<const int16_t> in, std::span<int16_t> out) noexcept {
  const size_t n_out = std::min(out.size(), pending_out_);
  std::fill(out.begin() + static_cast<ptrdiff_t>(n_out), out.end(), int16_t{0});
  pending_out_ = 0;
  if (n_out == 0) return;

  if (!config_.enabled) {
    const size_t n = std::min(in.size(), n_out);
    std::copy_n(in.begin(), n, out.begin());
    const int16_t hold = n > 0 ? in[n - 1] : 0;
    std::fill(out.begin() + static_cast<ptrdiff_t>(n), out.begin() + static_cast<ptrdiff_t>(n_out), hold);
    return;
  }

  // Append the block's input behind the history, holding the last sample if `in` came up short.
  const size_t want = std::min(pending_in_, work_.size() - work_size_);
  const size_t n_in = std::min(in.size(), want);
  std::copy_n(in.begin(), n_in, work_.begin() + static_cast<ptrdiff_t>(work_size_));
  const int16_t hold = work_size_ + n_in > 0 ? work_[work_size_ + n_in - 1] : 0;
  std::fill_n(work_.begin() + static_cast<ptrdiff_t>(work_size_ + n_in), want - n_in, hold);
  work_size_ += want;

  const int16_t* w = work_.data();
  const size_t last_index = work_size_ - 1;
  for (size_t k = 0; k < n_out; ++k) {
    const double t = pos_ + static_cast<double>(k) * ratio_;
    size_t i = static_cast<size_t>(t);
    const double f = t - static_cast<double>(i);
    i = std::min(i, last_index >= 2 ? last_index - 2 : 0);  // guard; cannot trigger when in is complete
    const double p0 = w[i > 0 ? i - 1 : 0];
    const double p1 = w[i];
    const double p2 = w[std::min(i + 1, last_index)];
    const double p3 = w[std::min(i + 2, last_index)];
    // Catmull-Rom spline through p1 (f = 0) and p2 (f = 1).
    const double v =
        p1 + 0.5 * f * (p2 - p0 + f * (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3 + f * (3.0 * (p1 - p2) + p3 - p0)));
    out[k] = saturate(v);
  }

  // Keep one sample before the next read position; drop the rest.
  pos_ += static_cast<double>(n_out) * ratio_;
  const size_t base = static_cast<size_t>(pos_);
  const size_t drop = std::min(base > 0 ? base - 1 : 0, work_size_);
  std::copy(work_.begin() + static_cast<ptrdiff_t>(drop), work_.begin() + static_cast<ptrdiff_t>(work_size_),
            work_.begin());
  work_size_ -= drop;
  pos_ -= static_cast<double>(drop);
}

}  // namespace offhook
