#include "dsp/resample/resampler.hpp"

#include <speex/speex_resampler.h>

#include <string>

namespace offhook::dsp {

Result<std::unique_ptr<Resampler>> Resampler::create(uint32_t in_rate_hz, uint32_t out_rate_hz,
                                                     uint16_t channels, int quality) {
  auto bad_rate = [](uint32_t r) { return r < 1000 || r > 192000; };
  if (bad_rate(in_rate_hz) || bad_rate(out_rate_hz)) {
    return Error{Errc::invalid_argument, "resampler: rate out of range (" + std::to_string(in_rate_hz) + " -> " +
                                             std::to_string(out_rate_hz) + " Hz)"};
  }
  if (channels != 1 && channels != 2) {
    return Error{Errc::invalid_argument, "resampler: " + std::to_string(channels) + " channels (1 or 2)"};
  }
  if (quality < 0 || quality > kQualityMax) {
    return Error{Errc::invalid_argument, "resampler: quality " + std::to_string(quality) + " (0..10)"};
  }
  int err = RESAMPLER_ERR_SUCCESS;
  SpeexResamplerState* st = speex_resampler_init(channels, in_rate_hz, out_rate_hz, quality, &err);
  if (st == nullptr || err != RESAMPLER_ERR_SUCCESS) {
    if (st != nullptr) speex_resampler_destroy(st);
    return Error{Errc::internal, std::string("resampler: ") + speex_resampler_strerror(err)};
  }
  // Start with the filter's zero history skipped, so output sample 0 lines up with input sample 0.
  speex_resampler_skip_zeros(st);
  return std::unique_ptr<Resampler>(new Resampler(st, in_rate_hz, out_rate_hz, channels, quality));
}

Resampler::Resampler(SpeexResamplerState_* state, uint32_t in_rate_hz, uint32_t out_rate_hz,
                     uint16_t channels, int quality) noexcept
    : state_(state), in_rate_hz_(in_rate_hz), out_rate_hz_(out_rate_hz), channels_(channels), quality_(quality) {}

Resampler::~Resampler() { speex_resampler_destroy(state_); }

Resampler::Processed Resampler::process(std::span<const int16_t> in, std::span<int16_t> out) noexcept {
  spx_uint32_t in_len = static_cast<spx_uint32_t>(in.size() / channels_);
  spx_uint32_t out_len = static_cast<spx_uint32_t>(out.size() / channels_);
  if (in_len == 0 || out_len == 0) return {};
  if (speex_resampler_process_interleaved_int(state_, in.data(), &in_len, out.data(), &out_len) !=
      RESAMPLER_ERR_SUCCESS) {
    return {};
  }
  return {in_len, out_len};
}

void Resampler::reset() noexcept {
  speex_resampler_reset_mem(state_);
  speex_resampler_skip_zeros(state_);
}

size_t Resampler::max_out_per_channel(size_t in_per_channel) const noexcept {
  return (in_per_channel * out_rate_hz_ + in_rate_hz_ - 1) / in_rate_hz_ + 1;
}

int Resampler::output_latency() const noexcept { return speex_resampler_get_output_latency(state_); }

}  // namespace offhook::dsp
