// Fuzz target for the RTCP parsers (RFC 3550 §6, RFC 3611): parse_rtcp_compound() and every typed
// parser never crash or read outside the input, the packets of a compound account for every
// byte, a report without extension or padding rebuilds to the same bytes, and RtcpSession takes
// any input without crashing.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rtp/rtcp_packet.hpp"
#include "rtp/rtcp_session.hpp"
#include "rtp/rtcp_xr.hpp"

using namespace offhook::rtp;

namespace {

void check_inside(std::span<const uint8_t> inner, const uint8_t* data, size_t size) {
  if (inner.empty()) return;
  if (inner.data() < data || inner.data() + inner.size() > data + size) std::abort();
}

void check_xr_blocks(std::span<const uint8_t> blocks, const uint8_t* data, size_t size) {
  XrBlockRef b;
  while (!blocks.empty()) {
    if (next_xr_block(blocks, b) != RtcpStatus::ok) std::abort();  // parse_xr validated the chain
    check_inside(b.contents, data, size);
    uint64_t ntp;
    XrStatisticsSummary s;
    XrVoipMetrics m;
    (void)parse_xr_receiver_reference_time(b, ntp);
    (void)parse_xr_statistics_summary(b, s);
    XrDlrrView dlrr;
    if (parse_xr_dlrr(b, dlrr) == RtcpStatus::ok) {
      check_inside(dlrr.item_bytes, data, size);
      for (size_t i = 0; i < dlrr.count(); ++i) (void)dlrr.item(i);
    }
    if (parse_xr_voip_metrics(b, m) == RtcpStatus::ok) {
      uint8_t out[kXrVoipMetricsBlockBytes];
      if (write_xr_voip_metrics(m, out) != sizeof out) std::abort();
      if (std::memcmp(out + 4, b.contents.data(), 25) != 0) std::abort();  // up to the reserved byte
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  for (bool strict : {true, false}) {
    RtcpCompoundView v;
    if (parse_rtcp_compound(in, v, strict) != RtcpStatus::ok) continue;
    size_t total = 0;
    for (size_t i = 0; i < v.packet_count; ++i) {
      const RtcpPacketRef& p = v.packets[i];
      check_inside(p.whole, data, size);
      check_inside(p.body, data, size);
      if (p.body.size() + 4 + p.padding_bytes != p.whole.size()) std::abort();
      total += p.whole.size();
      ReportView r;
      if (parse_report(p, r) == RtcpStatus::ok) {
        check_inside(r.block_bytes, data, size);
        check_inside(r.extension, data, size);
        if (r.extension.empty() && p.padding_bytes == 0) {
          std::vector<ReportBlock> blocks;
          for (size_t b = 0; b < r.block_count; ++b) blocks.push_back(r.block(b));
          std::vector<uint8_t> out(p.whole.size());
          RtcpWriter w(out);
          const bool ok = r.is_sender_report ? w.add_sender_report(r.ssrc, r.sender, blocks)
                                             : w.add_receiver_report(r.ssrc, blocks);
          if (!ok || w.size() != p.whole.size()) std::abort();
          // The reserved/padding bit and count bits are the same, so every byte must match.
          if (std::memcmp(out.data(), p.whole.data(), out.size()) != 0) std::abort();
        }
      }
      SdesView s;
      if (parse_sdes(p, s) == RtcpStatus::ok) {
        for (size_t c = 0; c < s.chunk_count; ++c) check_inside(s.chunks[c].cname, data, size);
      }
      ByeView bye;
      if (parse_bye(p, bye) == RtcpStatus::ok) {
        check_inside(bye.ssrc_bytes, data, size);
        check_inside(bye.reason, data, size);
      }
      AppView app;
      if (parse_app(p, app) == RtcpStatus::ok) check_inside(app.data, data, size);
      XrView xr;
      if (parse_xr(p, xr) == RtcpStatus::ok) check_xr_blocks(xr.blocks, data, size);
    }
    if (total != size) std::abort();
  }
  static auto session = RtcpSession::create({.local_ssrc = 0x01020304, .cname = "fuzz"});
  if (session.has_value()) (void)session->on_rtcp(in, size * 1000);
  return 0;
}
