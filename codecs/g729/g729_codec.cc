#include "codecs/g729/g729_codec.hpp"

// bcg729's headers have no extern "C" guards of their own.
extern "C" {
#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
}

#include <algorithm>
#include <cstring>

namespace offhook {

Result<std::unique_ptr<G729Codec>> G729Codec::create(bool annex_b) {
  bcg729EncoderChannelContextStruct* enc = initBcg729EncoderChannel(annex_b ? 1 : 0);
  bcg729DecoderChannelContextStruct* dec = initBcg729DecoderChannel();
  if (enc == nullptr || dec == nullptr) {
    if (enc != nullptr) closeBcg729EncoderChannel(enc);
    if (dec != nullptr) closeBcg729DecoderChannel(dec);
    return Error{Errc::internal, "G729: bcg729 init failed"};
  }
  return std::unique_ptr<G729Codec>(new G729Codec(enc, dec, annex_b));
}

G729Codec::G729Codec(bcg729EncoderChannelContextStruct_struct* enc, bcg729DecoderChannelContextStruct_struct* dec,
                     bool annex_b) noexcept
    : enc_(enc), dec_(dec), annex_b_(annex_b) {}

G729Codec::~G729Codec() {
  closeBcg729EncoderChannel(enc_);
  closeBcg729DecoderChannel(dec_);
}

CodecStatus G729Codec::encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept {
  written = 0;
  if (pcm.empty() || pcm.size() % kFrameSamples != 0 || pcm.size() / kFrameSamples > kMaxFrames) {
    return CodecStatus::bad_input;
  }
  const size_t frames = pcm.size() / kFrameSamples;
  // Without Annex B every frame is 10 bytes; with it, at most that too (a SID is shorter).
  if (out.size() < frames * kFrameBytes) return CodecStatus::buffer_too_small;
  size_t voice_bytes = 0;
  std::array<uint8_t, kFrameBytes> frame{};
  bool sid_pending = false;
  std::array<uint8_t, kSidBytes> sid{};
  for (size_t f = 0; f < frames; ++f) {
    uint8_t len = 0;
    bcg729Encoder(enc_, pcm.data() + f * kFrameSamples, frame.data(), &len);
    if (len == kFrameBytes) {
      // RFC 3551 §4.5.6: a SID frame may only end a packet; one followed by speech is dropped.
      sid_pending = false;
      std::memcpy(out.data() + voice_bytes, frame.data(), kFrameBytes);
      voice_bytes += kFrameBytes;
    } else if (len == kSidBytes) {
      sid_pending = true;
      std::memcpy(sid.data(), frame.data(), kSidBytes);
    }
  }
  written = voice_bytes;
  if (sid_pending) {
    std::memcpy(out.data() + written, sid.data(), kSidBytes);
    written += kSidBytes;
  }
  return CodecStatus::ok;
}

CodecStatus G729Codec::decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                              size_t& samples_per_channel) noexcept {
  samples_per_channel = 0;
  const size_t voice = payload.size() / kFrameBytes;
  const size_t rest = payload.size() % kFrameBytes;
  if (payload.empty() || (rest != 0 && rest != kSidBytes) || voice > kMaxFrames) return CodecStatus::bad_payload;
  const size_t frames = voice + (rest == kSidBytes ? 1 : 0);
  if (pcm.size() < frames * kFrameSamples) return CodecStatus::buffer_too_small;
  for (size_t f = 0; f < voice; ++f) {
    bcg729Decoder(dec_, payload.data() + f * kFrameBytes, kFrameBytes, 0, 0, 0, pcm.data() + f * kFrameSamples);
  }
  if (rest == kSidBytes) {
    bcg729Decoder(dec_, payload.data() + voice * kFrameBytes, kSidBytes, 0, 1, 0, pcm.data() + voice * kFrameSamples);
  }
  samples_per_channel = frames * kFrameSamples;
  return CodecStatus::ok;
}

CodecStatus G729Codec::conceal(std::span<int16_t> pcm) noexcept {
  static constexpr std::array<uint8_t, kFrameBytes> kErased{};  // never read with the erasure flag set
  size_t done = 0;
  while (done < pcm.size()) {
    const size_t n = std::min(kFrameSamples, pcm.size() - done);
    if (n == kFrameSamples) {
      bcg729Decoder(dec_, kErased.data(), kFrameBytes, 1, 0, 0, pcm.data() + done);
    } else {
      bcg729Decoder(dec_, kErased.data(), kFrameBytes, 1, 0, 0, scratch_.data());
      std::memcpy(pcm.data() + done, scratch_.data(), n * sizeof(int16_t));
    }
    done += n;
  }
  return CodecStatus::ok;
}

}  // namespace offhook
