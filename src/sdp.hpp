// SDP (RFC 8866) parsing for audio media, as a SIP stack or a tool hands it to offhook: the
// session and media connection addresses, m=audio lines with their payload types, a=rtpmap,
// a=fmtp, a=ptime/maxptime, direction attributes, a=rtcp (RFC 3605), a=rtcp-mux (RFC 5761) and
// RFC 4568 a=crypto lines. Unknown attributes and non-audio media are kept out of the way, not
// errors. Malformed lines are errors naming the line number and what was wrong.
//
// Control thread only (allocates). Offer/answer and producing SDP come with the public API work.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "src/call_leg.hpp"

namespace offhook {

struct SdpCodec {
  uint8_t payload_type = 0;
  std::string name;            // a=rtpmap encoding name, or the RFC 3551 name of a static type
  uint32_t clock_rate_hz = 0;  // 0 when neither a=rtpmap nor a static type says
  uint16_t channels = 1;
  std::string fmtp;            // a=fmtp parameters, "" when none
};

struct SdpCrypto {
  uint32_t tag = 0;
  std::string suite;       // e.g. "AES_CM_128_HMAC_SHA1_80"
  std::string key_params;  // e.g. "inline:BASE64|2^31" (RFC 4568 §9.1)
};

struct SdpMedia {
  std::string media;                  // "audio", "video", ...
  uint16_t port = 0;                  // 0: the stream is rejected/disabled
  std::string protocol;               // "RTP/AVP", "RTP/SAVP", ...
  std::vector<SdpCodec> codecs;       // in m= line order (preference)
  std::optional<std::string> connection_address;  // media-level c=, else the session's
  MediaDirection direction = MediaDirection::sendrecv;
  bool rtcp_mux = false;
  std::optional<uint16_t> rtcp_port;  // RFC 3605 a=rtcp
  std::optional<uint32_t> ptime_ms;
  std::optional<uint32_t> maxptime_ms;
  std::vector<SdpCrypto> crypto;
};

struct SessionDescription {
  std::optional<std::string> connection_address;  // session-level c=
  std::vector<SdpMedia> media;
  // The first m=audio with a non-zero port, or nullptr.
  const SdpMedia* first_audio() const noexcept;
};

// Accepts CRLF or LF line ends (RFC 8866 §5 asks for CRLF; many tools write LF).
Result<SessionDescription> parse_sdp(std::string_view text);

}  // namespace offhook
