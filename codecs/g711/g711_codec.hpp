// G711Codec: PCMU (µ-law) and PCMA (A-law), RFC 3551 §4.5.14, on the dsp kernels. 8 kHz mono, one
// byte per sample, so any sample count is a whole number of frames.
//
// Created off the media thread; encode/decode/conceal are [rt]. Not thread-safe: one media thread
// owns an instance.
#pragma once

#include <array>
#include <cstdint>

#include "codecs/codec.hpp"
#include "dsp/kernels.hpp"
#include "dsp/plc/waveform_plc.hpp"

namespace offhook {

class G711Codec final : public Codec {
 public:
  enum class Law : uint8_t { ulaw, alaw };

  // `kernels` must outlive the codec.
  G711Codec(Law law, const dsp::Kernels& kernels) noexcept;

  std::string_view name() const noexcept override { return law_ == Law::ulaw ? "PCMU" : "PCMA"; }
  uint32_t clock_rate_hz() const noexcept override { return kRateHz; }
  uint32_t sample_rate_hz() const noexcept override { return kRateHz; }
  uint16_t channels() const noexcept override { return 1; }
  std::span<const uint16_t> frame_sizes_ms() const noexcept override { return kFrameSizesMs; }
  std::optional<uint8_t> static_payload_type() const noexcept override {
    return law_ == Law::ulaw ? uint8_t{0} : uint8_t{8};
  }
  std::string sdp_rtpmap() const override { return std::string(name()) + "/8000"; }
  std::string sdp_fmtp() const override { return {}; }

  // [rt] buffer_too_small if `out` is shorter than `pcm`; bad_input for empty `pcm`.
  CodecStatus encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept override;
  // [rt] buffer_too_small if `payload` is longer than `pcm`; bad_payload for an empty payload.
  CodecStatus decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                     size_t& samples_per_channel) noexcept override;
  // [rt] Pitch-based waveform substitution (dsp/plc, G.711 Appendix I style): the last pitch period
  // repeated at full level for 10 ms, then fading into comfort noise by 60 ms; silence before
  // anything was decoded. The next good frame is cross-faded in.
  CodecStatus conceal(std::span<int16_t> pcm) noexcept override;

  static constexpr uint32_t kRateHz = 8000;

 private:
  static constexpr std::array<uint16_t, 6> kFrameSizesMs = {10, 20, 30, 40, 50, 60};

  Law law_;
  void (*encode_)(const int16_t* in, uint8_t* out, size_t n);
  void (*decode_)(const uint8_t* in, int16_t* out, size_t n);
  dsp::WaveformPlc plc_;
};

}  // namespace offhook
