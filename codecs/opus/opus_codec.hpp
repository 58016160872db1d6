// OpusCodec: Opus (RFC 6716) through libopus, RTP payload per RFC 7587. PCM at 8, 12, 16, 24 or 48
// kHz, mono or stereo; frames of 2.5..60 ms; VBR or CBR, complexity, bitrate; in-band FEC (LBRR)
// with decode_fec() for the packet before a received one; DTX; the encoder is told the measured
// loss rate. The RTP clock is always 48000 and a=rtpmap always says "opus/48000/2" (RFC 7587 §7),
// whatever the PCM rate and channel count. Concealment is libopus's own PLC.
//
// create() and the SDP methods run off the media thread (libopus allocates its state in create);
// encode/decode/decode_fec/conceal/set_packet_loss_pct are [rt] (libopus uses only its state and
// the stack). Not thread-safe: one media thread owns an instance.
#pragma once

#include <array>
#include <memory>

#include "codecs/codec.hpp"
#include "codecs/opus/opus_fmtp.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace offhook {

class OpusCodec final : public Codec {
 public:
  static constexpr uint32_t kClockRateHz = 48000;     // RFC 7587 §4.1
  static constexpr uint32_t kDefaultBitrateBps = 32000;
  static constexpr int kDefaultComplexity = 9;
  static constexpr size_t kMaxPacketBytes = 1275 * 3;  // RFC 6716 §3.2.1 code 3, 60 ms at 510 kbit/s
  static constexpr size_t kMaxFrameMs = 60;

  // Errc::invalid_argument for a rate, channel count, bitrate, complexity or frame size libopus
  // does not take; Errc::internal if libopus fails.
  static Result<std::unique_ptr<OpusCodec>> create(const CodecOptions& options);
  ~OpusCodec() override;
  OpusCodec(const OpusCodec&) = delete;
  OpusCodec& operator=(const OpusCodec&) = delete;

  std::string_view name() const noexcept override { return "opus"; }
  uint32_t clock_rate_hz() const noexcept override { return kClockRateHz; }
  uint32_t sample_rate_hz() const noexcept override { return rate_hz_; }
  uint16_t channels() const noexcept override { return channels_; }
  std::span<const uint16_t> frame_sizes_ms() const noexcept override { return kFrameSizesMs; }
  std::optional<uint8_t> static_payload_type() const noexcept override { return std::nullopt; }
  std::string sdp_rtpmap() const override { return "opus/48000/2"; }
  // Our receive capabilities and send properties (RFC 7587 §6.1), e.g.
  // "minptime=10;useinbandfec=1" or with maxplaybackrate/stereo/usedtx/cbr when configured.
  std::string sdp_fmtp() const override;
  size_t max_payload_bytes() const noexcept override { return kMaxPacketBytes; }
  bool has_internal_plc() const noexcept override { return true; }
  bool has_fec() const noexcept override { return true; }

  // [rt] `pcm`: one Opus frame (2.5, 5, 10, 20, 40 or 60 ms at sample_rate_hz, interleaved);
  // bad_input otherwise. Writes 1..3 bytes while DTX suppresses a silent frame.
  CodecStatus encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept override;
  // [rt] bad_payload for an empty, oversized or corrupt packet (the caller conceals);
  // buffer_too_small when the packet's duration does not fit `pcm`.
  CodecStatus decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                     size_t& samples_per_channel) noexcept override;
  // [rt] Decodes the LBRR data in `next_payload` for the lost packet before it, filling all of
  // `pcm` (libopus falls back to its PLC when the packet carries no FEC). `pcm` per channel must be
  // a multiple of 2.5 ms; otherwise it conceals.
  CodecStatus decode_fec(std::span<const uint8_t> next_payload, std::span<int16_t> pcm,
                         size_t& samples_per_channel) noexcept override;
  // [rt] libopus PLC for the whole of `pcm` (any length; 2.5 ms steps internally).
  CodecStatus conceal(std::span<int16_t> pcm) noexcept override;
  // [rt] OPUS_SET_PACKET_LOSS_PERC: more LBRR bits as loss rises (with FEC on).
  void set_packet_loss_pct(int loss_pct) noexcept override;
  // RFC 7587 §7 answer handling: maxplaybackrate caps our encoded bandwidth, maxaveragebitrate caps
  // our bitrate, stereo=0 makes us encode mono, useinbandfec/usedtx/cbr switch those encoder modes.
  // Never fails: what we cannot honour falls back to defaults.
  Result<void> apply_remote_fmtp(std::string_view fmtp) override;

  // Encoder settings after create() and apply_remote_fmtp(), read back from libopus.
  int bitrate_bps() const noexcept;
  bool fec_enabled() const noexcept;
  bool dtx_enabled() const noexcept;
  bool vbr_enabled() const noexcept;
  int complexity() const noexcept;
  int max_bandwidth() const noexcept;   // OPUS_BANDWIDTH_* constant
  int force_channels() const noexcept;  // OPUS_AUTO or 1
  int packet_loss_pct() const noexcept;
  const OpusFmtp& remote_fmtp() const noexcept { return remote_; }

 private:
  OpusCodec(OpusEncoder* enc, OpusDecoder* dec, const CodecOptions& options) noexcept;
  static constexpr std::array<uint16_t, 4> kFrameSizesMs = {10, 20, 40, 60};
  bool valid_frame(size_t samples_per_channel) const noexcept;

  OpusEncoder* enc_;
  OpusDecoder* dec_;
  uint32_t rate_hz_;
  uint16_t channels_;
  CodecOptions options_;
  OpusFmtp remote_;
  std::array<int16_t, 48000 / 400 * 2> scratch_{};  // one 2.5 ms stereo frame at 48 kHz
};

}  // namespace offhook
