// Codec: one audio codec instance (encoder and decoder state together), plus the registry that
// creates them by SDP encoding name and describes them for SDP offers (RFC 3551 static payload
// types, dynamic ones from 96).
//
// Threads: create_codec(), the registry lookups, the SDP accessors and apply_remote_fmtp() run off
// the media thread (they allocate). encode(), decode(), decode_fec(), conceal() and
// set_packet_loss_pct() are [rt]: called by the media thread, noexcept, no allocation, no locks,
// status enums instead of Result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dsp/kernels.hpp"

namespace offhook {

enum class CodecStatus : uint8_t { ok, buffer_too_small, bad_payload, bad_input };

class Codec {  // one direction-agnostic codec instance; encode/decode/conceal are [rt] noexcept
 public:
  virtual ~Codec() = default;
  virtual std::string_view name() const noexcept = 0;        // SDP encoding name, e.g. "PCMU"
  virtual uint32_t clock_rate_hz() const noexcept = 0;       // RTP clock rate
  virtual uint32_t sample_rate_hz() const noexcept = 0;      // PCM rate in and out
  virtual uint16_t channels() const noexcept = 0;
  virtual std::span<const uint16_t> frame_sizes_ms() const noexcept = 0;  // allowed ptimes
  virtual std::optional<uint8_t> static_payload_type() const noexcept = 0;  // 0 for PCMU, 8 for PCMA
  virtual std::string sdp_rtpmap() const = 0;               // "PCMU/8000"
  virtual std::string sdp_fmtp() const = 0;                 // "" when none
  // Encodes interleaved PCM (a whole number of frames); writes payload bytes to `out`, sets `written`
  // (0 on error).
  virtual CodecStatus encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept = 0;
  // Decodes one RTP payload into `pcm`; sets `samples_per_channel` (0 on error).
  virtual CodecStatus decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                             size_t& samples_per_channel) noexcept = 0;
  // PLC hook: fills `pcm` (its whole size) with concealment for a lost packet.
  virtual CodecStatus conceal(std::span<int16_t> pcm) noexcept = 0;

  // --- Optional capabilities; the defaults describe a codec without them. ---

  // True when conceal() is the codec's own PLC (Opus, G.729) rather than offhook's waveform PLC.
  virtual bool has_internal_plc() const noexcept { return false; }
  // True when decode_fec() can recover a lost packet from the packet that follows it (Opus LBRR).
  virtual bool has_fec() const noexcept { return false; }
  // [rt] Recovers the lost packet just before `next_payload` from the redundancy that packet carries,
  // filling the whole of `pcm` (one lost packet's duration); conceals when there is none. The default
  // conceals. `next_payload` is then decoded normally with decode().
  virtual CodecStatus decode_fec(std::span<const uint8_t> next_payload, std::span<int16_t> pcm,
                                 size_t& samples_per_channel) noexcept {
    (void)next_payload;
    samples_per_channel = channels() == 0 ? 0 : pcm.size() / channels();
    return conceal(pcm);
  }
  // [rt] The loss rate the receiver measures (RTCP RR fraction lost, jitter buffer), 0..100; the
  // encoder may add redundancy for it. Ignored by codecs without FEC.
  virtual void set_packet_loss_pct(int loss_pct) noexcept { (void)loss_pct; }
  // The peer's a=fmtp parameters (what it can receive and what it sends), applied to our encoder and
  // decoder. Unknown or unsupported parameters fall back to defaults, never fail the call (RFC 7587
  // §7); Errc::invalid_argument only for a codec-specific impossibility. Default: ignored.
  virtual Result<void> apply_remote_fmtp(std::string_view fmtp) {
    (void)fmtp;
    return {};
  }
  // Largest payload encode() produces for the longest frame size, for sizing packet buffers.
  virtual size_t max_payload_bytes() const noexcept { return 1500; }
};

// Per-codec creation options; zero/empty means the codec's default. Only the fields a codec knows
// are read. Opus options follow RFC 7587 §6.1 names.
struct CodecOptions {
  uint32_t sample_rate_hz = 0;      // Opus: 8000, 12000, 16000, 24000 or 48000 (default 48000)
  uint16_t channels = 0;            // Opus: 1 or 2 (default 1)
  uint32_t bitrate_bps = 0;         // Opus: 6000..510000; G.722: 64000/56000/48000 (default 64000)
  int complexity = -1;              // Opus: 0..10 (default 9)
  bool cbr = false;                 // Opus: constant bitrate
  bool fec = true;                  // Opus: in-band FEC (LBRR)
  bool dtx = false;                 // Opus: discontinuous transmission; G.729: Annex B VAD/DTX
};

// One codec as SDP sees it: RFC 4566 a=rtpmap encoding name, clock rate and channels.
struct CodecInfo {
  std::string_view name;                 // canonical SDP spelling: "PCMU", "G722", "opus"
  uint32_t clock_rate_hz;                // RTP clock (8000 for G.722, RFC 3551 §4.5.2; 48000 for opus)
  uint16_t channels;                     // in a=rtpmap (opus is always "/2", RFC 7587 §7)
  std::optional<uint8_t> static_payload_type;  // RFC 3551 table 4: 0, 8, 9, 18
  std::string_view default_fmtp;         // what our offer carries, "" for none
};

// Case-insensitive SDP encoding name ("PCMU", "pcma", "G722", "opus", "G729");
// Error{Errc::not_supported, "unknown codec 'X'"} otherwise (also for G729 when built without
// bcg729). Errc::invalid_argument for options the codec cannot take. `kernels` must outlive the codec
// (kernels_for() tables live for the process).
Result<std::unique_ptr<Codec>> create_codec(std::string_view name, const dsp::Kernels& kernels);
Result<std::unique_ptr<Codec>> create_codec(std::string_view name, const dsp::Kernels& kernels,
                                            const CodecOptions& options);

// SDP encoding names create_codec() accepts, in offer preference order (wideband first).
std::span<const std::string_view> supported_codec_names();

// Every codec this build supports, in offer preference order: the capabilities for an SDP offer.
std::span<const CodecInfo> codec_capabilities();
// Lookup by a=rtpmap fields (name case-insensitive, RFC 4566 §6); `channels` 0 matches any. nullptr
// when unsupported.
const CodecInfo* find_codec(std::string_view name, uint32_t clock_rate_hz, uint16_t channels = 0);
// RFC 3551 static payload types we support (0 PCMU, 8 PCMA, 9 G722, 18 G729); nullptr otherwise.
const CodecInfo* find_static_payload_type(uint8_t payload_type);

// Payload type numbers for an offer: static ones where RFC 3551 has one, dynamic ones (96..127,
// RFC 3551 §3) in order for the rest.
struct PayloadTypeAssignment {
  const CodecInfo* codec;
  uint8_t payload_type;
};
std::vector<PayloadTypeAssignment> assign_payload_types(std::span<const CodecInfo> codecs);

// "a=rtpmap:" value for `info`, e.g. "G722/8000", "opus/48000/2" (RFC 4566 §6).
std::string rtpmap_for(const CodecInfo& info);

}  // namespace offhook
