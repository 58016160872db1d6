// AudioFrame: a fixed-capacity block of interleaved 16-bit PCM, the unit that moves between the
// stages of a call (10 ms per media tick). It owns its storage inline, so moving frames through
// rings and pools never touches the heap. [rt]: every member is safe on the media thread.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace offhook {

struct AudioFrame {
  // 10 ms at 48 kHz stereo: the largest frame a media tick moves.
  static constexpr size_t kMaxSamples = 480 * 2;

  uint32_t rate_hz = 8000;
  uint16_t channels = 1;
  uint16_t samples_per_channel = 0;
  uint64_t timestamp_us = 0;  // clock time of the first sample (capture or playout)
  std::array<int16_t, kMaxSamples> data{};

  size_t size() const noexcept { return size_t{samples_per_channel} * channels; }
  std::span<int16_t> samples() noexcept { return {data.data(), size()}; }
  std::span<const int16_t> samples() const noexcept { return {data.data(), size()}; }

  // [rt] Sets the format and zeroes the samples. Returns false (and leaves the frame empty) if the
  // requested size exceeds kMaxSamples.
  bool reset(uint32_t rate, uint16_t chans, uint16_t per_channel) noexcept {
    if (size_t{per_channel} * chans > kMaxSamples || chans == 0) {
      samples_per_channel = 0;
      return false;
    }
    rate_hz = rate;
    channels = chans;
    samples_per_channel = per_channel;
    std::fill_n(data.begin(), size(), int16_t{0});
    return true;
  }
};

// Samples per channel in `ms` milliseconds at `rate_hz`.
constexpr size_t samples_in_ms(uint32_t rate_hz, uint32_t ms) noexcept { return size_t{rate_hz} * ms / 1000; }

}  // namespace offhook
