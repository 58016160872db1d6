#include "codecs/g711/g711_codec.hpp"

#include <algorithm>

namespace offhook {

G711Codec::G711Codec(Law law, const dsp::Kernels& kernels) noexcept
    : law_(law),
      encode_(law == Law::ulaw ? kernels.ulaw_encode : kernels.alaw_encode),
      decode_(law == Law::ulaw ? kernels.ulaw_decode : kernels.alaw_decode),
      plc_(dsp::WaveformPlc::create(kRateHz).value()) {}  // 8000 Hz is always supported

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

  plc_.observe_good(pcm.first(n));
  return CodecStatus::ok;
}

CodecStatus G711Codec::conceal(std::span<int16_t> pcm) noexcept {
  plc_.conceal(pcm);
  return CodecStatus::ok;
}

}  // namespace offhook
