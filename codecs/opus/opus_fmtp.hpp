// Opus SDP parameters, RFC 7587 §6.1 (a=fmtp) and §7 (offer/answer): parsing the peer's line and
// producing ours. Parsing never fails: unknown parameters and out-of-range values are ignored and the
// default applies, as RFC 7587 §7 and RFC 4566 §6 ask ("parameters not understood are ignored").
// Also reads a=ptime/a=maxptime values when a caller folds them into the same string.
//
// Control plane (SDP handling): any thread, allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace offhook {

struct OpusFmtp {
  // What the side that sent the line can receive (RFC 7587 §6.1 "receiver" parameters).
  uint32_t max_playback_rate_hz = 48000;  // maxplaybackrate, 8000..48000
  bool stereo = false;                    // stereo: it prefers to receive stereo
  bool use_inband_fec = false;            // useinbandfec: it can use FEC, send it
  bool use_dtx = false;                   // usedtx: it prefers we use DTX
  bool cbr = false;                       // cbr: it prefers constant bitrate
  std::optional<uint32_t> max_average_bitrate_bps;  // maxaveragebitrate, 6000..510000
  // What it sends (RFC 7587 "sprop" parameters).
  uint32_t sprop_max_capture_rate_hz = 48000;  // sprop-maxcapturerate, 8000..48000
  bool sprop_stereo = false;                   // sprop-stereo: it may send stereo
  // Packetisation (RFC 4566 a=ptime / a=maxptime, RFC 7587 §6.1: 3..120 ms), and minptime.
  std::optional<uint16_t> ptime_ms;
  std::optional<uint16_t> max_ptime_ms;
  std::optional<uint16_t> min_ptime_ms;
  int ignored = 0;  // parameters skipped: unknown names, malformed or out-of-range values
};

// Parses "maxplaybackrate=16000; stereo=1;useinbandfec=1" (whitespace and ';' separated,
// case-insensitive names).
OpusFmtp parse_opus_fmtp(std::string_view fmtp);

// Produces the a=fmtp value, only parameters that differ from the defaults, in RFC 7587 order;
// "" when all are defaults. ptime values are left out (they are a=ptime lines, not fmtp).
std::string format_opus_fmtp(const OpusFmtp& fmtp);

}  // namespace offhook
