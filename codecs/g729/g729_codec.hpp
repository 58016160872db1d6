// G729Codec: ITU-T G.729 Annex A through bcg729, RTP payload per RFC 3551 §4.5.6: 8 kHz mono, 10 ms
// frames of 10 bytes, several per packet, optionally ending in one 2-byte Annex B SID (comfort-noise)
// frame. With CodecOptions::dtx the encoder runs Annex B VAD/DTX (silent frames become SID frames
// or nothing), and sdp_fmtp() says "annexb=yes", else "annexb=no" (RFC 4856 §2.1.9). Concealment is
// bcg729's own frame-erasure PLC. Built only with OFFHOOK_G729 (libbcg729).
//
// create() runs off the media thread (bcg729 allocates its contexts there); encode/decode/conceal
// are [rt]. Not thread-safe: one media thread owns an instance.
#pragma once

#include <array>
#include <memory>

#include "codecs/codec.hpp"

struct bcg729EncoderChannelContextStruct_struct;
struct bcg729DecoderChannelContextStruct_struct;

namespace offhook {

class G729Codec final : public Codec {
 public:
  static constexpr uint32_t kRateHz = 8000;
  static constexpr uint8_t kPayloadType = 18;
  static constexpr size_t kFrameSamples = 80;  // 10 ms
  static constexpr size_t kFrameBytes = 10;
  static constexpr size_t kSidBytes = 2;        // Annex B SID frame
  static constexpr size_t kMaxFrames = 12;      // 120 ms per packet at most

  // `annex_b`: run the Annex B VAD/DTX in the encoder.
  static Result<std::unique_ptr<G729Codec>> create(bool annex_b);
  ~G729Codec() override;
  G729Codec(const G729Codec&) = delete;
  G729Codec& operator=(const G729Codec&) = delete;

  std::string_view name() const noexcept override { return "G729"; }
  uint32_t clock_rate_hz() const noexcept override { return kRateHz; }
  uint32_t sample_rate_hz() const noexcept override { return kRateHz; }
  uint16_t channels() const noexcept override { return 1; }
  std::span<const uint16_t> frame_sizes_ms() const noexcept override { return kFrameSizesMs; }
  std::optional<uint8_t> static_payload_type() const noexcept override { return kPayloadType; }
  std::string sdp_rtpmap() const override { return "G729/8000"; }
  std::string sdp_fmtp() const override { return annex_b_ ? "annexb=yes" : "annexb=no"; }
  size_t max_payload_bytes() const noexcept override { return kMaxFrames * kFrameBytes; }
  bool has_internal_plc() const noexcept override { return true; }

  // [rt] `pcm`: whole 10 ms frames, at most kMaxFrames (bad_input otherwise). With Annex B the
  // payload may be shorter (SID or nothing for silence; `written` 0 means send nothing).
  CodecStatus encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept override;
  // [rt] N*10 bytes, optionally + 2 (SID); bad_payload for any other length, empty or oversized.
  CodecStatus decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                     size_t& samples_per_channel) noexcept override;
  // [rt] bcg729 frame-erasure concealment for the whole of `pcm`.
  CodecStatus conceal(std::span<int16_t> pcm) noexcept override;

 private:
  G729Codec(bcg729EncoderChannelContextStruct_struct* enc, bcg729DecoderChannelContextStruct_struct* dec,
            bool annex_b) noexcept;
  static constexpr std::array<uint16_t, 6> kFrameSizesMs = {10, 20, 30, 40, 50, 60};
  bcg729EncoderChannelContextStruct_struct* enc_;
  bcg729DecoderChannelContextStruct_struct* dec_;
  bool annex_b_;
  std::array<int16_t, kFrameSamples> scratch_{};
};

}  // namespace offhook
