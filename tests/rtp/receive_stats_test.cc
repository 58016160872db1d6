#include "rtp/receive_stats.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>  // std::abs
#include <vector>

namespace offhook::rtp {
namespace {

constexpr uint32_t kTsPerPacket = 160;  // 20 ms at 8 kHz

// Feeds `seqs` with a constant transit time (no jitter).
void feed(ReceiveStats& s, const std::vector<uint16_t>& seqs) {
  for (uint16_t q : seqs) s.update(SeqNum(q), q * kTsPerPacket, q * kTsPerPacket + 1000);
}

std::vector<uint16_t> range(uint32_t first, uint32_t count) {
  std::vector<uint16_t> v;
  for (uint32_t i = 0; i < count; ++i) v.push_back(static_cast<uint16_t>(first + i));
  return v;
}

TEST(ReceiveStatsTest, ProbationThenInOrder) {
  ReceiveStats s;
  EXPECT_EQ(s.update(SeqNum(1000), 0, 0), SeqVerdict::probation);
  EXPECT_EQ(s.packets_expected(), 0u);
  EXPECT_EQ(s.update(SeqNum(1001), 160, 160), SeqVerdict::valid);
  feed(s, range(1002, 98));
  // RFC 3550 §A.1: the source counts from the packet that ended probation.
  EXPECT_EQ(s.packets_received(), 99u);
  EXPECT_EQ(s.packets_expected(), 99u);
  EXPECT_EQ(s.cumulative_lost(), 0);
  EXPECT_EQ(s.extended_highest_seq(), 1099u);
  const ReceptionReport r = s.make_report();
  EXPECT_EQ(r.fraction_lost, 0);
  EXPECT_EQ(r.cumulative_lost, 0);
  EXPECT_EQ(r.extended_highest_seq, 1099u);
}

TEST(ReceiveStatsTest, ProbationRestartsOnOutOfOrderStart) {
  ReceiveStats s;
  EXPECT_EQ(s.update(SeqNum(10), 0, 0), SeqVerdict::probation);
  EXPECT_EQ(s.update(SeqNum(50), 0, 0), SeqVerdict::probation);
  EXPECT_EQ(s.update(SeqNum(51), 0, 0), SeqVerdict::valid);
  EXPECT_EQ(s.packets_received(), 1u);
}

TEST(ReceiveStatsTest, LossAndFractionPerInterval) {
  ReceiveStats s;
  std::vector<uint16_t> seqs;
  for (uint16_t q = 0; q < 101; ++q)
    if (q < 2 || q % 10 != 0) seqs.push_back(q);  // drop 10, 20, ..., 100 except the last
  seqs.push_back(101);
  feed(s, seqs);
  // Base is seq 1; expected 1..101 = 101; lost 10, 20, ..., 100 = 10.
  EXPECT_EQ(s.packets_expected(), 101u);
  EXPECT_EQ(s.cumulative_lost(), 10);
  ReceptionReport r = s.make_report();
  EXPECT_EQ(r.cumulative_lost, 10);
  EXPECT_EQ(r.fraction_lost, (10 * 256) / 101);

  // Next interval: 50 packets, 25 lost (every other one).
  for (uint16_t q = 102; q < 152; q += 2) s.update(SeqNum(q), 0, 0);
  s.update(SeqNum(152), 0, 0);  // 102..152: 51 expected, 26 received
  r = s.make_report();
  EXPECT_EQ(r.fraction_lost, (25 * 256) / 51);
  EXPECT_EQ(r.cumulative_lost, 35);
  // An interval with no loss reports 0 again.
  feed(s, range(153, 10));
  EXPECT_EQ(s.make_report().fraction_lost, 0);
}

TEST(ReceiveStatsTest, ReorderIsNotLoss) {
  ReceiveStats s;
  std::vector<uint16_t> seqs = range(500, 100);
  for (size_t i = 4; i + 1 < seqs.size(); i += 7) std::swap(seqs[i], seqs[i + 1]);
  feed(s, seqs);
  EXPECT_EQ(s.cumulative_lost(), 0);
  EXPECT_EQ(s.extended_highest_seq(), 599u);
}

TEST(ReceiveStatsTest, DuplicatesMakeLossNegativeAndFractionZero) {
  ReceiveStats s;
  feed(s, range(0, 50));
  feed(s, {10, 20, 30, 40, 45});
  feed(s, range(50, 10));
  // RFC 3550 §6.4.1: duplicates count as received, so loss can go negative.
  EXPECT_EQ(s.cumulative_lost(), -5);
  const ReceptionReport r = s.make_report();
  EXPECT_EQ(r.cumulative_lost, -5);
  EXPECT_EQ(r.fraction_lost, 0) << "negative interval loss reports as 0";
}

TEST(ReceiveStatsTest, SequenceWrapExtendsHighest) {
  ReceiveStats s;
  feed(s, range(65500, 100));  // 65500 .. 65535, 0 .. 63
  EXPECT_EQ(s.extended_highest_seq(), 65536u + 63u);
  EXPECT_EQ(s.packets_expected(), 99u);
  EXPECT_EQ(s.cumulative_lost(), 0);
  // A late packet from before the wrap does not wrap again.
  EXPECT_EQ(s.update(SeqNum(65534), 0, 0), SeqVerdict::valid);
  EXPECT_EQ(s.extended_highest_seq(), 65536u + 63u);
}

TEST(ReceiveStatsTest, LargeJumpNeedsTwoPacketsToRestart) {
  ReceiveStats s;
  feed(s, range(100, 50));  // up to 149
  EXPECT_EQ(s.update(SeqNum(149 + ReceiveStats::kMaxDropout + 10), 0, 0), SeqVerdict::invalid);
  EXPECT_EQ(s.extended_highest_seq(), 149u) << "a single wild packet is ignored";
  EXPECT_EQ(s.update(SeqNum(150), 0, 0), SeqVerdict::valid);
  // The sender restarted: two sequential packets from the new place.
  EXPECT_EQ(s.update(SeqNum(30000), 0, 0), SeqVerdict::invalid);
  EXPECT_EQ(s.update(SeqNum(30001), 0, 0), SeqVerdict::valid);
  EXPECT_EQ(s.extended_highest_seq(), 30001u);
  EXPECT_EQ(s.packets_received(), 1u);
  EXPECT_EQ(s.cumulative_lost(), 0);
  // Just inside MAX_DROPOUT is a (lossy) jump, not a restart.
  EXPECT_EQ(s.update(SeqNum(30001 + ReceiveStats::kMaxDropout - 1), 0, 0), SeqVerdict::valid);
  EXPECT_EQ(s.cumulative_lost(), static_cast<int64_t>(ReceiveStats::kMaxDropout) - 2);
}

TEST(ReceiveStatsTest, JitterOfConstantDelayIsZero) {
  ReceiveStats s;
  // Timestamps and arrivals both cross the 32-bit wrap.
  for (uint32_t i = 0; i < 500; ++i) {
    const uint32_t ts = 0xfffff000u + i * kTsPerPacket;
    s.update(SeqNum(static_cast<uint16_t>(i)), ts, ts + 0x7fff0000u);
  }
  EXPECT_EQ(s.jitter_q4(), 0u);
}

TEST(ReceiveStatsTest, JitterFollowsTheRfcFormula) {
  ReceiveStats s;
  double expected = 0;
  int64_t prev_transit = 0;
  bool have = false;
  for (uint32_t i = 0; i < 400; ++i) {
    SCOPED_TRACE(i);
    const uint32_t ts = 1000 + i * kTsPerPacket;
    const int64_t delay = (i % 2 == 0) ? 0 : 80 + (i % 7) * 10;  // alternating network delay
    const uint32_t arrival = ts + 5000 + static_cast<uint32_t>(delay);
    ASSERT_NE(s.update(SeqNum(static_cast<uint16_t>(i)), ts, arrival), SeqVerdict::invalid);
    if (i == 0) continue;  // probation: not counted
    const int64_t transit = int64_t{arrival} - ts;
    if (have) expected += (std::abs(static_cast<double>(transit - prev_transit)) - expected) / 16.0;
    prev_transit = transit;
    have = true;
    // RFC 3550 §A.8: the integer form tracks J within rounding.
    EXPECT_NEAR(s.jitter_q4() / 16.0, expected, 1.0);
  }
  EXPECT_GT(s.jitter_rtp_units(), 60u);
  EXPECT_NEAR(s.make_report().jitter_rtp_units, expected, 1.0);
}

TEST(SendStatsTest, CountsPayloadOctets) {
  SendStats s;
  for (int i = 0; i < 10; ++i) s.on_sent(160);
  EXPECT_EQ(s.packets, 10u);
  EXPECT_EQ(s.payload_octets, 1600u);
  s.payload_octets = 0x100000010ull;
  EXPECT_EQ(s.sr_octet_count(), 0x10u) << "the SR field wraps modulo 2^32";
}

}  // namespace
}  // namespace offhook::rtp
