#include "core/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <thread>

namespace offhook {
namespace {

static_assert(alignof(SpscRing<int, 8>) == kCacheLineBytes);

TEST(SpscRingTest, FifoAndFullEmpty) {
  SpscRing<int, 4> ring;
  EXPECT_EQ(ring.front(), nullptr);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(i));
  EXPECT_FALSE(ring.try_push(99)) << "a full ring must refuse, never overwrite or wait";
  EXPECT_EQ(ring.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    int v = -1;
    ASSERT_TRUE(ring.try_pop(v));
    EXPECT_EQ(v, i);
  }
  int v = -1;
  EXPECT_FALSE(ring.try_pop(v));
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRingTest, WrapsManyTimes) {
  SpscRing<uint32_t, 8> ring;
  uint32_t next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    const int burst = round % 9;
    for (int i = 0; i < burst; ++i) {
      if (ring.try_push(next_in)) ++next_in;
    }
    while (uint32_t* p = ring.front()) {
      ASSERT_EQ(*p, next_out);
      ring.pop();
      ++next_out;
    }
  }
  EXPECT_EQ(next_in, next_out);
  EXPECT_GT(next_in, 3000u);
}

// Every element constructed in the ring is destroyed exactly once, including those left inside.
TEST(SpscRingTest, DestroysElements) {
  auto counter = std::make_shared<int>(0);
  {
    SpscRing<std::shared_ptr<int>, 8> ring;
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.try_push(counter));
    EXPECT_EQ(counter.use_count(), 6);
    ASSERT_NE(ring.front(), nullptr);
    ring.pop();
    EXPECT_EQ(counter.use_count(), 5);
  }
  EXPECT_EQ(counter.use_count(), 1);
}

// Two threads, one producer, one consumer: every value arrives once, in order. Runs under the
// tsan preset too, which checks the acquire/release pairing.
TEST(SpscRingTest, TwoThreadStress) {
  constexpr uint64_t kCount = 2'000'000;
  auto ring = std::make_unique<SpscRing<uint64_t, 1024>>();
  uint64_t sum = 0;
  uint64_t received = 0;
  bool in_order = true;
  std::thread consumer([&] {
    uint64_t expected = 0;
    while (received < kCount) {
      uint64_t v;
      if (ring->try_pop(v)) {
        in_order = in_order && v == expected;
        ++expected;
        sum += v;
        ++received;
      } else {
        std::this_thread::yield();
      }
    }
  });
  for (uint64_t i = 0; i < kCount;) {
    if (ring->try_push(i)) {
      ++i;
    } else {
      std::this_thread::yield();
    }
  }
  consumer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(received, kCount);
  EXPECT_EQ(sum, kCount * (kCount - 1) / 2);
}

}  // namespace
}  // namespace offhook
