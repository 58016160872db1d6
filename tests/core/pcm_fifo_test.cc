#include "core/pcm_fifo.hpp"

#include <gtest/gtest.h>

namespace offhook {
namespace {

TEST(PcmFifoTest, PacketsInTicksOut) {
  PcmFifo fifo(240);  // one 20 ms packet plus a 10 ms leftover at 8 kHz
  int16_t next_in = 0, next_out = 0;
  for (int tick = 0; tick < 50; ++tick) {
    if (fifo.size() < 80) {  // a 160-sample packet arrives every other tick
      auto space = fifo.space();
      ASSERT_GE(space.size(), 160u);
      for (size_t i = 0; i < 160; ++i) space[i] = next_in++;
      fifo.commit(160);
    }
    ASSERT_GE(fifo.size(), 80u);
    for (size_t i = 0; i < 80; ++i) ASSERT_EQ(fifo.data()[i], next_out++);
    fifo.consume(80);
  }
  EXPECT_EQ(next_out, 50 * 80);
}

TEST(PcmFifoTest, NeverOverrunsItsBuffer) {
  PcmFifo fifo(10);
  fifo.commit(25);
  EXPECT_EQ(fifo.size(), 10u);
  fifo.consume(99);
  EXPECT_EQ(fifo.size(), 0u);
  EXPECT_EQ(fifo.space().size(), 10u);
}

}  // namespace
}  // namespace offhook
