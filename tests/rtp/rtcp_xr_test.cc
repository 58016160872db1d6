#include "rtp/rtcp_xr.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/rtcp_session.hpp"

namespace offhook::rtp {
namespace {

// Golden bytes, hand-assembled from the RFC 3611 §4.7 figure: BT=7, reserved, block length 8;
// SSRC 0x01020304; loss 12, discard 3, burst density 0x80, gap density 2; burst 120 ms,
// gap 5000 ms; RTT 80 ms, end-system delay 100 ms; signal -20 dBm0 (0xec), noise -60 (0xc4),
// RERL 127, Gmin 16; R 88, ext R 127, MOS-LQ 41, MOS-CQ 40; RX config 0xf0 (standard PLC,
// adaptive JB, rate 0), reserved; JB nominal 60, max 120, abs max 300.
constexpr std::array<uint8_t, 36> kVoipMetrics = {
    0x07, 0x00, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04, 12,   3,    0x80, 2,
    0x00, 120,  0x13, 0x88, 0x00, 80,   0x00, 100,  0xec, 0xc4, 127,  16,
    88,   127,  41,   40,   0xf0, 0x00, 0x00, 60,   0x00, 120,  0x01, 0x2c};

TEST(RtcpXrTest, GoldenVoipMetricsBlock) {
  std::span<const uint8_t> rest = kVoipMetrics;
  XrBlockRef block;
  ASSERT_EQ(next_xr_block(rest, block), RtcpStatus::ok);
  EXPECT_TRUE(rest.empty()) << "whole buffer consumed";
  XrVoipMetrics m;
  ASSERT_EQ(parse_xr_voip_metrics(block, m), RtcpStatus::ok);
  EXPECT_EQ(m.ssrc, 0x01020304u);
  EXPECT_EQ(m.loss_rate, 12);
  EXPECT_EQ(m.discard_rate, 3);
  EXPECT_EQ(m.burst_density, 0x80);
  EXPECT_EQ(m.gap_duration_ms, 5000);
  EXPECT_EQ(m.round_trip_delay_ms, 80);
  EXPECT_EQ(m.signal_level_dbm0, -20);
  EXPECT_EQ(m.noise_level_dbm0, -60);
  EXPECT_EQ(m.r_factor, 88);
  EXPECT_EQ(m.mos_cq, 40);
  EXPECT_EQ(m.rx_config, xr_rx_config(XrPlc::standard, XrJitterBufferKind::adaptive, 0));
  EXPECT_EQ(m.jb_abs_max_ms, 300);
  std::array<uint8_t, 36> out{};
  ASSERT_EQ(write_xr_voip_metrics(m, out), out.size());
  EXPECT_EQ(out, kVoipMetrics);
  uint64_t ntp;
  EXPECT_EQ(parse_xr_receiver_reference_time(block, ntp), RtcpStatus::wrong_type);
}

TEST(RtcpXrTest, EveryTruncationAndWrongLengthIsRejected) {
  for (size_t len = 0; len < kVoipMetrics.size(); ++len) {
    SCOPED_TRACE(len);
    std::span<const uint8_t> rest(kVoipMetrics.data(), len);
    XrBlockRef block;
    EXPECT_EQ(next_xr_block(rest, block), RtcpStatus::bad_length);
  }
  // A block length one word short: the walker accepts it, the typed parser does not.
  std::array<uint8_t, 36> shorter = kVoipMetrics;
  shorter[3] = 7;
  std::span<const uint8_t> rest(shorter.data(), 32);
  XrBlockRef block;
  ASSERT_EQ(next_xr_block(rest, block), RtcpStatus::ok);
  XrVoipMetrics m;
  EXPECT_EQ(parse_xr_voip_metrics(block, m), RtcpStatus::bad_length);
}

TEST(RtcpXrTest, StatisticsSummaryAndReferenceTimeRoundTrip) {
  StatisticsSummaryTracker t;
  // Jitter samples 10, 20, 30 (mean 20, population deviation 8.16), one duplicate.
  t.on_packet(65534, 10, false);
  t.on_packet(65535, 20, false);
  t.on_packet(65535, 20, true);
  t.on_packet(65537, 30, false);
  const XrStatisticsSummary s = t.take(0xabcdef01, 1);
  EXPECT_EQ(s.begin_seq, 65534);
  EXPECT_EQ(s.end_seq, 2) << "one past 65537, wrapped to 16 bits";
  EXPECT_EQ(s.dup_packets, 1u);
  EXPECT_EQ(s.min_jitter, 10u);
  EXPECT_EQ(s.max_jitter, 30u);
  EXPECT_EQ(s.mean_jitter, 20u);
  EXPECT_EQ(s.dev_jitter, 8u);

  std::array<uint8_t, kXrStatisticsSummaryBlockBytes + kXrRrtBlockBytes> blocks{};
  ASSERT_EQ(write_xr_statistics_summary(s, blocks), kXrStatisticsSummaryBlockBytes);
  ASSERT_EQ(write_xr_receiver_reference_time(0x0102030405060708ull,
                                             std::span(blocks).subspan(kXrStatisticsSummaryBlockBytes)),
            kXrRrtBlockBytes);
  std::span<const uint8_t> rest = blocks;
  XrBlockRef block;
  ASSERT_EQ(next_xr_block(rest, block), RtcpStatus::ok);
  XrStatisticsSummary back;
  ASSERT_EQ(parse_xr_statistics_summary(block, back), RtcpStatus::ok);
  EXPECT_TRUE(back.has_loss && back.has_duplicates && back.has_jitter);
  EXPECT_EQ(back.lost_packets, 1u);
  EXPECT_EQ(back.dev_jitter, 8u);
  EXPECT_EQ(back.end_seq, 2);
  ASSERT_EQ(next_xr_block(rest, block), RtcpStatus::ok);
  uint64_t ntp = 0;
  ASSERT_EQ(parse_xr_receiver_reference_time(block, ntp), RtcpStatus::ok);
  EXPECT_EQ(ntp, 0x0102030405060708ull);
  EXPECT_TRUE(rest.empty());
  // After take() the tracker starts a new interval.
  EXPECT_FALSE(t.take(1, 0).has_jitter);
}

TEST(RtcpXrTest, DlrrRoundTrip) {
  const std::array<XrDlrrItem, 2> items = {XrDlrrItem{1, 0x11112222, 0x8000}, XrDlrrItem{2, 0x33334444, 0x10000}};
  std::array<uint8_t, 28> buf{};
  ASSERT_EQ(write_xr_dlrr(items, buf), 28u);
  EXPECT_EQ(buf[0], 5);
  EXPECT_EQ(buf[3], 6) << "block length: 7 words minus one";
  std::span<const uint8_t> rest = buf;
  XrBlockRef block;
  ASSERT_EQ(next_xr_block(rest, block), RtcpStatus::ok);
  XrDlrrView v;
  ASSERT_EQ(parse_xr_dlrr(block, v), RtcpStatus::ok);
  ASSERT_EQ(v.count(), 2u);
  EXPECT_EQ(v.item(1).ssrc, 2u);
  EXPECT_EQ(v.item(1).last_rr, 0x33334444u);
  EXPECT_EQ(v.item(0).delay_since_last_rr, 0x8000u);
  block.contents = block.contents.first(20);
  EXPECT_EQ(parse_xr_dlrr(block, v), RtcpStatus::bad_length);
  EXPECT_EQ(write_xr_dlrr({}, buf), 0u);
}

TEST(RtcpXrTest, BurstGapClassification) {
  BurstGapTracker t(16);
  auto recv = [&](int n) { for (int i = 0; i < n; ++i) t.on_received(); };
  recv(100);
  t.on_lost(); t.on_received(); t.on_lost(); t.on_received(); t.on_discarded();  // burst: 5 pkts, 3 losses
  recv(100);
  t.on_lost();  // isolated: gap
  recv(50);
  const BurstGapTracker::Snapshot s = t.snapshot();
  EXPECT_EQ(s.bursts, 1u);
  EXPECT_EQ(s.burst_packets, 5u);
  EXPECT_EQ(s.burst_losses, 3u);
  EXPECT_EQ(s.gap_packets, 251u);
  EXPECT_EQ(s.gap_losses, 1u);
  EXPECT_EQ(s.lost, 3u);
  EXPECT_EQ(s.discarded, 1u);

  const XrVoipMetrics m = compute_voip_metrics(t, {.ssrc = 9, .frame_ms = 20, .round_trip_ms = 80,
                                                   .end_system_delay_ms = 60,
                                                   .codec = find_codec_impairment("PCMU")});
  EXPECT_EQ(m.burst_density, 3 * 256 / 5);
  EXPECT_EQ(m.gap_density, 256 / 251);
  EXPECT_EQ(m.burst_duration_ms, 100);
  EXPECT_EQ(m.gap_duration_ms, 251 * 20 / 2);
  EXPECT_EQ(m.loss_rate, 3 * 256 / 255);
  EXPECT_EQ(m.discard_rate, 256 / 255);
  EXPECT_EQ(m.gmin, 16);
  // R from the E-model with Ppl = 4/255 and Ta = 100 ms; below the no-loss rating, above "poor".
  EXPECT_LT(m.r_factor, 93);
  EXPECT_GT(m.r_factor, 70);
  EXPECT_GE(m.mos_lq, m.mos_cq);

  // A late arrival turns a loss into a discard; the pattern stays the same.
  t.on_late_arrival();
  EXPECT_EQ(t.snapshot().lost, 2u);
  EXPECT_EQ(t.snapshot().discarded, 2u);
  EXPECT_EQ(t.snapshot().burst_losses, 3u);
}

TEST(RtcpXrTest, BurstyLossRaisesBurstRatio) {
  BurstGapTracker random, bursty;
  for (int i = 0; i < 1000; ++i) {
    if (i % 20 == 0) random.on_lost(); else random.on_received();
    if (i % 100 < 5) bursty.on_lost(); else bursty.on_received();  // same 5% loss in runs of 5
  }
  EXPECT_NEAR(random.snapshot().burst_ratio, 1.0, 0.05);
  EXPECT_GT(bursty.snapshot().burst_ratio, 3.5);
  const VoipMetricsInputs in{.codec = find_codec_impairment("PCMA")};
  EXPECT_LT(compute_voip_metrics(bursty, in).r_factor, compute_voip_metrics(random, in).r_factor);
  // Unknown codec: R and MOS are reported unavailable.
  EXPECT_EQ(compute_voip_metrics(random, {}).r_factor, kXrUnavailable);
}

TEST(RtcpXrTest, XrTravelsInTheCompoundReport) {
  RtcpSessionConfig c{.local_ssrc = 5, .cname = "xr@test"};
  auto s = RtcpSession::create(c);
  ASSERT_TRUE(s.has_value());
  BurstGapTracker t;
  for (int i = 0; i < 50; ++i) t.on_received();
  std::array<uint8_t, kXrRrtBlockBytes + kXrVoipMetricsBlockBytes> xr{};
  ASSERT_GT(write_xr_receiver_reference_time(s->ntp_at(1'000'000), xr), 0u);
  ASSERT_GT(write_xr_voip_metrics(compute_voip_metrics(t, {.ssrc = 77}), std::span(xr).subspan(kXrRrtBlockBytes)), 0u);
  std::array<uint8_t, 256> out{};
  const size_t n = s->build_report(1'000'000, {.xr_blocks = xr}, out);
  ASSERT_GT(n, 0u);
  RtcpCompoundView v;
  ASSERT_EQ(parse_rtcp_compound(std::span(out.data(), n), v), RtcpStatus::ok);
  ASSERT_EQ(v.packet_count, 3u);
  XrView x;
  ASSERT_EQ(parse_xr(v.packets[2], x), RtcpStatus::ok);
  EXPECT_EQ(x.ssrc, 5u);
  std::span<const uint8_t> rest = x.blocks;
  XrBlockRef b;
  ASSERT_EQ(next_xr_block(rest, b), RtcpStatus::ok);
  EXPECT_EQ(b.block_type, 4);
  ASSERT_EQ(next_xr_block(rest, b), RtcpStatus::ok);
  XrVoipMetrics m;
  ASSERT_EQ(parse_xr_voip_metrics(b, m), RtcpStatus::ok);
  EXPECT_EQ(m.ssrc, 77u);
  EXPECT_EQ(m.loss_rate, 0);
  EXPECT_EQ(m.gap_duration_ms, 50 * 20);
}

}  // namespace
}  // namespace offhook::rtp
