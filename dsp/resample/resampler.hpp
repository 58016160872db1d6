// Resampler: converts interleaved 16-bit PCM between a device rate and a codec rate (48k <-> 16k,
// 48k <-> 8k, any integer rates) with speexdsp's windowed-sinc resampler. Stateful per stream: the
// filter history carries over between calls, so a stream cut into 10 ms pieces resamples exactly as
// it would in one piece.
//
// create() runs off the media thread (allocates the filter); process() and reset() are [rt]:
// noexcept, no allocation after creation (speexdsp only allocates when the rates or quality
// change, which this class never does after create()), no locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/result.hpp"

struct SpeexResamplerState_;

namespace offhook::dsp {

class Resampler {
 public:
  static constexpr int kQualityVoip = 3;     // speexdsp SPEEX_RESAMPLER_QUALITY_VOIP
  static constexpr int kQualityDefault = 4;  // speexdsp SPEEX_RESAMPLER_QUALITY_DEFAULT
  static constexpr int kQualityMax = 10;

  // `quality` 0 (cheapest) .. 10 (best); `channels` 1 or 2; rates 1000..192000 Hz.
  // Errc::invalid_argument for anything else, Errc::internal if speexdsp fails.
  static Result<std::unique_ptr<Resampler>> create(uint32_t in_rate_hz, uint32_t out_rate_hz,
                                                   uint16_t channels, int quality = kQualityDefault);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  struct Processed {
    size_t in_per_channel = 0;   // consumed from `in`
    size_t out_per_channel = 0;  // written to `out`
  };
  // [rt] Resamples interleaved `in` into `out`. Consumes all of `in` when `out` has room for
  // max_out_per_channel(in) frames; otherwise stops when `out` is full (the caller feeds the rest
  // again). Sizes are in interleaved samples; a trailing partial frame is ignored.
  Processed process(std::span<const int16_t> in, std::span<int16_t> out) noexcept;
  // [rt] Clears the filter history (a new stream on the same instance).
  void reset() noexcept;

  // Output frames (per channel) that `in_per_channel` input frames can produce, rounded up, +1.
  size_t max_out_per_channel(size_t in_per_channel) const noexcept;
  // Filter delay in output samples, for aligning a round trip in tests.
  int output_latency() const noexcept;
  uint32_t in_rate_hz() const noexcept { return in_rate_hz_; }
  uint32_t out_rate_hz() const noexcept { return out_rate_hz_; }
  uint16_t channels() const noexcept { return channels_; }
  int quality() const noexcept { return quality_; }

 private:
  Resampler(SpeexResamplerState_* state, uint32_t in_rate_hz, uint32_t out_rate_hz, uint16_t channels,
            int quality) noexcept;
  SpeexResamplerState_* state_;
  uint32_t in_rate_hz_;
  uint32_t out_rate_hz_;
  uint16_t channels_;
  int quality_;
};

}  // namespace offhook::dsp
