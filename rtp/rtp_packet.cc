#include "rtp/rtp_packet.hpp"

#include <cstring>

namespace offhook::rtp {
namespace {

constexpr uint16_t load16(const uint8_t* p) noexcept {
  return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
constexpr uint32_t load32(const uint8_t* p) noexcept {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
void store16(uint8_t* p, uint16_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void store32(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace

const char* parse_status_name(ParseStatus status) noexcept {
  switch (status) {
    case ParseStatus::ok: return "ok";
    case ParseStatus::truncated: return "truncated";
    case ParseStatus::bad_version: return "bad_version";
    case ParseStatus::bad_padding: return "bad_padding";
    case ParseStatus::bad_extension: return "bad_extension";
  }
  return "unknown";
}

uint32_t RtpPacketView::csrc(size_t index) const noexcept {
  return load32(csrc_bytes.data() + 4 * index);
}

ParseStatus parse_rtp(std::span<const uint8_t> packet, RtpPacketView& out) noexcept {
  // RFC 3550 §5.1: V(2) P X CC(4) | M PT(7) | sequence(16) | timestamp(32) | SSRC(32) | CSRC*CC
  const size_t size = packet.size();
  if (size < kRtpFixedHeaderBytes) return ParseStatus::truncated;
  const uint8_t* p = packet.data();
  if ((p[0] >> 6) != 2) return ParseStatus::bad_version;
  const bool padding = (p[0] & 0x20) != 0;
  out.has_extension = (p[0] & 0x10) != 0;
  out.csrc_count = p[0] & 0x0f;
  out.marker = (p[1] & 0x80) != 0;
  out.payload_type = p[1] & 0x7f;
  out.sequence = SeqNum(load16(p + 2));
  out.timestamp = load32(p + 4);
  out.ssrc = load32(p + 8);

  size_t header = kRtpFixedHeaderBytes + 4 * size_t{out.csrc_count};
  if (size < header) return ParseStatus::truncated;
  out.csrc_bytes = packet.subspan(kRtpFixedHeaderBytes, 4 * size_t{out.csrc_count});

  out.extension_profile = 0;
  out.extension_data = {};
  if (out.has_extension) {
    // RFC 3550 §5.3.1: profile-defined(16) | length in 32-bit words, excluding this header(16)
    if (size < header + 4) return ParseStatus::truncated;
    out.extension_profile = load16(p + header);
    const size_t ext_bytes = 4 * size_t{load16(p + header + 2)};
    header += 4;
    if (size - header < ext_bytes) return ParseStatus::bad_extension;
    out.extension_data = packet.subspan(header, ext_bytes);
    header += ext_bytes;
  }
  out.header_bytes = header;

  out.padding_bytes = 0;
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    const uint8_t count = p[size - 1];
    if (count == 0 || count > size - header) return ParseStatus::bad_padding;
    out.padding_bytes = count;
  }
  out.payload = packet.subspan(header, size - header - out.padding_bytes);
  return ParseStatus::ok;
}

size_t rtp_packet_size(const RtpHeaderFields& f, size_t payload_bytes) noexcept {
  size_t size = kRtpFixedHeaderBytes + 4 * f.csrcs.size() + payload_bytes;
  if (f.has_extension) size += 4 + f.extension_data.size();
  if (f.pad_to_multiple > 1) {
    const size_t rem = size % f.pad_to_multiple;
    if (rem != 0) size += f.pad_to_multiple - rem;
  }
  return size;
}

size_t build_rtp(const RtpHeaderFields& f, std::span<const uint8_t> payload,
                 std::span<uint8_t> out) noexcept {
  if (f.payload_type > 127 || f.csrcs.size() > kRtpMaxCsrcs) return 0;
  if (f.has_extension && (f.extension_data.size() % 4 != 0 || f.extension_data.size() > 4 * 65535u))
    return 0;
  RtpHeaderFields unpadded_fields = f;
  unpadded_fields.pad_to_multiple = 0;
  const size_t unpadded = rtp_packet_size(unpadded_fields, payload.size());
  const size_t total = rtp_packet_size(f, payload.size());
  if (out.size() < total) return 0;
  const size_t pad = total - unpadded;  // < 256 since pad_to_multiple is a uint8_t

  uint8_t* p = out.data();
  p[0] = static_cast<uint8_t>(0x80 | (pad ? 0x20 : 0) | (f.has_extension ? 0x10 : 0) | f.csrcs.size());
  p[1] = static_cast<uint8_t>((f.marker ? 0x80 : 0) | f.payload_type);
  store16(p + 2, f.sequence.value());
  store32(p + 4, f.timestamp);
  store32(p + 8, f.ssrc);
  size_t at = kRtpFixedHeaderBytes;
  for (uint32_t csrc : f.csrcs) {
    store32(p + at, csrc);
    at += 4;
  }
  if (f.has_extension) {
    store16(p + at, f.extension_profile);
    store16(p + at + 2, static_cast<uint16_t>(f.extension_data.size() / 4));
    at += 4;
    if (!f.extension_data.empty()) std::memcpy(p + at, f.extension_data.data(), f.extension_data.size());
    at += f.extension_data.size();
  }
  if (!payload.empty()) std::memcpy(p + at, payload.data(), payload.size());
  at += payload.size();
  if (pad) {
    std::memset(p + at, 0, pad - 1);
    p[at + pad - 1] = static_cast<uint8_t>(pad);
    at += pad;
  }
  return at;
}

}  // namespace offhook::rtp
