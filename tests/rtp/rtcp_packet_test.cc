#include "rtp/rtcp_packet.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

namespace offhook::rtp {
namespace {

// Golden bytes, hand-assembled from the RFC 3550 §6.4.1 (SR) and §6.5 (SDES) figures:
// SR: V=2 P=0 RC=1 PT=200 length=12, SSRC 0x12345678, NTP 0xe9f1a2b3.80000000, RTP ts 8000,
//     100 packets, 16000 octets; one block: SSRC 0xdeadbeef, fraction 0x40, cumulative lost -2,
//     ext. highest seq 0x00010005, jitter 32, LSR 0xa2b38000, DLSR 0x00018000 (1.5 s).
// SDES: V=2 P=0 SC=1 PT=202 length=5, SSRC 0x12345678, CNAME(1) len 10 "user@host1", 4 nulls.
constexpr std::array<uint8_t, 76> kSrSdes = {
    0x81, 0xc8, 0x00, 0x0c, 0x12, 0x34, 0x56, 0x78, 0xe9, 0xf1, 0xa2, 0xb3, 0x80, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x1f, 0x40, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x3e, 0x80, 0xde, 0xad, 0xbe, 0xef,
    0x40, 0xff, 0xff, 0xfe, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x20, 0xa2, 0xb3, 0x80, 0x00,
    0x00, 0x01, 0x80, 0x00,
    0x81, 0xca, 0x00, 0x05, 0x12, 0x34, 0x56, 0x78, 0x01, 0x0a, 'u', 's', 'e', 'r', '@', 'h',
    'o', 's', 't', '1', 0x00, 0x00, 0x00, 0x00};
constexpr size_t kSrBytes = 52;

TEST(RtcpPacketTest, ParsesGoldenSrSdes) {
  RtcpCompoundView v;
  ASSERT_EQ(parse_rtcp_compound(kSrSdes, v), RtcpStatus::ok);
  ASSERT_EQ(v.packet_count, 2u);
  EXPECT_EQ(v.packets[0].whole.size() + v.packets[1].whole.size(), kSrSdes.size()) << "whole buffer consumed";

  ReportView r;
  ASSERT_EQ(parse_report(v.packets[0], r), RtcpStatus::ok);
  EXPECT_TRUE(r.is_sender_report);
  EXPECT_EQ(r.ssrc, 0x12345678u);
  EXPECT_EQ(r.sender.ntp_timestamp, 0xe9f1a2b380000000ull);
  EXPECT_EQ(r.sender.rtp_timestamp, 8000u);
  EXPECT_EQ(r.sender.packet_count, 100u);
  EXPECT_EQ(r.sender.octet_count, 16000u);
  ASSERT_EQ(r.block_count, 1);
  EXPECT_TRUE(r.extension.empty());
  const ReportBlock b = r.block(0);
  EXPECT_EQ(b.ssrc, 0xdeadbeefu);
  EXPECT_EQ(b.fraction_lost, 0x40);
  EXPECT_EQ(b.cumulative_lost, -2);
  EXPECT_EQ(b.extended_highest_seq, 0x00010005u);
  EXPECT_EQ(b.jitter, 32u);
  EXPECT_EQ(b.last_sr, 0xa2b38000u);
  EXPECT_EQ(b.delay_since_last_sr, 0x18000u);
  EXPECT_EQ(ntp_middle32(r.sender.ntp_timestamp), 0xa2b38000u);

  SdesView s;
  ASSERT_EQ(parse_sdes(v.packets[1], s), RtcpStatus::ok);
  ASSERT_EQ(s.chunk_count, 1);
  EXPECT_EQ(s.chunks[0].ssrc, 0x12345678u);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(s.chunks[0].cname.data()), s.chunks[0].cname.size()),
            "user@host1");
  ByeView bye;
  EXPECT_EQ(parse_bye(v.packets[1], bye), RtcpStatus::wrong_type);
}

TEST(RtcpPacketTest, BuildsGoldenSrSdes) {
  std::array<uint8_t, 200> out{};
  RtcpWriter w(out);
  const ReportBlock b{.ssrc = 0xdeadbeef, .fraction_lost = 0x40, .cumulative_lost = -2,
                      .extended_highest_seq = 0x00010005, .jitter = 32, .last_sr = 0xa2b38000,
                      .delay_since_last_sr = 0x18000};
  ASSERT_TRUE(w.add_sender_report(0x12345678, {0xe9f1a2b380000000ull, 8000, 100, 16000}, std::span(&b, 1)));
  ASSERT_TRUE(w.add_sdes_cname(0x12345678, "user@host1"));
  ASSERT_EQ(w.size(), kSrSdes.size());
  EXPECT_TRUE(std::equal(kSrSdes.begin(), kSrSdes.end(), out.begin()));
}

TEST(RtcpPacketTest, EveryTruncationReturnsAStatus) {
  for (size_t len = 0; len < kSrSdes.size(); ++len) {
    SCOPED_TRACE(len);
    RtcpCompoundView v;
    const RtcpStatus s = parse_rtcp_compound(std::span(kSrSdes.data(), len), v);
    if (len == kSrBytes) {
      EXPECT_EQ(s, RtcpStatus::ok);  // the SR alone is a valid compound packet
      EXPECT_EQ(v.packet_count, 1u);
    } else {
      EXPECT_EQ(s, RtcpStatus::truncated);
    }
  }
  // A body cut inside a packet whose length field was adjusted: the typed parsers catch it.
  std::vector<uint8_t> sr(kSrSdes.begin(), kSrSdes.begin() + kSrBytes);
  for (uint16_t words = 0; words < 12; ++words) {
    SCOPED_TRACE(words);
    sr[3] = static_cast<uint8_t>(words);
    RtcpCompoundView v;
    ASSERT_EQ(parse_rtcp_compound(std::span(sr.data(), (words + 1u) * 4), v), RtcpStatus::ok);
    ReportView r;
    EXPECT_EQ(parse_report(v.packets[0], r), RtcpStatus::bad_length);
  }
}

TEST(RtcpPacketTest, RejectsBadVersionPaddingAndFirstPacket) {
  std::vector<uint8_t> p(kSrSdes.begin(), kSrSdes.end());
  p[0] = 0x41;
  RtcpCompoundView v;
  EXPECT_EQ(parse_rtcp_compound(p, v), RtcpStatus::bad_version);
  p[0] = 0xa1;  // P set on the first of two packets
  EXPECT_EQ(parse_rtcp_compound(p, v), RtcpStatus::bad_padding);
  // SDES first: not a valid compound packet, unless reduced-size RTCP is allowed.
  const std::span<const uint8_t> sdes = std::span(kSrSdes).subspan(kSrBytes);
  EXPECT_EQ(parse_rtcp_compound(sdes, v), RtcpStatus::bad_first_packet);
  EXPECT_EQ(parse_rtcp_compound(sdes, v, false), RtcpStatus::ok);
}

TEST(RtcpPacketTest, PaddedLastPacketAndPaddingCounts) {
  // RR (no blocks) + BYE padded with 4 bytes: hand-assembled per RFC 3550 §6.4.2 and §6.6.
  std::array<uint8_t, 20> p = {0x80, 0xc9, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
                               0xa1, 0xcb, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 4};
  RtcpCompoundView v;
  ASSERT_EQ(parse_rtcp_compound(p, v), RtcpStatus::ok);
  ASSERT_EQ(v.packet_count, 2u);
  EXPECT_EQ(v.packets[1].padding_bytes, 4);
  ByeView bye;
  ASSERT_EQ(parse_bye(v.packets[1], bye), RtcpStatus::ok);
  ASSERT_EQ(bye.ssrc_count, 1);
  EXPECT_EQ(bye.ssrc(0), 0x11223344u);
  EXPECT_TRUE(bye.reason.empty());
  p[19] = 0;
  EXPECT_EQ(parse_rtcp_compound(p, v), RtcpStatus::bad_padding);
  p[19] = 9;  // more than the body
  EXPECT_EQ(parse_rtcp_compound(p, v), RtcpStatus::bad_padding);
}

TEST(RtcpPacketTest, ByeAppXrRoundTrip) {
  std::array<uint8_t, 256> out{};
  RtcpWriter w(out);
  ASSERT_TRUE(w.add_receiver_report(7, {}));
  const std::array<uint32_t, 2> ssrcs = {7, 9};
  ASSERT_TRUE(w.add_bye(ssrcs, "bye now"));
  const std::array<uint8_t, 8> app_data = {1, 2, 3, 4, 5, 6, 7, 8};
  ASSERT_TRUE(w.add_app(5, 7, {'T', 'E', 'S', 'T'}, app_data));
  // One RFC 3611 block of BT=99 with one word of contents.
  const std::array<uint8_t, 8> xr = {99, 0xab, 0x00, 0x01, 0xca, 0xfe, 0xba, 0xbe};
  ASSERT_TRUE(w.add_xr(7, xr));
  EXPECT_FALSE(w.add_app(32, 7, {'x', 'x', 'x', 'x'}, {}));  // subtype out of range
  EXPECT_FALSE(w.add_app(1, 7, {'x', 'x', 'x', 'x'}, std::span(app_data).first(3)));

  RtcpCompoundView v;
  ASSERT_EQ(parse_rtcp_compound(w.bytes(), v), RtcpStatus::ok);
  ASSERT_EQ(v.packet_count, 4u);
  ByeView bye;
  ASSERT_EQ(parse_bye(v.packets[1], bye), RtcpStatus::ok);
  EXPECT_EQ(bye.ssrc(1), 9u);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(bye.reason.data()), bye.reason.size()), "bye now");
  AppView app;
  ASSERT_EQ(parse_app(v.packets[2], app), RtcpStatus::ok);
  EXPECT_EQ(app.subtype, 5);
  EXPECT_EQ(app.name[3], 'T');
  ASSERT_EQ(app.data.size(), 8u);
  EXPECT_EQ(app.data[7], 8);
  XrView x;
  ASSERT_EQ(parse_xr(v.packets[3], x), RtcpStatus::ok);
  std::span<const uint8_t> rest = x.blocks;
  XrBlockRef blk;
  ASSERT_EQ(next_xr_block(rest, blk), RtcpStatus::ok);
  EXPECT_EQ(blk.block_type, 99);
  EXPECT_EQ(blk.type_specific, 0xab);
  ASSERT_EQ(blk.contents.size(), 4u);
  EXPECT_EQ(blk.contents[0], 0xca);
  EXPECT_TRUE(rest.empty());
}

TEST(RtcpPacketTest, XrBlockLengthPastEndIsRejected) {
  // XR header + SSRC + a block claiming 2 words of contents but carrying 1.
  const std::array<uint8_t, 16> p = {0x80, 0xcf, 0x00, 0x03, 0, 0, 0, 7, 4, 0, 0x00, 0x02, 1, 2, 3, 4};
  RtcpCompoundView v;
  ASSERT_EQ(parse_rtcp_compound(p, v, false), RtcpStatus::ok);
  XrView x;
  EXPECT_EQ(parse_xr(v.packets[0], x), RtcpStatus::bad_length);
}

TEST(RtcpPacketTest, SdesMissingTerminatorAndTrailingBytes) {
  std::array<uint8_t, 16> p = {0x81, 0xca, 0x00, 0x03, 0, 0, 0, 1, 0x01, 0x02, 'a', 'b', 0x02, 0x01, 'c', 0x00};
  RtcpCompoundView v;
  ASSERT_EQ(parse_rtcp_compound(p, v, false), RtcpStatus::ok);
  SdesView s;
  ASSERT_EQ(parse_sdes(v.packets[0], s), RtcpStatus::ok);  // CNAME "ab", NAME "c", END
  EXPECT_EQ(s.chunks[0].cname.size(), 2u);
  p[15] = 0x03;  // no terminating null: the item length runs past the end
  ASSERT_EQ(parse_rtcp_compound(p, v, false), RtcpStatus::ok);
  EXPECT_EQ(parse_sdes(v.packets[0], s), RtcpStatus::bad_length);
  p[15] = 0x00;
  p[0] = 0x82;  // claims two chunks
  ASSERT_EQ(parse_rtcp_compound(p, v, false), RtcpStatus::ok);
  EXPECT_EQ(parse_sdes(v.packets[0], s), RtcpStatus::bad_length);
}

TEST(RtcpPacketTest, TooManyPacketsAndWriterOverflow) {
  std::vector<uint8_t> p;
  for (size_t i = 0; i <= kRtcpMaxCompoundPackets; ++i) {
    const std::array<uint8_t, 8> rr = {0x80, 0xc9, 0x00, 0x01, 0, 0, 0, static_cast<uint8_t>(i)};
    p.insert(p.end(), rr.begin(), rr.end());
  }
  RtcpCompoundView v;
  EXPECT_EQ(parse_rtcp_compound(p, v), RtcpStatus::too_many_packets);
  EXPECT_EQ(parse_rtcp_compound(std::span(p).first(8 * kRtcpMaxCompoundPackets), v), RtcpStatus::ok);

  std::array<uint8_t, 30> small{};
  RtcpWriter w(small);
  ASSERT_TRUE(w.add_receiver_report(1, {}));
  EXPECT_FALSE(w.add_sdes_cname(1, "a-cname-that-does-not-fit"));
  EXPECT_EQ(w.size(), 8u);
}

TEST(RtcpPacketTest, CumulativeLostIsClampedTo24Bits) {
  std::array<uint8_t, 64> out{};
  RtcpWriter w(out);
  const std::array<ReportBlock, 2> blocks = {ReportBlock{.ssrc = 1, .cumulative_lost = 50'000'000},
                                             ReportBlock{.ssrc = 2, .cumulative_lost = -50'000'000}};
  ASSERT_TRUE(w.add_receiver_report(3, blocks));
  RtcpCompoundView v;
  ASSERT_EQ(parse_rtcp_compound(w.bytes(), v), RtcpStatus::ok);
  ReportView r;
  ASSERT_EQ(parse_report(v.packets[0], r), RtcpStatus::ok);
  EXPECT_EQ(r.block(0).cumulative_lost, 0x7fffff);
  EXPECT_EQ(r.block(1).cumulative_lost, -0x800000);
}

}  // namespace
}  // namespace offhook::rtp
