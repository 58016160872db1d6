// RTCP packet parsing and building (RFC 3550 §6.4-§6.7: SR, RR, SDES, BYE, APP; compound packets
// §6.1; RTCP-XR header RFC 3611 §2). Block-level XR content is in rtcp_xr.hpp.
//
// Network thread (parse after SRTCP unprotect, build before protect); also usable on the media
// thread. Everything here is [rt]: noexcept, no allocation. Parsers never assert on input: they
// return an RtcpStatus and views that point into the caller's buffer (no copy), and never read
// outside it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace offhook::rtp {

// RFC 3550 §12.1 and RFC 3611 §2.
enum class RtcpType : uint8_t { sr = 200, rr = 201, sdes = 202, bye = 203, app = 204, xr = 207 };

inline constexpr size_t kRtcpHeaderBytes = 4;
inline constexpr size_t kRtcpReportBlockBytes = 24;
inline constexpr size_t kRtcpMaxCount = 31;           // the 5-bit RC/SC field
inline constexpr size_t kRtcpMaxCompoundPackets = 16;  // more than this in one datagram: rejected

enum class RtcpStatus : uint8_t {
  ok,
  truncated,        // shorter than a header, or a length field points past the end
  bad_version,      // V != 2
  bad_length,       // the body does not match what the count says, or trailing bytes remain
  bad_padding,      // P set on a packet that is not the last, or a bad padding count
  bad_first_packet, // RFC 3550 §6.1: a compound packet starts with SR or RR
  too_many_packets, // more than kRtcpMaxCompoundPackets in one compound packet
  wrong_type,       // a typed parser was given a packet of another type
};

const char* rtcp_status_name(RtcpStatus status) noexcept;

namespace detail {
constexpr uint16_t load16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
constexpr uint32_t load32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
constexpr uint64_t load64(const uint8_t* p) noexcept {
  return (uint64_t{load32(p)} << 32) | load32(p + 4);
}
constexpr void store16(uint8_t* p, uint16_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
constexpr void store32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
constexpr void store64(uint8_t* p, uint64_t v) noexcept {
  store32(p, static_cast<uint32_t>(v >> 32));
  store32(p + 4, static_cast<uint32_t>(v));
}
}  // namespace detail

// One RTCP packet inside a compound packet (RFC 3550 §6.4.1 common header).
struct RtcpPacketRef {
  uint8_t count;            // RC, SC or subtype (5 bits)
  uint8_t packet_type;      // RtcpType values, or anything else (unknown types are kept, not parsed)
  uint8_t padding_bytes;                   // including the count byte; 0 without P
  std::span<const uint8_t> whole;          // header .. end of padding
  std::span<const uint8_t> body;           // after the 4-byte header, without padding
};

// A compound packet split into its packets. Only the first packet_count entries are set (the
// array is left uninitialised on purpose: parsing is on the per-packet path).
struct RtcpCompoundView {
  std::array<RtcpPacketRef, kRtcpMaxCompoundPackets> packets;
  size_t packet_count = 0;
};

// RFC 3550 §6.1 / §A.2 validity checks: version 2 everywhere, lengths add up to the datagram,
// padding only on the last packet. `require_report_first`: the first packet must be SR or RR (off
// for RFC 5506 reduced-size RTCP). Unknown packet types are accepted and kept.
RtcpStatus parse_rtcp_compound(std::span<const uint8_t> datagram, RtcpCompoundView& out,
                               bool require_report_first = true) noexcept;

// RFC 3550 §6.4.1: NTP timestamp, RTP timestamp, counts.
struct SenderInfo {
  uint64_t ntp_timestamp = 0;  // 32.32 fixed point seconds since 1900
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
};

// RFC 3550 §6.4.1 report block.
struct ReportBlock {
  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;
  int32_t cumulative_lost = 0;  // 24-bit signed on the wire
  uint32_t extended_highest_seq = 0;
  uint32_t jitter = 0;
  uint32_t last_sr = 0;         // LSR: middle 32 bits of the NTP timestamp of the last SR
  uint32_t delay_since_last_sr = 0;  // DLSR, 1/65536 s
};

// SR or RR. Report blocks are decoded on demand by block(i).
struct ReportView {
  bool is_sender_report = false;
  uint32_t ssrc = 0;
  SenderInfo sender{};                     // SR only
  uint8_t block_count = 0;
  std::span<const uint8_t> block_bytes;    // 24 * block_count
  std::span<const uint8_t> extension;      // profile-specific extension (§6.4.1), may be empty

  ReportBlock block(size_t index) const noexcept;  // `index` < block_count
};
RtcpStatus parse_report(const RtcpPacketRef& packet, ReportView& out) noexcept;

// SDES (§6.5): per chunk its SSRC and, if present, the CNAME item (other items are skipped).
inline constexpr uint8_t kSdesCname = 1;
struct SdesView {
  struct Chunk {
    uint32_t ssrc;
    std::span<const uint8_t> cname;  // empty when the chunk has no CNAME
  };
  std::array<Chunk, kRtcpMaxCount> chunks;  // first chunk_count set
  uint8_t chunk_count = 0;
};
RtcpStatus parse_sdes(const RtcpPacketRef& packet, SdesView& out) noexcept;

// BYE (§6.6).
struct ByeView {
  uint8_t ssrc_count = 0;
  std::span<const uint8_t> ssrc_bytes;  // 4 * ssrc_count
  std::span<const uint8_t> reason;      // may be empty
  uint32_t ssrc(size_t index) const noexcept { return detail::load32(ssrc_bytes.data() + 4 * index); }
};
RtcpStatus parse_bye(const RtcpPacketRef& packet, ByeView& out) noexcept;

// APP (§6.7).
struct AppView {
  uint8_t subtype = 0;
  uint32_t ssrc = 0;
  std::array<char, 4> name{};
  std::span<const uint8_t> data;  // a multiple of 4 bytes
};
RtcpStatus parse_app(const RtcpPacketRef& packet, AppView& out) noexcept;

// XR (RFC 3611 §2): the sender SSRC and the report blocks, walked with next_xr_block().
struct XrView {
  uint32_t ssrc = 0;
  std::span<const uint8_t> blocks;
};
RtcpStatus parse_xr(const RtcpPacketRef& packet, XrView& out) noexcept;

// RFC 3611 §3: one report block: BT, type-specific byte, contents after the 4-byte block header.
struct XrBlockRef {
  uint8_t block_type = 0;
  uint8_t type_specific = 0;
  std::span<const uint8_t> contents;
};
// Takes the next block off the front of `rest`. `ok` with `rest` shorter, or a failure status.
RtcpStatus next_xr_block(std::span<const uint8_t>& rest, XrBlockRef& out) noexcept;

// Writes a compound packet into a caller buffer. Every add_* returns false (and writes nothing)
// when the packet does not fit or the arguments are invalid; size() is what was written so far.
class RtcpWriter {
 public:
  explicit RtcpWriter(std::span<uint8_t> buffer) noexcept : buf_(buffer) {}

  bool add_sender_report(uint32_t ssrc, const SenderInfo& info,
                         std::span<const ReportBlock> blocks) noexcept;
  bool add_receiver_report(uint32_t ssrc, std::span<const ReportBlock> blocks) noexcept;
  // One chunk with CNAME (1..255 bytes), RFC 3550 §6.5.1.
  bool add_sdes_cname(uint32_t ssrc, std::string_view cname) noexcept;
  bool add_bye(std::span<const uint32_t> ssrcs, std::string_view reason = {}) noexcept;
  // `data` must be a multiple of 4 bytes; `subtype` < 32.
  bool add_app(uint8_t subtype, uint32_t ssrc, std::array<char, 4> name,
               std::span<const uint8_t> data) noexcept;
  // `blocks`: already encoded XR report blocks (rtcp_xr.hpp), a multiple of 4 bytes.
  bool add_xr(uint32_t ssrc, std::span<const uint8_t> blocks) noexcept;

  size_t size() const noexcept { return size_; }
  std::span<const uint8_t> bytes() const noexcept { return buf_.first(size_); }

 private:
  uint8_t* begin_packet(size_t total_bytes, uint8_t count, RtcpType type) noexcept;
  void write_block(uint8_t* p, const ReportBlock& b) noexcept;

  std::span<uint8_t> buf_;
  size_t size_ = 0;
};

// RFC 3550 §4: the middle 32 bits of a 64-bit NTP timestamp (the LSR and RRTR form).
constexpr uint32_t ntp_middle32(uint64_t ntp) noexcept { return static_cast<uint32_t>(ntp >> 16); }

}  // namespace offhook::rtp
