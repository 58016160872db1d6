#include "codecs/g722/g722_codec.hpp"

// spandsp's headers need the fixed-width types first.
#include <cstdint>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <spandsp/private/g722.h>  // g722_band_t: the resync copies the decoder's ADPCM band state

#include <algorithm>
#include <cstring>
#include <limits>

namespace offhook {


Result<std::unique_ptr<G722Codec>> G722Codec::create(uint32_t bitrate_bps, G722LossResync resync) {
  if (bitrate_bps == 0) bitrate_bps = 64000;
  if (bitrate_bps != 64000 && bitrate_bps != 56000 && bitrate_bps != 48000) {
    return Error{Errc::invalid_argument, "G722: bitrate " + std::to_string(bitrate_bps) + " (64000, 56000 or 48000)"};
  }
  Result<dsp::WaveformPlc> plc = dsp::WaveformPlc::create(kSampleRateHz);
  if (!plc) return std::move(plc).error();
  // RFC 3551 §4.5.2: the payload is always the 64 kbit/s octet stream; we send mode 1 (64k).
  g722_encode_state_t* enc = g722_encode_init(nullptr, 64000, 0);
  g722_decode_state_t* dec = g722_decode_init(nullptr, static_cast<int>(bitrate_bps), 0);
  // The shadow encoder always runs at 64 kbit/s: the ADPCM state update uses only the bits every
  // mode carries (G.722 §3.3, the embedded 4-bit lower-band loop), so its state tracks any mode.
  g722_encode_state_t* shadow = resync == G722LossResync::reencode ? g722_encode_init(nullptr, 64000, 0) : nullptr;
  if (enc == nullptr || dec == nullptr || (resync == G722LossResync::reencode && shadow == nullptr)) {
    if (enc != nullptr) g722_encode_free(enc);
    if (dec != nullptr) g722_decode_free(dec);
    if (shadow != nullptr) g722_encode_free(shadow);
    return Error{Errc::internal, "G722: spandsp init failed"};
  }
  return std::unique_ptr<G722Codec>(new G722Codec(enc, dec, shadow, bitrate_bps, resync, std::move(*plc)));
}

G722Codec::G722Codec(g722_encode_state_s* enc, g722_decode_state_s* dec, g722_encode_state_s* shadow,
                     uint32_t bitrate_bps, G722LossResync resync, dsp::WaveformPlc plc) noexcept
    : enc_(enc), dec_(dec), shadow_(shadow), bitrate_bps_(bitrate_bps), resync_(resync), plc_(std::move(plc)) {}

G722Codec::~G722Codec() {
  g722_encode_free(enc_);
  g722_decode_free(dec_);
  if (shadow_ != nullptr) g722_encode_free(shadow_);
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

size_t G722Codec::decode_codes(std::span<const uint8_t> codes, int16_t* pcm) noexcept {
  if (bitrate_bps_ == 64000) {
    const int got = g722_decode(dec_, pcm, codes.data(), static_cast<int>(codes.size()));
    return got > 0 ? static_cast<size_t>(got) : 0;
  }
  // G.722 modes 2 and 3 (56 and 48 kbit/s): the lowest 1 or 2 bits of each octet carry
  // auxiliary data. spandsp takes those modes' codes right-aligned, so drop the aux bits first.
  const int shift = bitrate_bps_ == 56000 ? 1 : 2;
  size_t n = 0;
  for (size_t off = 0; off < codes.size(); off += aux_scratch_.size()) {
    const size_t chunk = std::min(aux_scratch_.size(), codes.size() - off);
    for (size_t i = 0; i < chunk; ++i) aux_scratch_[i] = static_cast<uint8_t>(codes[off + i] >> shift);
    const int got = g722_decode(dec_, pcm + n, aux_scratch_.data(), static_cast<int>(chunk));
    if (got <= 0) return 0;
    n += static_cast<size_t>(got);
  }
  return n;
}

CodecStatus G722Codec::decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                              size_t& samples_per_channel) noexcept {
  samples_per_channel = 0;
  if (payload.empty()) return CodecStatus::bad_payload;
  if (pcm.size() / 2 < payload.size()) return CodecStatus::buffer_too_small;
  const size_t n = decode_codes(payload, pcm.data());
  if (n == 0) return CodecStatus::bad_payload;
  samples_per_channel = n;
  in_loss_ = false;
  if (shadow_ != nullptr) {  // keep the QMF history a resync starts from
    if (n >= tail_.size()) {
      std::memcpy(tail_.data(), pcm.data() + n - tail_.size(), tail_.size() * sizeof(int16_t));
    } else {
      std::memmove(tail_.data(), tail_.data() + n, (tail_.size() - n) * sizeof(int16_t));
      std::memcpy(tail_.data() + tail_.size() - n, pcm.data(), n * sizeof(int16_t));
    }
  }
  plc_.observe_good(pcm.first(samples_per_channel));
  return CodecStatus::ok;
}

void G722Codec::resync_decoder(std::span<const int16_t> concealed) noexcept {
  if (!in_loss_) {
    // First concealed frame: the shadow encoder's analysis QMF takes the last decoded samples, then
    // its ADPCM bands take the decoder's state, so the codes it produces are the ones that move
    // this decoder along the concealed signal.
    g722_encode(shadow_, code_scratch_.data(), tail_.data(), static_cast<int>(tail_.size()));
    std::memcpy(shadow_->band, dec_->band, sizeof(shadow_->band));
    in_loss_ = true;
  }
  const size_t even = concealed.size() - concealed.size() % 2;  // G.722 codes pairs of samples
  for (size_t off = 0; off < even; off += pcm_scratch_.size()) {
    const size_t chunk = std::min(pcm_scratch_.size(), even - off);
    const int bytes = g722_encode(shadow_, code_scratch_.data(), concealed.data() + off, static_cast<int>(chunk));
    if (bytes <= 0) return;
    (void)decode_codes(std::span<const uint8_t>(code_scratch_).first(static_cast<size_t>(bytes)), pcm_scratch_.data());
  }
}

CodecStatus G722Codec::conceal(std::span<int16_t> pcm) noexcept {
  plc_.conceal(pcm);
  if (shadow_ != nullptr) resync_decoder(pcm);
  return CodecStatus::ok;
}

}  // namespace offhook
