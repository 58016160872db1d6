#include "src/pcm_player.hpp"

#include <algorithm>

#include "dsp/resample/resampler.hpp"
#include "src/wav_device.hpp"

namespace offhook {
namespace {

bool supported_rate(uint32_t rate_hz) {
  return rate_hz == 8000 || rate_hz == 16000 || rate_hz == 32000 || rate_hz == 48000;
}

Error bad_rate(uint32_t rate_hz) {
  return Error{Errc::invalid_argument,
               "player rate " + std::to_string(rate_hz) + " Hz is not supported (8000, 16000, 32000 or 48000)"};
}

// The whole clip converted from `in_rate` to `out_rate`, time-aligned: the resampler's filter delay
// is dropped from the front and flushed out of the tail with zeros, so sample k of the output is the
// input at time k / out_rate and the length is in.size() * out_rate / in_rate (rounded).
Result<std::vector<int16_t>> resample_clip(const std::vector<int16_t>& in, uint32_t in_rate, uint32_t out_rate) {
  auto resampler = dsp::Resampler::create(in_rate, out_rate, 1);
  if (!resampler) return std::move(resampler).error();
  const auto latency = static_cast<size_t>(std::max((*resampler)->output_latency(), 0));
  const size_t want = (in.size() * out_rate + in_rate / 2) / in_rate;
  std::vector<int16_t> padded(in);
  padded.resize(in.size() + 2 * ((latency * in_rate + out_rate - 1) / out_rate) + 64, 0);
  std::vector<int16_t> out((*resampler)->max_out_per_channel(padded.size()));
  size_t consumed = 0;
  size_t produced = 0;
  while (consumed < padded.size() && produced < out.size()) {
    const auto step = (*resampler)->process(std::span<const int16_t>(padded).subspan(consumed),
                                            std::span<int16_t>(out).subspan(produced));
    if (step.in_per_channel == 0 && step.out_per_channel == 0) break;
    consumed += step.in_per_channel;
    produced += step.out_per_channel;
  }
  if (produced < latency + want) {
    return Error{Errc::internal, "resampler produced " + std::to_string(produced) + " samples, expected " +
                                     std::to_string(latency + want)};
  }
  return std::vector<int16_t>(out.begin() + static_cast<ptrdiff_t>(latency),
                              out.begin() + static_cast<ptrdiff_t>(latency + want));
}

}  // namespace

Result<std::unique_ptr<PcmPlayer>> PcmPlayer::open(const std::string& path, uint32_t rate_hz, PlayMode mode) {
  if (!supported_rate(rate_hz)) return bad_rate(rate_hz);
  auto wav = WavFileSource::open(path);  // its errors already name the path
  if (!wav) return std::move(wav).error();
  const std::vector<int16_t>& clip = (*wav)->samples();
  if (clip.empty()) return Error{Errc::bad_format, "'" + path + "' holds no samples"};
  if ((*wav)->rate_hz() == rate_hz) return create(clip, rate_hz, mode);
  auto converted = resample_clip(clip, (*wav)->rate_hz(), rate_hz);
  if (!converted) {
    return Error{converted.error().code, "'" + path + "': " + converted.error().message};
  }
  return create(std::move(*converted), rate_hz, mode);
}

Result<std::unique_ptr<PcmPlayer>> PcmPlayer::create(std::vector<int16_t> samples, uint32_t rate_hz, PlayMode mode) {
  if (!supported_rate(rate_hz)) return bad_rate(rate_hz);
  if (samples.empty()) return Error{Errc::invalid_argument, "player clip holds no samples"};
  return std::unique_ptr<PcmPlayer>(new PcmPlayer(std::move(samples), rate_hz, mode));
}

bool PcmPlayer::read(AudioFrame& frame) noexcept {
  const size_t n = samples_in_ms(rate_hz_, 10);
  frame.reset(rate_hz_, 1, static_cast<uint16_t>(n));
  const size_t size = samples_.size();
  if (mode_ == PlayMode::once) {
    if (position_ >= size) return false;
    const size_t take = std::min(n, size - position_);
    std::copy_n(samples_.begin() + static_cast<ptrdiff_t>(position_), take, frame.data.begin());
    position_ += take;
    return true;
  }
  size_t filled = 0;
  while (filled < n) {  // at most n / size + 2 rounds: bounded by the frame
    if (position_ >= size) position_ = 0;
    const size_t take = std::min(n - filled, size - position_);
    std::copy_n(samples_.begin() + static_cast<ptrdiff_t>(position_), take, frame.data.begin() + static_cast<ptrdiff_t>(filled));
    position_ += take;
    filled += take;
  }
  return true;
}

}  // namespace offhook
