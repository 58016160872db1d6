// SDP (RFC 8866) parsing for audio media, as a SIP stack or a tool hands it to offhook: the
// session and media connection addresses, m=audio lines with their payload types, a=rtpmap,
// a=fmtp, a=ptime/maxptime, direction attributes, a=rtcp (RFC 3605), a=rtcp-mux (RFC 5761) and
// RFC 4568 a=crypto lines. Unknown attributes and non-audio media are kept out of the way, not
// errors. Malformed lines are errors naming the line number and what was wrong.
//
// Control thread only (allocates), not [rt]. Offer/answer (RFC 3264) and producing SDP live in
// src/sdp_negotiation.hpp.
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
  bool has_rtpmap = false;     // an a=rtpmap line described it (else static or unknown)
};

struct SdpCrypto {
  uint32_t tag = 0;
  std::string suite;       // e.g. "AES_CM_128_HMAC_SHA1_80"
  std::string key_params;  // e.g. "inline:BASE64|2^31" (RFC 4568 §9.1)
  std::string session_params;  // the optional session parameters after it, "" when none (§6.3)
};

struct SdpMedia {
  std::string media;                  // "audio", "video", ...
  uint16_t port = 0;                  // 0: the stream is rejected/disabled
  std::string protocol;               // "RTP/AVP", "RTP/SAVP", ...
  std::vector<SdpCodec> codecs;       // in m= line order (preference)
  std::vector<std::string> formats;   // the m= line's <fmt> tokens as written (also non-RTP media)
  std::optional<std::string> connection_address;  // media-level c=, else the session's
  MediaDirection direction = MediaDirection::sendrecv;
  bool rtcp_mux = false;
  std::optional<uint16_t> rtcp_port;  // RFC 3605 a=rtcp
  std::optional<std::string> rtcp_address;  // RFC 3605 a=rtcp:<port> IN IP4 <address>
  std::optional<uint32_t> ptime_ms;
  std::optional<uint32_t> maxptime_ms;
  std::vector<SdpCrypto> crypto;
};

// RFC 8866 §5.2 o=<username> <sess-id> <sess-version> IN <addrtype> <address>.
struct SdpOrigin {
  std::string username;
  std::string session_id;  // kept as text: up to 64-bit, some stacks write more digits
  uint64_t version = 0;
  std::string address;
};

struct SessionDescription {
  std::optional<SdpOrigin> origin;                 // absent when the text has no o= line
  std::optional<std::string> connection_address;  // session-level c=
  std::vector<SdpMedia> media;
  // The first m=audio with a non-zero port, or nullptr.
  const SdpMedia* first_audio() const noexcept;
};

// Accepts CRLF or LF line ends (RFC 8866 §5 asks for CRLF; many tools write LF). Errors are
// Errc::bad_format with a message naming the line and its type, e.g.
// "SDP line 7 (m=): port not a number"; they never echo a=crypto key material.
Result<SessionDescription> parse_sdp(std::string_view text);

}  // namespace offhook
