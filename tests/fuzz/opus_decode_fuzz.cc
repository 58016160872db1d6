// Fuzz target: OpusCodec::decode(), decode_fec() and conceal() on arbitrary packets. The first byte
// picks the decoder configuration (rate, channels) and the output buffer size, so short, long,
// corrupt and oversized packets all reach libopus through our checks. Must never crash, and a
// rejected packet must report 0 samples.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "codecs/opus/opus_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using offhook::CodecStatus;
  if (size == 0) return 0;
  static constexpr std::array<uint32_t, 5> kRates = {8000, 12000, 16000, 24000, 48000};
  const uint32_t rate = kRates[data[0] % kRates.size()];
  const uint16_t channels = (data[0] & 0x08) != 0 ? 2 : 1;
  auto codec = offhook::OpusCodec::create({.sample_rate_hz = rate, .channels = channels});
  if (!codec) std::abort();
  // Output room: 120 ms (the most one packet can hold), or a deliberately short buffer.
  const size_t per_channel = (data[0] & 0x10) != 0 ? rate / 1000 * 5 : rate / 1000 * 120;
  std::vector<int16_t> pcm(per_channel * channels);
  const std::span<const uint8_t> payload(data + 1, size - 1);
  size_t samples = 99;
  const CodecStatus s = (*codec)->decode(payload, pcm, samples);
  if (s != CodecStatus::ok && samples != 0) std::abort();
  if (s == CodecStatus::ok && (samples == 0 || samples > per_channel)) std::abort();
  // As the next packet after a loss: FEC, then plain PLC of an odd length.
  std::vector<int16_t> lost(rate / 50 * channels);
  size_t fec_samples = 0;
  (void)(*codec)->decode_fec(payload, lost, fec_samples);
  if (fec_samples > rate / 50) std::abort();
  std::vector<int16_t> odd(77);
  (void)(*codec)->conceal(odd);
  return 0;
}
