#include "rtp/seq.hpp"

#include <gtest/gtest.h>

#include <random>

namespace offhook::rtp {
namespace {

TEST(SeqTest, IsNewerAcrossWrap) {
  EXPECT_TRUE(is_newer(SeqNum(1), SeqNum(0)));
  EXPECT_FALSE(is_newer(SeqNum(0), SeqNum(1)));
  EXPECT_FALSE(is_newer(SeqNum(7), SeqNum(7)));
  EXPECT_TRUE(is_newer(SeqNum(0), SeqNum(65535)));
  EXPECT_TRUE(is_newer(SeqNum(100), SeqNum(65000)));
  EXPECT_FALSE(is_newer(SeqNum(65000), SeqNum(100)));
  // Exactly half the range apart: exactly one of the two is newer.
  EXPECT_NE(is_newer(SeqNum(0x8000), SeqNum(0)), is_newer(SeqNum(0), SeqNum(0x8000)));
  EXPECT_NE(is_newer(SeqNum(0x9000), SeqNum(0x1000)), is_newer(SeqNum(0x1000), SeqNum(0x9000)));
  EXPECT_TRUE(is_newer(RtpTimestamp(5), RtpTimestamp(0xfffffff0u)));
  EXPECT_FALSE(is_newer(RtpTimestamp(0xfffffff0u), RtpTimestamp(5)));
}

TEST(SeqTest, DifferenceAndArithmetic) {
  EXPECT_EQ(seq_diff(SeqNum(2), SeqNum(65534)), 4);
  EXPECT_EQ(seq_diff(SeqNum(65534), SeqNum(2)), -4);
  EXPECT_EQ((SeqNum(65535) + 1).value(), 0);
  EXPECT_EQ((SeqNum(0) - 1).value(), 65535);
  EXPECT_EQ(ts_diff(RtpTimestamp(100), RtpTimestamp(0xffffff00u)), 356);
  EXPECT_EQ((RtpTimestamp(0xffffffffu) + 161).value(), 160u);
}

TEST(SeqTest, UnwrapperHandlesWrapsAndReordering) {
  SeqUnwrapper u;
  EXPECT_EQ(u.unwrap(SeqNum(65530)), 65530);
  EXPECT_EQ(u.unwrap(SeqNum(65535)), 65535);
  EXPECT_EQ(u.unwrap(SeqNum(2)), 65538);
  EXPECT_EQ(u.unwrap(SeqNum(65534)), 65534) << "a reordered packet from before the wrap";
  EXPECT_EQ(u.unwrap(SeqNum(3)), 65539);
  EXPECT_EQ(u.peek(SeqNum(10)), 65546);
  EXPECT_EQ(u.unwrap(SeqNum(4)), 65540) << "peek must not move the unwrapper";

  // Many wraps with random reordering (never more than 100 apart) stay exact.
  std::mt19937 rng{42};
  SeqUnwrapper v;
  int64_t truth = 1000;
  v.unwrap(SeqNum(static_cast<uint16_t>(truth)));
  for (int i = 0; i < 300000; ++i) {
    SCOPED_TRACE(i);
    const int64_t value = truth + static_cast<int64_t>(rng() % 200) - 100;
    ASSERT_EQ(v.unwrap(SeqNum(static_cast<uint16_t>(value))), value);
    truth += 1;
  }
  EXPECT_GT(truth, 4 * 65536);

  TimestampUnwrapper t;
  EXPECT_EQ(t.unwrap(RtpTimestamp(0xfffffe00u)), 0xfffffe00LL);
  EXPECT_EQ(t.unwrap(RtpTimestamp(0x100u)), 0x100000100LL);
  EXPECT_EQ(t.unwrap(RtpTimestamp(0xffffff00u)), 0xffffff00LL);
}

}  // namespace
}  // namespace offhook::rtp
