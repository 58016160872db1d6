// G722Codec: ITU-T G.722 wideband ADPCM through spandsp (bit-exact with the ITU reference), RFC 3551
// §4.5.2. Audio is sampled at 16 kHz but, by RFC 3551's historical quirk, the RTP clock runs at 8000
// Hz: one payload byte per two samples, and the RTP timestamp advances by half the sample count.
// Encodes at 64 kbit/s; decodes the 64, 56 or 48 kbit/s modes (CodecOptions::bitrate_bps; the lower
// modes carry auxiliary data in the low bits of each byte, which the decoder ignores). Concealment is
// offhook's pitch-based waveform PLC (dsp/plc) at 16 kHz.
//
// After a loss the ADPCM decoder's state (predictor coefficients, step sizes, signal history) is the
// encoder's state from before the loss. G722LossResync::reencode makes conceal() also run the
// concealed signal through a shadow encoder started from the decoder's band state and feed the codes
// it produces to the real decoder, so the decoder state follows the concealment through the loss
// (the kind of decoder-state update the G.722 PLC appendices describe). Measured on 10 % loss (docs/codecs.md,
// G722Codec.RecoversAfterLoss) the stale state resynchronises better: the concealed waveform is
// not the lost one, and predictor coefficients learnt from it mislead the decoder for longer than
// the 20 ms old ones do. So the default is G722LossResync::none; the resync is kept, measured in
// the same test, for comparison with a better PLC.
//
// create() runs off the media thread (spandsp allocates its state there); encode/decode/conceal are
// [rt]. Not thread-safe: one media thread owns an instance.
#pragma once

#include <array>
#include <memory>

#include "codecs/codec.hpp"
#include "dsp/plc/waveform_plc.hpp"

struct g722_encode_state_s;
struct g722_decode_state_s;

namespace offhook {

// What conceal() does to the ADPCM decoder state (see the header comment).
enum class G722LossResync : uint8_t {
  none,      // the decoder keeps its pre-loss state; only the output is concealed (default)
  reencode,  // the concealed signal is re-encoded and decoded to advance the decoder state
};

class G722Codec final : public Codec {
 public:
  static constexpr uint32_t kSampleRateHz = 16000;
  static constexpr uint32_t kClockRateHz = 8000;  // RFC 3551 §4.5.2
  static constexpr uint8_t kPayloadType = 9;
  static constexpr size_t kMaxFrameSamples = kSampleRateHz / 1000 * 60;  // 60 ms

  // `bitrate_bps`: 64000 (default when 0), 56000 or 48000; Errc::invalid_argument otherwise.
  static Result<std::unique_ptr<G722Codec>> create(uint32_t bitrate_bps = 0,
                                                  G722LossResync resync = G722LossResync::none);
  ~G722Codec() override;
  G722Codec(const G722Codec&) = delete;
  G722Codec& operator=(const G722Codec&) = delete;

  std::string_view name() const noexcept override { return "G722"; }
  uint32_t clock_rate_hz() const noexcept override { return kClockRateHz; }
  uint32_t sample_rate_hz() const noexcept override { return kSampleRateHz; }
  uint16_t channels() const noexcept override { return 1; }
  std::span<const uint16_t> frame_sizes_ms() const noexcept override { return kFrameSizesMs; }
  std::optional<uint8_t> static_payload_type() const noexcept override { return kPayloadType; }
  std::string sdp_rtpmap() const override { return "G722/8000"; }
  std::string sdp_fmtp() const override { return {}; }
  size_t max_payload_bytes() const noexcept override { return kMaxFrameSamples / 2; }

  // [rt] `pcm` must hold an even number of samples (bad_input otherwise, or when empty);
  // buffer_too_small if `out` has fewer than pcm.size()/2 bytes.
  CodecStatus encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept override;
  // [rt] Two samples per payload byte; bad_payload when empty, buffer_too_small when `pcm` is short.
  CodecStatus decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                     size_t& samples_per_channel) noexcept override;
  // [rt] Waveform substitution, fading to comfort noise after 10 ms; merged into the next good frame.
  // With G722LossResync::reencode, also advances the decoder state through the concealed audio
  // (one extra G.722 encode and decode of `pcm`).
  CodecStatus conceal(std::span<int16_t> pcm) noexcept override;

  uint32_t decode_bitrate_bps() const noexcept { return bitrate_bps_; }
  G722LossResync loss_resync() const noexcept { return resync_; }

 private:
  static constexpr size_t kQmfHistorySamples = 24;  // the G.722 QMF has 24 taps

  G722Codec(g722_encode_state_s* enc, g722_decode_state_s* dec, g722_encode_state_s* shadow,
            uint32_t bitrate_bps, G722LossResync resync, dsp::WaveformPlc plc) noexcept;
  // [rt] Decodes `codes` (64 kbit/s octets) into `pcm`, dropping the aux bits in the 56/48k modes.
  size_t decode_codes(std::span<const uint8_t> codes, int16_t* pcm) noexcept;
  // [rt] Advances dec_ through `concealed` via the shadow encoder.
  void resync_decoder(std::span<const int16_t> concealed) noexcept;

  static constexpr std::array<uint16_t, 6> kFrameSizesMs = {10, 20, 30, 40, 50, 60};
  g722_encode_state_s* enc_;
  g722_decode_state_s* dec_;
  g722_encode_state_s* shadow_;  // re-encodes concealment; nullptr with G722LossResync::none
  uint32_t bitrate_bps_;
  G722LossResync resync_;
  dsp::WaveformPlc plc_;
  bool in_loss_ = false;  // conceal() ran since the last decode()
  std::array<int16_t, kQmfHistorySamples> tail_{};  // the last decoded samples, oldest first
  std::array<uint8_t, 160> aux_scratch_{};   // 56/48 kbit/s decoding: octets with the aux bits removed
  std::array<uint8_t, 160> code_scratch_{};  // resync: the concealment re-encoded
  std::array<int16_t, 320> pcm_scratch_{};   // resync: the decoder's (discarded) output
};

}  // namespace offhook
