#include "codecs/g711/g711_codec.hpp"

#include <algorithm>

namespace offhook {

G711Codec::G711Codec(Law law, const dsp::Kernels& kernels) noexcept
    : law_(law),
      encode_(law == Law::ulaw ? kernels.ulaw_encode : kernels.alaw_encode),
      decode_(law == Law::ulaw ? kernels.ulaw_decode : kernels.alaw_decode) {}

CodecStatus G711Codec::encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept {
  written = 0;
  if (pcm.empty()) return CodecStatus::bad_input;
  if (out.size() < pcm.size()) return CodecStatus::buffer_too_small;
  encode_(pcm.data(), out.data(), pcm.size());
  written = pcm.size();
  return CodecStatus::ok;
}

CodecStatus G711Codec::decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                              size_t& samples_per_channel) noexcept {
  samples_per_channel = 0;
  if (payload.empty()) return CodecStatus::bad_payload;
  if (payload.size() > pcm.size()) return CodecStatus::buffer_too_small;
  const size_t n = payload.size();
  decode_(payload.data(), pcm.data(), n);
  samples_per_channel = n;

  // Keep the newest kSegmentSamples for conceal(), sliding older ones out when the frame is short.
  const size_t take = std::min(n, kSegmentSamples);
  const size_t keep = std::min(segment_len_, kSegmentSamples - take);
  std::copy(segment_.begin() + static_cast<ptrdiff_t>(segment_len_ - keep),
            segment_.begin() + static_cast<ptrdiff_t>(segment_len_), segment_.begin());
  std::copy(pcm.begin() + static_cast<ptrdiff_t>(n - take), pcm.begin() + static_cast<ptrdiff_t>(n),
            segment_.begin() + static_cast<ptrdiff_t>(keep));
  segment_len_ = keep + take;
  replay_pos_ = 0;
  concealed_ = 0;
  return CodecStatus::ok;
}

CodecStatus G711Codec::conceal(std::span<int16_t> pcm) noexcept {
  for (int16_t& sample : pcm) {
    if (segment_len_ == 0 || concealed_ >= kFadeSamples) {
      sample = 0;
      continue;
    }
    const int32_t gain_q15 = kStartGainQ15 * static_cast<int32_t>(kFadeSamples - concealed_) /
                             static_cast<int32_t>(kFadeSamples);
    sample = static_cast<int16_t>((segment_[replay_pos_] * gain_q15) >> 15);  // |gain| < 1: no overflow
    replay_pos_ = replay_pos_ + 1 == segment_len_ ? 0 : replay_pos_ + 1;
    ++concealed_;
  }
  return CodecStatus::ok;
}

}  // namespace offhook
