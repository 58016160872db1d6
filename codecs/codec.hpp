// Codec: one audio codec instance (encoder and decoder state together), plus the registry that
// creates them by SDP encoding name.
//
// Threads: create_codec() and the SDP accessors run off the media thread (they allocate). encode(),
// decode() and conceal() are [rt]: called by the media thread, noexcept, no allocation, no locks,
// status enums instead of Result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

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
};

// Case-insensitive SDP encoding name ("PCMU", "pcma"); Error{Errc::not_supported, "unknown codec 'X'"}
// otherwise. `kernels` must outlive the codec (kernels_for() tables live for the process).
Result<std::unique_ptr<Codec>> create_codec(std::string_view name, const dsp::Kernels& kernels);

// SDP encoding names create_codec() accepts, in offer preference order.
std::span<const std::string_view> supported_codec_names();

}  // namespace offhook
