#include "dsp/tsm/wsola.hpp"

#include <algorithm>
#include <cmath>

namespace offhook::dsp {

namespace {

constexpr double kPi = 3.14159265358979323846;

int16_t saturate(float v) noexcept {
  return static_cast<int16_t>(std::lround(std::clamp(v, -32768.0f, 32767.0f)));
}

// Raised-cosine weight of the incoming segment at position i of n.
float fade_in(size_t i, size_t n) noexcept {
  return static_cast<float>(0.5 - 0.5 * std::cos(kPi * (static_cast<double>(i) + 0.5) / static_cast<double>(n)));
}

}  // namespace

Result<Wsola> Wsola::create(const Config& config) {
  if (config.rate_hz < 4000 || config.rate_hz > 96000 || config.min_pitch_hz < 20 ||
      config.max_pitch_hz <= config.min_pitch_hz || config.max_pitch_hz > 2000 || config.max_input_samples < 16 ||
      config.max_input_samples > 96000) {
    return Error{Errc::invalid_argument, "wsola: bad rate, pitch range or input size"};
  }
  return Wsola(config);
}

Wsola::Wsola(const Config& config)
    : config_(config),
      min_lag_(std::max<size_t>(2, config.rate_hz / config.max_pitch_hz)),
      max_lag_(config.rate_hz / config.min_pitch_hz),
      work_(size_t{config.max_input_samples} * 2) {}

double Wsola::correlation(std::span<const int16_t> x, size_t start, size_t len, size_t lag) const noexcept {
  // normalised cross-correlation of x[start, start+len) with x[start-lag, start-lag+len)
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < len; ++i) {
    const double a = x[start + i];
    const double b = x[start + i - lag];
    xy += a * b;
    xx += a * a;
    yy += b * b;
  }
  if (xx <= 0 || yy <= 0) return 0;
  return xy / std::sqrt(xx * yy);
}

size_t Wsola::pitch_lag(std::span<const int16_t> x) const noexcept {
  size_t best = 0;
  double best_c = -2;
  const size_t hi = std::min(max_lag_, x.size() / 2);
  for (size_t lag = min_lag_; lag <= hi; ++lag) {
    const size_t len = x.size() - lag;
    const double c = correlation(x, lag, len, lag);
    if (c > best_c + 1e-9) {
      best_c = c;
      best = lag;
    }
  }
  return best;
}

size_t Wsola::stretch(std::span<const int16_t> in, std::span<int16_t> out) noexcept {
  const size_t n = in.size();
  if (n < 16 || n > config_.max_input_samples || out.size() <= n || out.size() > 2 * n) return 0;
  const size_t extra = out.size() - n;
  // Candidate lags extra/k: pick the one whose waveform repeats best at the end of `in`.
  size_t best_k = 1;
  double best_c = -2;
  for (size_t k = 1; extra / k >= min_lag_; ++k) {
    const size_t lag = (extra + k - 1) / k;
    if (lag > n / 2 || lag > std::max(max_lag_, extra)) continue;
    const size_t len = std::min(n - lag, lag);
    const double c = correlation(in, n - len, len, lag);
    if (c > best_c) {
      best_c = c;
      best_k = k;
    }
  }
  float* y = work_.data();
  for (size_t i = 0; i < n; ++i) y[i] = in[i];
  size_t len = n;
  size_t remaining = extra;
  for (size_t j = 0; j < best_k; ++j) {
    const size_t seg = remaining / (best_k - j);  // segments sum exactly to `extra`
    if (seg == 0 || seg > len) break;
    // Append y[len-seg, len): the last period again. Cross-fade the splice: the tail of the
    // current output fades into the tail of the period before it.
    const size_t ov = std::min<size_t>(seg / 2, std::min<size_t>(len - seg, 32));
    for (size_t i = 0; i < ov; ++i) {
      const float w = fade_in(i, ov);
      const size_t at = len - ov + i;
      y[at] = y[at] * (1 - w) + y[at - seg] * w;
    }
    for (size_t i = 0; i < seg; ++i) y[len + i] = y[len - seg + i];
    // After the splice the copy continues where the repeated period ended; the final sample of the
    // appended block equals the original last sample, so the next frame joins smoothly.
    for (size_t i = 0; i < ov; ++i) {
      const float w = fade_in(i, ov);
      const size_t at = len + seg - ov + i;
      y[at] = y[at] * (1 - w) + in[n - ov + i] * w;
    }
    len += seg;
    remaining -= seg;
  }
  for (size_t i = 0; i < out.size(); ++i) out[i] = saturate(i < len ? y[i] : y[len - 1]);
  return extra / best_k;
}

size_t Wsola::shrink(std::span<const int16_t> in, std::span<int16_t> out) noexcept {
  const size_t n = in.size();
  if (n < 32 || n > config_.max_input_samples || out.size() >= n || out.size() * 2 < n) return 0;
  const size_t remove = n - out.size();
  size_t best_k = 1;
  double best_c = -2;
  for (size_t k = 1; remove / k >= min_lag_; ++k) {
    const size_t lag = remove / k;
    if (2 * lag * k > n) continue;
    const double c = correlation(in, lag, std::min(n - lag, 2 * lag), lag);
    if (c > best_c) {
      best_c = c;
      best_k = k;
    }
  }
  // k removals; each cross-fades one segment into the next and so drops `seg` samples.
  size_t read = 0;
  size_t write = 0;
  size_t remaining = remove;
  const size_t spare = n - 2 * remove;  // input copied straight, spread between the removals
  for (size_t j = 0; j < best_k; ++j) {
    const size_t seg = remaining / (best_k - j);
    const size_t copy = spare / best_k + (j == 0 ? spare % best_k : 0);
    for (size_t i = 0; i < copy; ++i) out[write++] = in[read++];
    for (size_t i = 0; i < seg; ++i) {
      const float w = fade_in(i, seg);
      out[write++] = saturate(static_cast<float>(in[read + i]) * (1 - w) + static_cast<float>(in[read + seg + i]) * w);
    }
    read += 2 * seg;
    remaining -= seg;
  }
  while (write < out.size() && read < n) out[write++] = in[read++];
  return remove / best_k;
}

}  // namespace offhook::dsp
