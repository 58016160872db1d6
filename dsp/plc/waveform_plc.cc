#include "dsp/plc/waveform_plc.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace offhook::dsp {

Result<WaveformPlc> WaveformPlc::create(uint32_t sample_rate_hz) {
  if (sample_rate_hz == 0 || sample_rate_hz % 8000 != 0 || sample_rate_hz > kMaxRateHz) {
    return Error{Errc::invalid_argument, "waveform PLC: unsupported rate " + std::to_string(sample_rate_hz) + " Hz"};
  }
  return WaveformPlc(sample_rate_hz);
}

WaveformPlc::WaveformPlc(uint32_t sample_rate_hz) noexcept
    : rate_hz_(sample_rate_hz), history_len_(sample_rate_hz / 1000 * kHistoryMs) {}

void WaveformPlc::push_history(const int16_t* x, size_t n) noexcept {
  if (n >= history_len_) {
    std::memcpy(history_.data(), x + (n - history_len_), history_len_ * sizeof(int16_t));
    history_fill_ = history_len_;
    return;
  }
  const size_t keep = std::min(history_fill_, history_len_ - n);
  std::memmove(history_.data(), history_.data() + (history_fill_ - keep), keep * sizeof(int16_t));
  std::memcpy(history_.data() + keep, x, n * sizeof(int16_t));
  history_fill_ = keep + n;
}

void WaveformPlc::start_loss() noexcept {
  period_pos_ = 0;
  pitch_ = 0;
  if (history_fill_ == 0) return;
  const size_t r = rate_hz_ / 8000;  // decimation factor down to the 8 kHz search grid
  const int16_t* h = history_.data();  // [0, history_fill_), oldest first
  const size_t n = history_fill_;
  const size_t window = kCorrelationMs * rate_hz_ / 1000;
  const size_t min_lag = kMinPitchUs * rate_hz_ / 1'000'000;
  size_t max_lag = kMaxPitchUs * rate_hz_ / 1'000'000;
  if (n < window + min_lag) {  // too little history to search: repeat what there is
    pitch_ = std::min(n, max_lag);
  } else {
    max_lag = std::min(max_lag, n - window);
    // Coarse search on an r-sample average (the 8 kHz grid), then refine +-r at the full rate.
    // Score: normalised cross-correlation, positive only (G.711 App. I style).
    auto score = [&](size_t lag, size_t step) {
      double xy = 0.0, yy = 1e-3;
      for (size_t i = n - window; i < n; i += step) {
        double x = 0.0, y = 0.0;
        for (size_t k = 0; k < step; ++k) {
          x += h[i + k];
          y += h[i + k - lag];
        }
        xy += x * y;
        yy += y * y;
      }
      return xy <= 0.0 ? -1.0 : xy * xy / yy;
    };
    size_t best = max_lag;
    double best_score = -2.0;
    for (size_t lag = min_lag - min_lag % r; lag <= max_lag; lag += r) {
      if (lag < min_lag) continue;
      const double s = score(lag, r);
      if (s > best_score) {
        best_score = s;
        best = lag;
      }
    }
    if (r > 1) {
      const size_t lo = std::max(min_lag, best - std::min(best, r));
      const size_t hi = std::min(max_lag, best + r);
      best_score = -2.0;
      const size_t coarse = best;
      best = coarse;
      for (size_t lag = lo; lag <= hi; ++lag) {
        const double s = score(lag, 1);
        if (s > best_score) {
          best_score = s;
          best = lag;
        }
      }
    }
    pitch_ = best;
  }
  for (size_t i = 0; i < pitch_; ++i) period_[i] = h[n - pitch_ + i];
}

float WaveformPlc::next_substitute() noexcept {
  if (pitch_ == 0) return 0.0f;
  const float v = period_[period_pos_];
  period_pos_ = period_pos_ + 1 == pitch_ ? 0 : period_pos_ + 1;
  return v;
}

float WaveformPlc::next_noise() noexcept {
  noise_seed_ = noise_seed_ * 1664525u + 1013904223u;  // Numerical Recipes LCG: fixed, cheap
  const float u = static_cast<float>(noise_seed_ >> 8) * (1.0f / 8388608.0f) - 1.0f;  // [-1, 1)
  return u * 1.7320508f * noise_rms_;  // uniform noise with the target RMS
}

float WaveformPlc::gain_at(size_t lost) const noexcept {
  const size_t full = kFullLevelMs * rate_hz_ / 1000;
  const size_t fade = kFadeMs * rate_hz_ / 1000;
  if (lost < full) return 1.0f;
  if (lost >= full + fade) return 0.0f;
  return 1.0f - static_cast<float>(lost - full) / static_cast<float>(fade);
}

void WaveformPlc::conceal(std::span<int16_t> pcm) noexcept {
  if (pcm.empty()) return;
  if (lost_ == 0) start_loss();
  for (int16_t& out : pcm) {
    const float g = gain_at(lost_);
    const float sub = next_substitute();
    const float v = g * sub + (1.0f - g) * next_noise();
    out = static_cast<int16_t>(std::clamp(std::lround(v), -32768L, 32767L));
    ++lost_;
  }
  push_history(pcm.data(), pcm.size());
}

void WaveformPlc::observe_good(std::span<int16_t> pcm) noexcept {
  if (pcm.empty()) return;
  if (lost_ > 0) {
    const size_t merge = std::min(pcm.size(), size_t{kMergeMs} * rate_hz_ / 1000);
    for (size_t i = 0; i < merge; ++i) {
      const float g = gain_at(lost_);
      const float concealed = g * next_substitute() + (1.0f - g) * next_noise();
      ++lost_;
      const float w = static_cast<float>(i + 1) / static_cast<float>(merge + 1);
      const float v = (1.0f - w) * concealed + w * static_cast<float>(pcm[i]);
      pcm[i] = static_cast<int16_t>(std::clamp(std::lround(v), -32768L, 32767L));
    }
    lost_ = 0;
  }
  int64_t e = 0;  // exact and vectorisable: this runs on every good frame
  for (int16_t v : pcm) e += int32_t{v} * int32_t{v};
  const auto frame_rms = static_cast<float>(std::sqrt(static_cast<double>(e) / static_cast<double>(pcm.size())));
  constexpr float kMaxNoiseRms = 300.0f;  // about -40 dBFS: comfort noise, never speech level
  // Minimum tracking: fall at once to a quieter frame, rise by at most 2 % (0.17 dB) per frame, so
  // a talk spurt barely moves it and a louder background is learnt within seconds.
  if (noise_rms_ == 0.0f || frame_rms < noise_rms_) {
    noise_rms_ = frame_rms;
  } else {
    noise_rms_ = std::min(frame_rms, noise_rms_ * 1.02f);
  }
  noise_rms_ = std::min(noise_rms_, kMaxNoiseRms);
  push_history(pcm.data(), pcm.size());
}

}  // namespace offhook::dsp
