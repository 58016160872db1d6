#include "rtp/rtcp_session.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

namespace offhook::rtp {
namespace {

RtcpSession make(uint32_t ssrc, uint64_t seed, uint64_t ntp0 = 0, uint32_t bw_bps = 80'000) {
  RtcpSessionConfig c;
  c.local_ssrc = ssrc;
  c.cname = "phone@example.org";
  c.random_seed = seed;
  c.ntp_at_time_zero = ntp0;
  c.session_bandwidth_bps = bw_bps;
  auto s = RtcpSession::create(c);
  EXPECT_TRUE(s.has_value());
  return std::move(*s);
}

TEST(RtcpSessionTest, CreateRejectsBadConfig) {
  RtcpSessionConfig c;
  EXPECT_FALSE(RtcpSession::create(c).has_value());  // no CNAME
  c.cname = "x";
  c.session_bandwidth_bps = 0;
  EXPECT_FALSE(RtcpSession::create(c).has_value());
}

TEST(RtcpSessionTest, FirstIntervalIsHalfMinimumRandomised) {
  // RFC 3550 §6.3.2 + §A.7: initial Tmin = 2.5 s; times [0.5, 1.5] / (e - 3/2).
  double sum = 0;
  constexpr int kRuns = 400;
  for (int seed = 0; seed < kRuns; ++seed) {
    RtcpSession s = make(1, static_cast<uint64_t>(seed));
    EXPECT_EQ(s.deterministic_interval_us(), 2'500'000u);
    s.start(1'000'000);
    const double t = static_cast<double>(s.next_report_us() - 1'000'000);
    EXPECT_GE(t, 0.5 * 2.5e6 / 1.21828 - 1);
    EXPECT_LE(t, 1.5 * 2.5e6 / 1.21828 + 1);
    sum += t;
  }
  EXPECT_NEAR(sum / kRuns, 2.5e6 / 1.21828, 0.05 * 2.5e6);
}

TEST(RtcpSessionTest, IntervalScalesWithBandwidthAboveMinimum) {
  // With a very small session bandwidth the bandwidth term exceeds Tmin and halves when the
  // bandwidth doubles.
  RtcpSession a = make(1, 1, 0, 400);
  RtcpSession b = make(1, 1, 0, 800);
  const uint64_t ta = a.deterministic_interval_us();
  const uint64_t tb = b.deterministic_interval_us();
  EXPECT_GT(tb, 2'500'000u);
  EXPECT_NEAR(static_cast<double>(ta) / static_cast<double>(tb), 2.0, 0.01);
}

TEST(RtcpSessionTest, TimerReconsiderationAveragesAboutTheInterval) {
  RtcpSession s = make(1, 42);
  s.start(0);
  std::array<uint8_t, 512> buf{};
  int reports = 0;
  for (uint64_t now = 0; now < 600'000'000; now += 10'000) {
    if (now >= s.next_report_us() && s.on_timer(now)) {
      ASSERT_GT(s.build_report(now, {}, buf), 0u);
      ++reports;
    }
  }
  // Tmin = 5 s: about 120 reports in 10 minutes; without reconsideration the compensation
  // factor alone would give ~146, and a fixed 5 s exactly 120.
  EXPECT_GT(reports, 100);
  EXPECT_LT(reports, 150);
  EXPECT_EQ(s.stats().reports_sent, static_cast<uint64_t>(reports));
}

TEST(RtcpSessionTest, SenderReportWhenSendingReceiverReportOtherwise) {
  RtcpSession s = make(0x1111, 3, uint64_t{3'900'000'000} << 32);
  s.start(0);
  SendStats sent;
  std::array<uint8_t, 512> buf{};
  RtcpCompoundView v;
  ReportView r;

  size_t n = s.build_report(5'000'000, {.sent = &sent}, buf);
  ASSERT_GT(n, 0u);
  ASSERT_EQ(parse_rtcp_compound(std::span(buf.data(), n), v), RtcpStatus::ok);
  ASSERT_EQ(parse_report(v.packets[0], r), RtcpStatus::ok);
  EXPECT_FALSE(r.is_sender_report) << "no RTP sent yet";

  for (int i = 0; i < 50; ++i) sent.on_sent(160);
  n = s.build_report(10'500'000, {.sent = &sent, .rtp_timestamp_now = 84'000}, buf);
  ASSERT_EQ(parse_rtcp_compound(std::span(buf.data(), n), v), RtcpStatus::ok);
  ASSERT_EQ(v.packet_count, 2u);  // SR + SDES
  ASSERT_EQ(parse_report(v.packets[0], r), RtcpStatus::ok);
  ASSERT_TRUE(r.is_sender_report);
  EXPECT_EQ(r.sender.packet_count, 50u);
  EXPECT_EQ(r.sender.octet_count, 8000u);
  EXPECT_EQ(r.sender.rtp_timestamp, 84'000u);
  // NTP derived from the injected reference: 3.9e9 s + 10.5 s.
  EXPECT_EQ(r.sender.ntp_timestamp >> 32, 3'900'000'010u);
  EXPECT_EQ(static_cast<uint32_t>(r.sender.ntp_timestamp), 0x80000000u);
  EXPECT_EQ(s.stats().senders, 1u);
}

TEST(RtcpSessionTest, RoundTripTimeFromLsrDlsr) {
  // A and B have unrelated NTP references; the one-way delay is 40 ms each way and B holds A's SR
  // for 300 ms before reporting: RTT = 80 ms.
  RtcpSession a = make(0xaaaa, 1, uint64_t{3'800'000'000} << 32);
  RtcpSession b = make(0xbbbb, 2, (uint64_t{3'700'000'123} << 32) + 0x12345678);
  a.start(0);
  b.start(0);
  SendStats a_sent;
  for (int i = 0; i < 10; ++i) a_sent.on_sent(160);
  ReceiveStats b_rx;
  for (uint16_t seq = 100; seq < 110; ++seq) b_rx.update(SeqNum(seq), seq * 160u, seq * 160u);

  std::array<uint8_t, 512> buf{};
  size_t n = a.build_report(1'000'000, {.sent = &a_sent}, buf);
  ASSERT_GT(n, 0u);
  ASSERT_EQ(b.on_rtcp(std::span(buf.data(), n), 1'040'000), RtcpStatus::ok);
  EXPECT_EQ(b.stats().members, 2u);
  EXPECT_EQ(b.stats().senders, 1u);

  const std::array<ReceiveSource, 1> sources = {ReceiveSource{0xaaaa, &b_rx}};
  n = b.build_report(1'340'000, {.sources = sources}, buf);
  ASSERT_GT(n, 0u);
  ASSERT_EQ(a.on_rtcp(std::span(buf.data(), n), 1'380'000), RtcpStatus::ok);
  ASSERT_EQ(a.stats().rtt_samples, 1u);
  EXPECT_NEAR(static_cast<double>(a.stats().rtt_last_us), 80'000.0, 100.0);
  ASSERT_TRUE(a.stats().have_remote_report);
  EXPECT_EQ(a.stats().remote_report.extended_highest_seq, 109u);
  EXPECT_EQ(a.stats().remote_report.cumulative_lost, 0);
}

TEST(RtcpSessionTest, RoundTripTimeFromXrRrtrDlrrWithoutRtp) {
  // Neither side sends RTP (no SR): RFC 3611 RRTR from B, DLRR echo from A. B measures
  // 30 ms + 30 ms one-way, with A holding the RRTR for 200 ms: RTT = 60 ms.
  RtcpSession a = make(0xaaaa, 1, uint64_t{3'800'000'000} << 32);
  RtcpSession b = make(0xbbbb, 2, (uint64_t{3'700'000'000} << 32) + 0x9999);
  std::array<uint8_t, 512> buf{};
  size_t n = b.build_report(1'000'000, {.xr_reference_time = true}, buf);
  ASSERT_EQ(a.on_rtcp(std::span(buf.data(), n), 1'030'000), RtcpStatus::ok);
  n = a.build_report(1'230'000, {.xr_reference_time = true}, buf);
  ASSERT_EQ(b.on_rtcp(std::span(buf.data(), n), 1'260'000), RtcpStatus::ok);
  ASSERT_EQ(b.stats().rtt_samples, 1u);
  EXPECT_NEAR(static_cast<double>(b.stats().rtt_last_us), 60'000.0, 100.0);
  EXPECT_EQ(a.stats().rtt_samples, 0u) << "B had not echoed A's RRTR yet";
}

TEST(RtcpSessionTest, ByeRemovesMemberAndPullsTimerIn) {
  RtcpSession a = make(1, 5);
  RtcpSession b = make(2, 6);
  a.start(0);
  std::array<uint8_t, 512> buf{};
  size_t n = b.build_report(0, {}, buf);
  ASSERT_EQ(a.on_rtcp(std::span(buf.data(), n), 100), RtcpStatus::ok);
  ASSERT_EQ(a.stats().members, 2u);
  // Let A send once so pmembers = 2, then B leaves.
  n = a.build_report(1'000, {}, buf);
  ASSERT_GT(n, 0u);
  const uint64_t before = a.next_report_us();
  n = b.build_report(2'000'000, {.bye = true}, buf);
  ASSERT_EQ(a.on_rtcp(std::span(buf.data(), n), 2'000'000), RtcpStatus::ok);
  EXPECT_EQ(a.stats().members, 1u);
  // §6.3.4: tn = tc + (members/pmembers)(tn - tc) = halfway.
  EXPECT_NEAR(static_cast<double>(a.next_report_us()), 2e6 + (static_cast<double>(before) - 2e6) / 2, 2.0);
}

TEST(RtcpSessionTest, MalformedTailDoesNotHalfApplyTheDatagram) {
  RtcpSession a = make(1, 8);
  RtcpSession b = make(2, 9);
  std::array<uint8_t, 512> buf{};
  size_t n = b.build_report(0, {}, buf);
  ASSERT_GT(n, 0u);
  // Append a BYE claiming two SSRCs but carrying one: the RR + SDES before it must not count.
  const std::array<uint8_t, 8> bad_bye = {0x82, 0xcb, 0x00, 0x01, 0, 0, 0, 2};
  std::copy(bad_bye.begin(), bad_bye.end(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  EXPECT_EQ(a.on_rtcp(std::span(buf.data(), n + bad_bye.size()), 0), RtcpStatus::bad_length);
  EXPECT_EQ(a.stats().members, 1u);
  EXPECT_EQ(a.on_rtcp(std::span(buf.data(), n), 0), RtcpStatus::ok);
  EXPECT_EQ(a.stats().members, 2u);
}

TEST(RtcpSessionTest, SilentMemberTimesOut) {
  // §6.3.5: B sends one SR, then nothing. A stops counting B as a sender after 2 Td and drops it
  // after 5 Td (Td = 5 s here).
  RtcpSession a = make(1, 10);
  RtcpSession b = make(2, 11);
  a.start(0);
  SendStats sent;
  sent.on_sent(160);
  std::array<uint8_t, 512> buf{};
  const size_t n = b.build_report(0, {.sent = &sent}, buf);
  ASSERT_EQ(a.on_rtcp(std::span(buf.data(), n), 0), RtcpStatus::ok);
  ASSERT_EQ(a.stats().senders, 1u);
  uint32_t members_at_20s = 0, senders_at_16s = 1;
  for (uint64_t now = 0; now <= 32'000'000; now += 100'000) {
    if (now >= a.next_report_us() && a.on_timer(now)) {
      ASSERT_GT(a.build_report(now, {}, buf), 0u);
    }
    // Timeouts are applied when the timer fires, at most ~6.2 s apart (1.5 * 5 s / 1.21828).
    if (now == 16'500'000) senders_at_16s = a.stats().senders;
    if (now == 20'000'000) members_at_20s = a.stats().members;
  }
  EXPECT_EQ(senders_at_16s, 0u);
  EXPECT_EQ(members_at_20s, 2u);
  EXPECT_EQ(a.stats().members, 1u);
}

TEST(RtcpSessionTest, MalformedInputIsCountedNotTrusted) {
  RtcpSession a = make(1, 7);
  const std::array<uint8_t, 8> bad = {0x81, 0xc9, 0x00, 0x01, 0, 0, 0, 2};  // RC=1, no block
  EXPECT_EQ(a.on_rtcp(bad, 0), RtcpStatus::bad_length);
  EXPECT_EQ(a.on_rtcp(std::span(bad).first(3), 0), RtcpStatus::truncated);
  EXPECT_EQ(a.stats().packets_rejected, 2u);
  EXPECT_EQ(a.stats().packets_received, 0u);
}

}  // namespace
}  // namespace offhook::rtp
