// Fuzz target: G729Codec::decode() (voice frames, Annex B SID frames) and its concealment on
// arbitrary payloads. Without OFFHOOK_G729 the target only checks that the registry refuses G729.
// Must never crash; a rejected payload reports 0 samples.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "codecs/codec.hpp"
#if OFFHOOK_HAVE_G729
#include "codecs/g729/g729_codec.hpp"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#if OFFHOOK_HAVE_G729
  using offhook::CodecStatus;
  using offhook::G729Codec;
  auto codec = G729Codec::create(size > 0 && (data[0] & 1) != 0);
  if (!codec) std::abort();
  const std::span<const uint8_t> payload(data, size);
  std::vector<int16_t> pcm(G729Codec::kMaxFrames * G729Codec::kFrameSamples + 80);
  size_t samples = 99;
  const CodecStatus s = (*codec)->decode(payload, pcm, samples);
  if (s != CodecStatus::ok && samples != 0) std::abort();
  if (s == CodecStatus::ok && samples % G729Codec::kFrameSamples != 0) std::abort();
  std::vector<int16_t> lost(1 + size % 250);
  (void)(*codec)->conceal(lost);
#else
  (void)data;
  (void)size;
  if (offhook::create_codec("G729", offhook::dsp::kernels_for(offhook::dsp::Target::scalar))) std::abort();
#endif
  return 0;
}
