#include "codecs/opus/opus_codec.hpp"

#include <opus.h>

#include <algorithm>
#include <cstring>

namespace offhook {
namespace {

// libopus's ctl macros cast through pointers; these wrappers keep the casts out of our code.
int enc_set(OpusEncoder* enc, int request, opus_int32 value) noexcept { return opus_encoder_ctl(enc, request, value); }
int enc_get(OpusEncoder* enc, int request) noexcept {
  opus_int32 value = 0;
  opus_encoder_ctl(enc, request, &value);
  return value;
}

bool valid_rate(uint32_t hz) { return hz == 8000 || hz == 12000 || hz == 16000 || hz == 24000 || hz == 48000; }

int bandwidth_for(uint32_t max_playback_rate_hz) {  // RFC 7587 §6.1 maxplaybackrate -> audio bandwidth
  if (max_playback_rate_hz <= 8000) return OPUS_BANDWIDTH_NARROWBAND;
  if (max_playback_rate_hz <= 12000) return OPUS_BANDWIDTH_MEDIUMBAND;
  if (max_playback_rate_hz <= 16000) return OPUS_BANDWIDTH_WIDEBAND;
  if (max_playback_rate_hz <= 24000) return OPUS_BANDWIDTH_SUPERWIDEBAND;
  return OPUS_BANDWIDTH_FULLBAND;
}

}  // namespace

Result<std::unique_ptr<OpusCodec>> OpusCodec::create(const CodecOptions& options) {
  CodecOptions o = options;
  if (o.sample_rate_hz == 0) o.sample_rate_hz = 48000;
  if (o.channels == 0) o.channels = 1;
  if (o.bitrate_bps == 0) o.bitrate_bps = kDefaultBitrateBps;
  if (o.complexity < 0) o.complexity = kDefaultComplexity;
  if (!valid_rate(o.sample_rate_hz)) {
    return Error{Errc::invalid_argument, "opus: rate " + std::to_string(o.sample_rate_hz) + " Hz (8000, 12000, 16000, 24000, 48000)"};
  }
  if (o.channels > 2) return Error{Errc::invalid_argument, "opus: " + std::to_string(o.channels) + " channels (1 or 2)"};
  if (o.bitrate_bps < 6000 || o.bitrate_bps > 510000) {
    return Error{Errc::invalid_argument, "opus: bitrate " + std::to_string(o.bitrate_bps) + " (6000..510000)"};
  }
  if (o.complexity > 10) return Error{Errc::invalid_argument, "opus: complexity " + std::to_string(o.complexity) + " (0..10)"};

  int err = OPUS_OK;
  OpusEncoder* enc = opus_encoder_create(static_cast<opus_int32>(o.sample_rate_hz), o.channels, OPUS_APPLICATION_VOIP, &err);
  if (enc == nullptr || err != OPUS_OK) return Error{Errc::internal, std::string("opus: encoder: ") + opus_strerror(err)};
  OpusDecoder* dec = opus_decoder_create(static_cast<opus_int32>(o.sample_rate_hz), o.channels, &err);
  if (dec == nullptr || err != OPUS_OK) {
    opus_encoder_destroy(enc);
    return Error{Errc::internal, std::string("opus: decoder: ") + opus_strerror(err)};
  }
  if (enc_set(enc, OPUS_SET_BITRATE_REQUEST, static_cast<opus_int32>(o.bitrate_bps)) != OPUS_OK ||
      enc_set(enc, OPUS_SET_COMPLEXITY_REQUEST, o.complexity) != OPUS_OK ||
      enc_set(enc, OPUS_SET_VBR_REQUEST, o.cbr ? 0 : 1) != OPUS_OK ||
      enc_set(enc, OPUS_SET_INBAND_FEC_REQUEST, o.fec ? 1 : 0) != OPUS_OK ||
      enc_set(enc, OPUS_SET_DTX_REQUEST, o.dtx ? 1 : 0) != OPUS_OK ||
      enc_set(enc, OPUS_SET_SIGNAL_REQUEST, OPUS_SIGNAL_VOICE) != OPUS_OK) {
    opus_encoder_destroy(enc);
    opus_decoder_destroy(dec);
    return Error{Errc::internal, "opus: encoder_ctl failed"};
  }
  return std::unique_ptr<OpusCodec>(new OpusCodec(enc, dec, o));
}

OpusCodec::OpusCodec(OpusEncoder* enc, OpusDecoder* dec, const CodecOptions& options) noexcept
    : enc_(enc), dec_(dec), rate_hz_(options.sample_rate_hz), channels_(options.channels), options_(options) {}

OpusCodec::~OpusCodec() {
  opus_encoder_destroy(enc_);
  opus_decoder_destroy(dec_);
}

std::string OpusCodec::sdp_fmtp() const {
  OpusFmtp f;
  f.min_ptime_ms = 10;
  f.use_inband_fec = true;  // our decoder always uses FEC
  f.use_dtx = options_.dtx;
  f.cbr = options_.cbr;
  f.stereo = channels_ == 2;
  f.sprop_stereo = channels_ == 2;
  f.max_playback_rate_hz = rate_hz_;
  f.sprop_max_capture_rate_hz = rate_hz_;
  if (options_.bitrate_bps != kDefaultBitrateBps) f.max_average_bitrate_bps = options_.bitrate_bps;
  return format_opus_fmtp(f);
}

bool OpusCodec::valid_frame(size_t samples_per_channel) const noexcept {
  // 2.5 ms units: 1, 2, 4, 8, 16, 24 (RFC 6716 §2.1.4).
  const size_t unit = rate_hz_ / 400;
  if (samples_per_channel == 0 || samples_per_channel % unit != 0) return false;
  const size_t units = samples_per_channel / unit;
  return units == 1 || units == 2 || units == 4 || units == 8 || units == 16 || units == 24;
}

CodecStatus OpusCodec::encode(std::span<const int16_t> pcm, std::span<uint8_t> out, size_t& written) noexcept {
  written = 0;
  if (pcm.size() % channels_ != 0 || !valid_frame(pcm.size() / channels_)) return CodecStatus::bad_input;
  if (out.empty()) return CodecStatus::buffer_too_small;
  const auto max_bytes = static_cast<opus_int32>(std::min(out.size(), kMaxPacketBytes));
  const opus_int32 n = opus_encode(enc_, pcm.data(), static_cast<int>(pcm.size() / channels_), out.data(), max_bytes);
  if (n == OPUS_BUFFER_TOO_SMALL) return CodecStatus::buffer_too_small;
  if (n <= 0) return CodecStatus::bad_input;
  written = static_cast<size_t>(n);
  return CodecStatus::ok;
}

CodecStatus OpusCodec::decode(std::span<const uint8_t> payload, std::span<int16_t> pcm,
                              size_t& samples_per_channel) noexcept {
  samples_per_channel = 0;
  if (payload.empty() || payload.size() > kMaxPacketBytes) return CodecStatus::bad_payload;
  const int n = opus_decoder_get_nb_samples(dec_, payload.data(), static_cast<opus_int32>(payload.size()));
  if (n <= 0) return CodecStatus::bad_payload;
  if (static_cast<size_t>(n) * channels_ > pcm.size()) return CodecStatus::buffer_too_small;
  const int got = opus_decode(dec_, payload.data(), static_cast<opus_int32>(payload.size()), pcm.data(), n, 0);
  if (got <= 0) return CodecStatus::bad_payload;
  samples_per_channel = static_cast<size_t>(got);
  return CodecStatus::ok;
}

CodecStatus OpusCodec::decode_fec(std::span<const uint8_t> next_payload, std::span<int16_t> pcm,
                                  size_t& samples_per_channel) noexcept {
  samples_per_channel = 0;
  const size_t per_channel = pcm.size() / channels_;
  if (next_payload.empty() || next_payload.size() > kMaxPacketBytes || per_channel % (rate_hz_ / 400) != 0 ||
      opus_decoder_get_nb_samples(dec_, next_payload.data(), static_cast<opus_int32>(next_payload.size())) <= 0) {
    samples_per_channel = per_channel;
    return conceal(pcm);
  }
  const int got = opus_decode(dec_, next_payload.data(), static_cast<opus_int32>(next_payload.size()), pcm.data(),
                              static_cast<int>(per_channel), 1);
  if (got <= 0) {
    samples_per_channel = per_channel;
    return conceal(pcm);
  }
  samples_per_channel = static_cast<size_t>(got);
  return CodecStatus::ok;
}

CodecStatus OpusCodec::conceal(std::span<int16_t> pcm) noexcept {
  const size_t unit = rate_hz_ / 400;  // 2.5 ms per channel
  size_t per_channel = pcm.size() / channels_;
  int16_t* out = pcm.data();
  // Whole 2.5 ms multiples straight into `pcm`, in chunks of at most 60 ms.
  const size_t max_chunk = unit * 24;
  while (per_channel >= unit) {
    const size_t chunk = std::min(per_channel - per_channel % unit, max_chunk);
    if (opus_decode(dec_, nullptr, 0, out, static_cast<int>(chunk), 0) <= 0) {
      std::fill(out, out + chunk * channels_, int16_t{0});
    }
    out += chunk * channels_;
    per_channel -= chunk;
  }
  // A tail shorter than 2.5 ms (and any odd sample of interleaved input): one more PLC frame, cut.
  const size_t tail = static_cast<size_t>(pcm.data() + pcm.size() - out);
  if (tail > 0) {
    if (opus_decode(dec_, nullptr, 0, scratch_.data(), static_cast<int>(unit), 0) <= 0) {
      std::fill(scratch_.begin(), scratch_.end(), int16_t{0});
    }
    std::memcpy(out, scratch_.data(), tail * sizeof(int16_t));
  }
  return CodecStatus::ok;
}

void OpusCodec::set_packet_loss_pct(int loss_pct) noexcept {
  enc_set(enc_, OPUS_SET_PACKET_LOSS_PERC_REQUEST, std::clamp(loss_pct, 0, 100));
}

Result<void> OpusCodec::apply_remote_fmtp(std::string_view fmtp) {
  remote_ = parse_opus_fmtp(fmtp);
  // RFC 7587 §7.1: the answerer's receive parameters bound what we send; anything unusable was
  // dropped by the parser and the default applies.
  enc_set(enc_, OPUS_SET_MAX_BANDWIDTH_REQUEST, bandwidth_for(remote_.max_playback_rate_hz));
  uint32_t bitrate = options_.bitrate_bps;
  if (remote_.max_average_bitrate_bps) bitrate = std::min(bitrate, *remote_.max_average_bitrate_bps);
  enc_set(enc_, OPUS_SET_BITRATE_REQUEST, static_cast<opus_int32>(bitrate));
  enc_set(enc_, OPUS_SET_FORCE_CHANNELS_REQUEST, channels_ == 2 && !remote_.stereo ? 1 : OPUS_AUTO);
  enc_set(enc_, OPUS_SET_INBAND_FEC_REQUEST, options_.fec && remote_.use_inband_fec ? 1 : 0);
  enc_set(enc_, OPUS_SET_DTX_REQUEST, options_.dtx || remote_.use_dtx ? 1 : 0);
  enc_set(enc_, OPUS_SET_VBR_REQUEST, options_.cbr || remote_.cbr ? 0 : 1);
  return {};
}

int OpusCodec::bitrate_bps() const noexcept { return enc_get(enc_, OPUS_GET_BITRATE_REQUEST); }
bool OpusCodec::fec_enabled() const noexcept { return enc_get(enc_, OPUS_GET_INBAND_FEC_REQUEST) != 0; }
bool OpusCodec::dtx_enabled() const noexcept { return enc_get(enc_, OPUS_GET_DTX_REQUEST) != 0; }
bool OpusCodec::vbr_enabled() const noexcept { return enc_get(enc_, OPUS_GET_VBR_REQUEST) != 0; }
int OpusCodec::complexity() const noexcept { return enc_get(enc_, OPUS_GET_COMPLEXITY_REQUEST); }
int OpusCodec::max_bandwidth() const noexcept { return enc_get(enc_, OPUS_GET_MAX_BANDWIDTH_REQUEST); }
int OpusCodec::force_channels() const noexcept { return enc_get(enc_, OPUS_GET_FORCE_CHANNELS_REQUEST); }
int OpusCodec::packet_loss_pct() const noexcept { return enc_get(enc_, OPUS_GET_PACKET_LOSS_PERC_REQUEST); }

}  // namespace offhook
