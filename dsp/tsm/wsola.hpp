// Time-scale modification for the jitter buffer's playout (preemptive expand and accelerate), in
// the spirit of WSOLA: pitch-synchronous splicing of waveform-similar segments with overlap-add,
// so the pitch is kept and no discontinuity is added.
//
// stretch(): `in` (one frame) becomes `out_len` > in.size() samples by repeating the last
// segments of lag T (the candidate lag L/k, k = 1, 2, ..., that best matches the waveform's period,
// L = out_len - in.size()) with a raised-cosine cross-fade at each splice.
// shrink(): `in` (two or more frames) becomes `out_len` < in.size() samples by removing k segments
// of lag T = L/k, each removal a cross-fade of one period into the next.
// Exact output lengths keep the 20 ms frame grid; the price is that the lag is quantised to L/k:
// a pitch period that divides L badly gets the nearest fitting lag (the cross-fade keeps the
// waveform continuous, the correlation test keeps that case rare for voiced speech).
//
// Thread: the media thread. create() allocates; stretch() and shrink() are [rt]: noexcept, no
// allocation, bounded loops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.hpp"

namespace offhook::dsp {

class Wsola {
 public:
  struct Config {
    uint32_t rate_hz = 8000;
    uint32_t min_pitch_hz = 60;      // longest period searched
    uint32_t max_pitch_hz = 400;     // shortest period searched
    uint32_t max_input_samples = 960;  // longest `in` accepted
  };

  static Result<Wsola> create(const Config& config);

  // [rt] Writes exactly `out.size()` samples (> in.size(), at most 2 * in.size()). Returns the lag
  // used (samples), or 0 if the sizes are out of range (then `out` is untouched).
  size_t stretch(std::span<const int16_t> in, std::span<int16_t> out) noexcept;
  // [rt] Writes exactly `out.size()` samples (< in.size(), at least in.size() / 2). Returns the lag
  // used, or 0 if the sizes are out of range.
  size_t shrink(std::span<const int16_t> in, std::span<int16_t> out) noexcept;

  // [rt] The lag in [min_lag, max_lag] with the highest normalised autocorrelation of `x`.
  size_t pitch_lag(std::span<const int16_t> x) const noexcept;

 private:
  explicit Wsola(const Config& config);
  double correlation(std::span<const int16_t> x, size_t start, size_t len, size_t lag) const noexcept;

  Config config_;
  size_t min_lag_;
  size_t max_lag_;
  std::vector<float> work_;  // 2 * max_input_samples
};

}  // namespace offhook::dsp
