#include "rtp/rtcp_packet.hpp"

#include <cstring>

namespace offhook::rtp {

using detail::load16;
using detail::load32;
using detail::load64;
using detail::store16;
using detail::store32;
using detail::store64;

const char* rtcp_status_name(RtcpStatus status) noexcept {
  switch (status) {
    case RtcpStatus::ok: return "ok";
    case RtcpStatus::truncated: return "truncated";
    case RtcpStatus::bad_version: return "bad version";
    case RtcpStatus::bad_length: return "bad length";
    case RtcpStatus::bad_padding: return "bad padding";
    case RtcpStatus::bad_first_packet: return "bad first packet";
    case RtcpStatus::too_many_packets: return "too many packets";
    case RtcpStatus::wrong_type: return "wrong type";
  }
  return "unknown";
}

RtcpStatus parse_rtcp_compound(std::span<const uint8_t> datagram, RtcpCompoundView& out,
                               bool require_report_first) noexcept {
  out.packet_count = 0;
  if (datagram.size() < kRtcpHeaderBytes) return RtcpStatus::truncated;
  size_t pos = 0;
  while (pos < datagram.size()) {
    const size_t left = datagram.size() - pos;
    if (left < kRtcpHeaderBytes) return RtcpStatus::truncated;
    const uint8_t* p = datagram.data() + pos;
    if ((p[0] >> 6) != 2) return RtcpStatus::bad_version;
    // RFC 3550 §6.4.1: length in 32-bit words minus one, including header and padding.
    const size_t bytes = (size_t{load16(p + 2)} + 1) * 4;
    if (bytes > left) return RtcpStatus::truncated;
    if (out.packet_count == kRtcpMaxCompoundPackets) return RtcpStatus::too_many_packets;
    RtcpPacketRef& r = out.packets[out.packet_count];
    r.count = p[0] & 0x1f;
    r.packet_type = p[1];
    r.padding_bytes = 0;
    r.whole = datagram.subspan(pos, bytes);
    if ((p[0] & 0x20) != 0) {
      // §6.4.1: only the last packet of a compound packet may be padded.
      if (bytes != left) return RtcpStatus::bad_padding;
      const uint8_t pad = p[bytes - 1];
      if (pad == 0 || pad > bytes - kRtcpHeaderBytes) return RtcpStatus::bad_padding;
      r.padding_bytes = pad;
    }
    r.body = r.whole.subspan(kRtcpHeaderBytes, bytes - kRtcpHeaderBytes - r.padding_bytes);
    if (out.packet_count == 0 && require_report_first && r.packet_type != uint8_t(RtcpType::sr) &&
        r.packet_type != uint8_t(RtcpType::rr)) {
      return RtcpStatus::bad_first_packet;
    }
    ++out.packet_count;
    pos += bytes;
  }
  return RtcpStatus::ok;
}

ReportBlock ReportView::block(size_t index) const noexcept {
  const uint8_t* p = block_bytes.data() + index * kRtcpReportBlockBytes;
  ReportBlock b;
  b.ssrc = load32(p);
  b.fraction_lost = p[4];
  // 24-bit two's complement, sign-extended.
  uint32_t lost = (uint32_t{p[5]} << 16) | (uint32_t{p[6]} << 8) | p[7];
  if ((lost & 0x800000u) != 0) lost |= 0xff000000u;
  b.cumulative_lost = static_cast<int32_t>(lost);
  b.extended_highest_seq = load32(p + 8);
  b.jitter = load32(p + 12);
  b.last_sr = load32(p + 16);
  b.delay_since_last_sr = load32(p + 20);
  return b;
}

RtcpStatus parse_report(const RtcpPacketRef& packet, ReportView& out) noexcept {
  const bool sr = packet.packet_type == uint8_t(RtcpType::sr);
  if (!sr && packet.packet_type != uint8_t(RtcpType::rr)) return RtcpStatus::wrong_type;
  const size_t fixed = sr ? 24 : 4;  // SSRC (+ 20 bytes of sender info)
  const size_t need = fixed + size_t{packet.count} * kRtcpReportBlockBytes;
  if (packet.body.size() < need) return RtcpStatus::bad_length;
  const uint8_t* p = packet.body.data();
  out.is_sender_report = sr;
  out.ssrc = load32(p);
  out.sender = {};
  if (sr) {
    out.sender.ntp_timestamp = load64(p + 4);
    out.sender.rtp_timestamp = load32(p + 12);
    out.sender.packet_count = load32(p + 16);
    out.sender.octet_count = load32(p + 20);
  }
  out.block_count = packet.count;
  out.block_bytes = packet.body.subspan(fixed, need - fixed);
  out.extension = packet.body.subspan(need);
  return RtcpStatus::ok;
}

RtcpStatus parse_sdes(const RtcpPacketRef& packet, SdesView& out) noexcept {
  if (packet.packet_type != uint8_t(RtcpType::sdes)) return RtcpStatus::wrong_type;
  out.chunk_count = 0;
  const std::span<const uint8_t> b = packet.body;
  size_t pos = 0;
  for (uint8_t c = 0; c < packet.count; ++c) {
    if (b.size() - pos < 4) return RtcpStatus::bad_length;
    SdesView::Chunk& chunk = out.chunks[c];
    chunk.ssrc = load32(b.data() + pos);
    chunk.cname = {};
    pos += 4;
    // §6.5: items until a null octet, then null padding to the next 32-bit boundary.
    for (;;) {
      if (pos >= b.size()) return RtcpStatus::bad_length;
      const uint8_t type = b[pos];
      if (type == 0) break;
      if (b.size() - pos < 2) return RtcpStatus::bad_length;
      const size_t len = b[pos + 1];
      if (b.size() - pos - 2 < len) return RtcpStatus::bad_length;
      if (type == kSdesCname) chunk.cname = b.subspan(pos + 2, len);
      pos += 2 + len;
    }
    pos = (pos + 4) & ~size_t{3};  // the null octet plus padding
    if (pos > b.size()) return RtcpStatus::bad_length;
    ++out.chunk_count;
  }
  if (pos != b.size()) return RtcpStatus::bad_length;
  return RtcpStatus::ok;
}

RtcpStatus parse_bye(const RtcpPacketRef& packet, ByeView& out) noexcept {
  if (packet.packet_type != uint8_t(RtcpType::bye)) return RtcpStatus::wrong_type;
  const size_t ssrc_bytes = size_t{packet.count} * 4;
  if (packet.body.size() < ssrc_bytes) return RtcpStatus::bad_length;
  out.ssrc_count = packet.count;
  out.ssrc_bytes = packet.body.first(ssrc_bytes);
  out.reason = {};
  const std::span<const uint8_t> rest = packet.body.subspan(ssrc_bytes);
  if (!rest.empty()) {
    // §6.6: length octet, text, null padding to a 32-bit boundary.
    const size_t len = rest[0];
    if (rest.size() < 1 + len) return RtcpStatus::bad_length;
    if (((1 + len + 3) & ~size_t{3}) != rest.size()) return RtcpStatus::bad_length;
    out.reason = rest.subspan(1, len);
  }
  return RtcpStatus::ok;
}

RtcpStatus parse_app(const RtcpPacketRef& packet, AppView& out) noexcept {
  if (packet.packet_type != uint8_t(RtcpType::app)) return RtcpStatus::wrong_type;
  if (packet.body.size() < 8 || packet.body.size() % 4 != 0) return RtcpStatus::bad_length;
  out.subtype = packet.count;
  out.ssrc = load32(packet.body.data());
  std::memcpy(out.name.data(), packet.body.data() + 4, 4);
  out.data = packet.body.subspan(8);
  return RtcpStatus::ok;
}

RtcpStatus parse_xr(const RtcpPacketRef& packet, XrView& out) noexcept {
  if (packet.packet_type != uint8_t(RtcpType::xr)) return RtcpStatus::wrong_type;
  if (packet.body.size() < 4) return RtcpStatus::bad_length;
  out.ssrc = load32(packet.body.data());
  out.blocks = packet.body.subspan(4);
  // Validate the block chain once so callers can walk it without surprises.
  std::span<const uint8_t> rest = out.blocks;
  XrBlockRef block;
  while (!rest.empty()) {
    const RtcpStatus s = next_xr_block(rest, block);
    if (s != RtcpStatus::ok) return s;
  }
  return RtcpStatus::ok;
}

RtcpStatus next_xr_block(std::span<const uint8_t>& rest, XrBlockRef& out) noexcept {
  if (rest.size() < 4) return RtcpStatus::bad_length;
  // RFC 3611 §3: block length in 32-bit words minus one, header included: the contents are
  // exactly `length` words.
  const size_t contents = size_t{load16(rest.data() + 2)} * 4;
  if (rest.size() - 4 < contents) return RtcpStatus::bad_length;
  out.block_type = rest[0];
  out.type_specific = rest[1];
  out.contents = rest.subspan(4, contents);
  rest = rest.subspan(4 + contents);
  return RtcpStatus::ok;
}

uint8_t* RtcpWriter::begin_packet(size_t total_bytes, uint8_t count, RtcpType type) noexcept {
  if (total_bytes % 4 != 0 || total_bytes > 4 * 65536 || buf_.size() - size_ < total_bytes) {
    return nullptr;
  }
  uint8_t* p = buf_.data() + size_;
  p[0] = static_cast<uint8_t>(0x80 | count);
  p[1] = static_cast<uint8_t>(type);
  store16(p + 2, static_cast<uint16_t>(total_bytes / 4 - 1));
  size_ += total_bytes;
  return p;
}

void RtcpWriter::write_block(uint8_t* p, const ReportBlock& b) noexcept {
  store32(p, b.ssrc);
  // Clamp to the 24-bit signed range (RFC 3550 §6.4.1).
  int32_t lost = b.cumulative_lost;
  if (lost > 0x7fffff) lost = 0x7fffff;
  if (lost < -0x800000) lost = -0x800000;
  store32(p + 4, (uint32_t{b.fraction_lost} << 24) | (static_cast<uint32_t>(lost) & 0xffffffu));
  store32(p + 8, b.extended_highest_seq);
  store32(p + 12, b.jitter);
  store32(p + 16, b.last_sr);
  store32(p + 20, b.delay_since_last_sr);
}

bool RtcpWriter::add_sender_report(uint32_t ssrc, const SenderInfo& info,
                                   std::span<const ReportBlock> blocks) noexcept {
  if (blocks.size() > kRtcpMaxCount) return false;
  uint8_t* p = begin_packet(28 + blocks.size() * kRtcpReportBlockBytes,
                            static_cast<uint8_t>(blocks.size()), RtcpType::sr);
  if (p == nullptr) return false;
  store32(p + 4, ssrc);
  store64(p + 8, info.ntp_timestamp);
  store32(p + 16, info.rtp_timestamp);
  store32(p + 20, info.packet_count);
  store32(p + 24, info.octet_count);
  for (size_t i = 0; i < blocks.size(); ++i) write_block(p + 28 + i * kRtcpReportBlockBytes, blocks[i]);
  return true;
}

bool RtcpWriter::add_receiver_report(uint32_t ssrc, std::span<const ReportBlock> blocks) noexcept {
  if (blocks.size() > kRtcpMaxCount) return false;
  uint8_t* p = begin_packet(8 + blocks.size() * kRtcpReportBlockBytes,
                            static_cast<uint8_t>(blocks.size()), RtcpType::rr);
  if (p == nullptr) return false;
  store32(p + 4, ssrc);
  for (size_t i = 0; i < blocks.size(); ++i) write_block(p + 8 + i * kRtcpReportBlockBytes, blocks[i]);
  return true;
}

bool RtcpWriter::add_sdes_cname(uint32_t ssrc, std::string_view cname) noexcept {
  if (cname.empty() || cname.size() > 255) return false;
  // SSRC, type, length, text, then at least one null octet up to a 32-bit boundary.
  const size_t chunk = (4 + 2 + cname.size() + 1 + 3) & ~size_t{3};
  uint8_t* p = begin_packet(4 + chunk, 1, RtcpType::sdes);
  if (p == nullptr) return false;
  std::memset(p + 4, 0, chunk);
  store32(p + 4, ssrc);
  p[8] = kSdesCname;
  p[9] = static_cast<uint8_t>(cname.size());
  std::memcpy(p + 10, cname.data(), cname.size());
  return true;
}

bool RtcpWriter::add_bye(std::span<const uint32_t> ssrcs, std::string_view reason) noexcept {
  if (ssrcs.size() > kRtcpMaxCount || reason.size() > 255) return false;
  const size_t reason_bytes = reason.empty() ? 0 : (1 + reason.size() + 3) & ~size_t{3};
  uint8_t* p = begin_packet(4 + 4 * ssrcs.size() + reason_bytes, static_cast<uint8_t>(ssrcs.size()),
                            RtcpType::bye);
  if (p == nullptr) return false;
  for (size_t i = 0; i < ssrcs.size(); ++i) store32(p + 4 + 4 * i, ssrcs[i]);
  if (!reason.empty()) {
    uint8_t* r = p + 4 + 4 * ssrcs.size();
    std::memset(r, 0, reason_bytes);
    r[0] = static_cast<uint8_t>(reason.size());
    std::memcpy(r + 1, reason.data(), reason.size());
  }
  return true;
}

bool RtcpWriter::add_app(uint8_t subtype, uint32_t ssrc, std::array<char, 4> name,
                         std::span<const uint8_t> data) noexcept {
  if (subtype > 31 || data.size() % 4 != 0) return false;
  uint8_t* p = begin_packet(12 + data.size(), subtype, RtcpType::app);
  if (p == nullptr) return false;
  store32(p + 4, ssrc);
  std::memcpy(p + 8, name.data(), 4);
  if (!data.empty()) std::memcpy(p + 12, data.data(), data.size());
  return true;
}

bool RtcpWriter::add_xr(uint32_t ssrc, std::span<const uint8_t> blocks) noexcept {
  if (blocks.size() % 4 != 0) return false;
  uint8_t* p = begin_packet(8 + blocks.size(), 0, RtcpType::xr);
  if (p == nullptr) return false;
  store32(p + 4, ssrc);
  if (!blocks.empty()) std::memcpy(p + 8, blocks.data(), blocks.size());
  return true;
}

}  // namespace offhook::rtp
