#include "codecs/g722/g722_codec.hpp"

// spandsp's headers need the fixed-width types first.
#include <cstdint>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include <algorithm>
#include <limits>

namespace offhook {

Result<std::unique_ptr<G722Codec>> G722Codec::create(uint32_t bitrate_bps) {
  if (bitrate_bps == 0) bitrate_bps = 64000;
  if (bitrate_bps != 64000 && bitrate_bps != 56000 && bitrate_bps != 48000) {
    return Error{Errc::invalid_argument, "G722: bitrate " + std::to_string(bitrate_bps) + " (64000, 56000 or 48000)"};
  }
  Result<dsp::WaveformPlc> plc = dsp::WaveformPlc::create(kSampleRateHz);
  if (!plc) return std::move(plc).error();
  // RFC 3551 §4.5.2: the payload is always the 64 kbit/s octet stream; we send mode 1 (64k).
  g722_encode_state_t* enc = g722_encode_init(nullptr, 64000, 0);
  g722_decode_state_t* dec = g722_decode_init(nullptr, static_cast<int>(bitrate_bps), 0);
  if (enc == nullptr || dec == nullptr) {
    if (enc != nullptr) g722_encode_free(enc);
    if (dec != nullptr) g722_decode_free(dec);
    return Error{Errc::internal, "G722: spandsp init failed"};
  }
  return std::unique_ptr<G722Codec>(new G722Codec(enc, dec, bitrate_bps, std::move(*plc)));
}

G722Codec::G722Codec(g722_encode_state_s* enc, g722_decode_state_s* dec, uint32_t bitrate_bps,
                     dsp::WaveformPlc plc) noexcept
    : enc_(enc), dec_(dec), bitrate_bps_(bitrate_bps), plc_(std::move(plc)) {}

G722Codec::~G722Codec() {
  g722_encode_free(enc_);
  g722_decode_free(dec_);
}

CodecStatus G722Codec::encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept {
  written = 0;
  if (pcm.empty() || pcm.size() % 2 != 0 || pcm.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return CodecStatus::bad_input;
  }
  if (out.size() < pcm.size() / 2) return CodecStatus::buffer_too_small;
  const int n = g722_encode(enc_, out.data(), pcm.data(), static_cast<int>(pcm.size()));
  if (n < 0) return CodecStatus::bad_input;
  written = static_cast<size_t>(n);
  return CodecStatus::ok;
}

CodecStatus G722Codec::decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                              size_t& samples_per_channel) noexcept {
  samples_per_channel = 0;
  if (payload.empty()) return CodecStatus::bad_payload;
  if (pcm.size() / 2 < payload.size()) return CodecStatus::buffer_too_small;
  size_t n = 0;
  if (bitrate_bps_ == 64000) {
    const int got = g722_decode(dec_, pcm.data(), payload.data(), static_cast<int>(payload.size()));
    if (got <= 0) return CodecStatus::bad_payload;
    n = static_cast<size_t>(got);
  } else {
    // G.722 modes 2 and 3 (56 and 48 kbit/s): the lowest 1 or 2 bits of each octet carry
    // auxiliary data. spandsp takes those modes' codes right-aligned, so drop the aux bits first.
    const int shift = bitrate_bps_ == 56000 ? 1 : 2;
    for (size_t off = 0; off < payload.size(); off += aux_scratch_.size()) {
      const size_t chunk = std::min(aux_scratch_.size(), payload.size() - off);
      for (size_t i = 0; i < chunk; ++i) aux_scratch_[i] = static_cast<uint8_t>(payload[off + i] >> shift);
      const int got = g722_decode(dec_, pcm.data() + n, aux_scratch_.data(), static_cast<int>(chunk));
      if (got <= 0) return CodecStatus::bad_payload;
      n += static_cast<size_t>(got);
    }
  }
  samples_per_channel = n;
  plc_.observe_good(pcm.first(samples_per_channel));
  return CodecStatus::ok;
}

CodecStatus G722Codec::conceal(std::span<int16_t> pcm) noexcept {
  plc_.conceal(pcm);
  return CodecStatus::ok;
}

}  // namespace offhook
