// RTP packet parsing and building (RFC 3550 §5.1, header extension §5.3.1), and the RTP/RTCP
// demultiplexing test of RFC 5761 §4.
//
// Network thread (parse after SRTP unprotect, build before protect); also usable on the media
// thread. Everything here is [rt]: noexcept, no allocation. The parser never asserts on input: it
// returns a ParseStatus, and a view that points into the caller's buffer (no copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/seq.hpp"

namespace offhook::rtp {

inline constexpr size_t kRtpFixedHeaderBytes = 12;
inline constexpr size_t kRtpMaxCsrcs = 15;

enum class ParseStatus : uint8_t {
  ok,
  truncated,      // shorter than the fixed header, the CSRC list or the extension header
  bad_version,    // V != 2
  bad_padding,    // P set with a padding count of 0 or larger than what follows the header
  bad_extension,  // X set and the extension length runs past the end of the packet
};

const char* parse_status_name(ParseStatus status) noexcept;

// A parsed packet. All spans point into the buffer given to parse_rtp(), which must outlive it.
struct RtpPacketView {
  bool marker = false;
  uint8_t payload_type = 0;
  SeqNum sequence{};
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  uint8_t csrc_count = 0;
  std::span<const uint8_t> csrc_bytes;  // 4 * csrc_count bytes, network order; see csrc()
  bool has_extension = false;
  uint16_t extension_profile = 0;             // RFC 3550 §5.3.1 "defined by profile"
  std::span<const uint8_t> extension_data;    // 4 * length bytes after the extension header
  uint8_t padding_bytes = 0;                  // including the count byte itself; 0 without P
  size_t header_bytes = 0;                    // fixed header + CSRCs + extension
  std::span<const uint8_t> payload;           // between the header and the padding

  // `index` < csrc_count.
  uint32_t csrc(size_t index) const noexcept;
};

// RFC 3550 §5.1. On any status other than ok, `out` is unspecified.
ParseStatus parse_rtp(std::span<const uint8_t> packet, RtpPacketView& out) noexcept;

struct RtpHeaderFields {
  bool marker = false;
  uint8_t payload_type = 0;  // 0..127
  SeqNum sequence{};
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  std::span<const uint32_t> csrcs{};  // at most kRtpMaxCsrcs
  bool has_extension = false;
  uint16_t extension_profile = 0;
  std::span<const uint8_t> extension_data{};  // a multiple of 4 bytes, at most 4 * 65535
  // Pads the whole packet to a multiple of `pad_to_multiple` bytes (RFC 3550 §5.1 P bit); 0 or 1
  // means no padding. The padding is zeros followed by the count byte.
  uint8_t pad_to_multiple = 0;
};

// Size of the packet build_rtp() would write.
size_t rtp_packet_size(const RtpHeaderFields& fields, size_t payload_bytes) noexcept;

// Writes header, `payload` and padding into `out`. Returns the bytes written, or 0 when `out` is
// too small or `fields` is invalid (payload_type > 127, too many CSRCs, extension not a multiple
// of 4). `payload` may alias neither `out` nor the extension data.
size_t build_rtp(const RtpHeaderFields& fields, std::span<const uint8_t> payload,
                 std::span<uint8_t> out) noexcept;

// RFC 5761 §4: on a muxed port, a packet whose second byte (with the marker bit cleared) is in
// 64..95 is RTCP (RTCP packet types 192..223); RTP must not use those payload types. Checks the
// version too, so garbage is not called RTCP.
constexpr bool looks_like_rtcp(std::span<const uint8_t> packet) noexcept {
  if (packet.size() < 4 || (packet[0] >> 6) != 2) return false;
  const uint8_t pt = packet[1] & 0x7f;
  return pt >= 64 && pt <= 95;
}

}  // namespace offhook::rtp
