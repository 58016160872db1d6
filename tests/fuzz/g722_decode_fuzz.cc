// Fuzz target: G722Codec::decode() at 64/56/48 kbit/s and its concealment on arbitrary payloads.
// The first byte picks the mode and whether the output buffer is too short. Must never crash; a
// rejected payload reports 0 samples.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "codecs/g722/g722_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using offhook::CodecStatus;
  if (size == 0) return 0;
  static constexpr std::array<uint32_t, 3> kModes = {64000, 56000, 48000};
  auto codec = offhook::G722Codec::create(kModes[data[0] % kModes.size()]);
  if (!codec) std::abort();
  const std::span<const uint8_t> payload(data + 1, size - 1);
  std::vector<int16_t> pcm((data[0] & 0x10) != 0 ? payload.size() : payload.size() * 2);
  size_t samples = 99;
  const CodecStatus s = (*codec)->decode(payload, pcm, samples);
  if (s != CodecStatus::ok && samples != 0) std::abort();
  if (s == CodecStatus::ok && samples != payload.size() * 2) std::abort();
  std::vector<int16_t> lost(1 + data[0] % 200);
  (void)(*codec)->conceal(lost);
  if (s == CodecStatus::ok) (void)(*codec)->decode(payload, pcm, samples);  // merge after the loss
  return 0;
}
