// Shared helpers for the codec tests: a deterministic speech-like signal at any rate, delay
// alignment, segmental SNR and normalised correlation. Test-only; no real-time constraints.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

namespace offhook::test {

// 8 harmonics of a gliding 100..220 Hz pitch with a 1/k spectral tilt (and, above 8 kHz rates, a
// little energy up to 6 kHz through higher harmonics), under a 4 Hz syllabic envelope from -40 dB to
// full level (peak about 20000). Deterministic.
inline std::vector<int16_t> speech_like(size_t samples, uint32_t rate_hz = 8000, int harmonics = 8) {
  std::vector<int16_t> out(samples);
  double phase = 0.0;
  for (size_t i = 0; i < samples; ++i) {
    const double t = static_cast<double>(i) / rate_hz;
    const double f0 = 160.0 + 60.0 * std::sin(2.0 * std::numbers::pi * 0.7 * t);
    phase += 2.0 * std::numbers::pi * f0 / rate_hz;
    double v = 0.0;
    for (int k = 1; k <= harmonics; ++k) {
      if (f0 * k < rate_hz * 0.45) v += std::sin(k * phase + 0.3 * k) / k;
    }
    const double syllable = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * 4.0 * t);
    const double envelope = 0.01 + 0.99 * syllable * syllable;
    out[i] = static_cast<int16_t>(std::lround(7000.0 * envelope * v));
  }
  return out;
}

// Less predictable "speech": every 20 ms the pitch (90..300 Hz) and level (-20..0 dB) jump to new
// random values (fixed seed), phase-continuous, 6 harmonics. Extrapolating the previous frame (PLC)
// gets the next one wrong, which is what FEC tests need.
inline std::vector<int16_t> jumpy_speech(size_t samples, uint32_t rate_hz, uint32_t seed = 42) {
  std::vector<int16_t> out(samples);
  const size_t frame = rate_hz / 50;
  double phase = 0.0, f0 = 150.0, level = 8000.0;
  for (size_t i = 0; i < samples; ++i) {
    if (i % frame == 0) {
      seed = seed * 1664525u + 1013904223u;
      f0 = 90.0 + 210.0 * static_cast<double>(seed >> 8) / 16777216.0;
      seed = seed * 1664525u + 1013904223u;
      level = 8000.0 * std::pow(10.0, -static_cast<double>(seed >> 8) / 16777216.0);
    }
    phase += 2.0 * std::numbers::pi * f0 / rate_hz;
    double v = 0.0;
    for (int k = 1; k <= 6; ++k) {
      if (f0 * k < rate_hz * 0.45) v += std::sin(k * phase + 0.5 * k) / k;
    }
    out[i] = static_cast<int16_t>(std::lround(level * v));
  }
  return out;
}

// Spectral similarity: for each `frame`-sample Hann-windowed frame of ref (and got shifted by
// `lag`), the log power spectrum in `bins` DFT bins below rate/2; returns the mean over frames of the
// Pearson correlation between the two dB spectra (1 = same spectral shape). Frames of ref below
// -50 dBFS are skipped. Slow (direct DFT); fine for test-sized input.
inline double spectral_correlation(std::span<const int16_t> ref, std::span<const int16_t> got, size_t lag,
                                   size_t frame = 256, size_t bins = 64) {
  double sum = 0.0;
  int count = 0;
  std::vector<double> a(bins), b(bins), wa(frame), wb(frame);
  for (size_t s = 0; s + frame <= ref.size() && s + lag + frame <= got.size(); s += frame) {
    double energy = 0.0;
    for (size_t i = 0; i < frame; ++i) {
      const double w = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / frame);
      wa[i] = w * ref[s + i];
      wb[i] = w * got[s + lag + i];
      energy += static_cast<double>(ref[s + i]) * ref[s + i];
    }
    if (energy / static_cast<double>(frame) < 32768.0 * 32768.0 * 1e-5) continue;
    for (size_t k = 0; k < bins; ++k) {
      const double f = static_cast<double>(k + 1) * static_cast<double>(frame / 2) / static_cast<double>(bins + 1);
      double ar = 0, ai = 0, br = 0, bi = 0;
      for (size_t i = 0; i < frame; ++i) {
        const double ph = 2.0 * std::numbers::pi * f * static_cast<double>(i) / frame;
        ar += wa[i] * std::cos(ph);
        ai += wa[i] * std::sin(ph);
        br += wb[i] * std::cos(ph);
        bi += wb[i] * std::sin(ph);
      }
      a[k] = 10.0 * std::log10(ar * ar + ai * ai + 1.0);
      b[k] = 10.0 * std::log10(br * br + bi * bi + 1.0);
    }
    double ma = 0, mb = 0;
    for (size_t k = 0; k < bins; ++k) {
      ma += a[k];
      mb += b[k];
    }
    ma /= bins;
    mb /= bins;
    double xy = 0, xx = 0, yy = 0;
    for (size_t k = 0; k < bins; ++k) {
      xy += (a[k] - ma) * (b[k] - mb);
      xx += (a[k] - ma) * (a[k] - ma);
      yy += (b[k] - mb) * (b[k] - mb);
    }
    sum += xx > 0 && yy > 0 ? xy / std::sqrt(xx * yy) : 0.0;
    ++count;
  }
  return count > 0 ? sum / count : 0.0;
}

// Normalised cross-correlation of ref[i] with got[i + lag] over the overlap.
inline double correlation_at(std::span<const int16_t> ref, std::span<const int16_t> got, size_t lag) {
  double xy = 0.0, xx = 0.0, yy = 0.0;
  for (size_t i = 0; i + lag < got.size() && i < ref.size(); ++i) {
    const double x = ref[i], y = got[i + lag];
    xy += x * y;
    xx += x * x;
    yy += y * y;
  }
  return xx > 0.0 && yy > 0.0 ? xy / std::sqrt(xx * yy) : 0.0;
}

// The codec delay: the lag in [0, max_lag] with the highest correlation.
inline size_t best_lag(std::span<const int16_t> ref, std::span<const int16_t> got, size_t max_lag) {
  size_t best = 0;
  double best_c = -2.0;
  for (size_t lag = 0; lag <= max_lag; ++lag) {
    const double c = correlation_at(ref, got, lag);
    if (c > best_c) {
      best_c = c;
      best = lag;
    }
  }
  return best;
}

// Segmental SNR over `segment` samples, got shifted by `lag`; segments below -60 dBFS skipped.
inline double segmental_snr_db(std::span<const int16_t> ref, std::span<const int16_t> got, size_t lag,
                               size_t segment) {
  double sum = 0.0;
  int count = 0;
  for (size_t s = 0; s + segment <= ref.size() && s + segment + lag <= got.size(); s += segment) {
    double sig = 0.0, err = 0.0;
    for (size_t i = s; i < s + segment; ++i) {
      sig += static_cast<double>(ref[i]) * ref[i];
      const double e = static_cast<double>(ref[i]) - got[i + lag];
      err += e * e;
    }
    if (sig / static_cast<double>(segment) < 32768.0 * 32768.0 * 1e-6) continue;
    sum += 10.0 * std::log10(sig / std::max(err, 1e-9));
    ++count;
  }
  return count > 0 ? sum / count : 0.0;
}

// Largest |x[n] - x[n-1]| over [begin, end).
inline int max_step(std::span<const int16_t> x, size_t begin, size_t end) {
  int m = 0;
  for (size_t i = std::max<size_t>(begin, 1); i < end && i < x.size(); ++i) m = std::max(m, std::abs(x[i] - x[i - 1]));
  return m;
}

}  // namespace offhook::test
