#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace offhook {
namespace {

TEST(ClockTest, MonotonicAdvances) {
  MonotonicClock clock;
  const uint64_t a = clock.now_us();
  clock.sleep_until(a + 2000);
  const uint64_t b = clock.now_us();
  EXPECT_GE(b, a + 2000);
}

TEST(ClockTest, MonotonicWakeReleasesSleeper) {
  MonotonicClock clock;
  std::atomic<bool> done{false};
  std::thread sleeper([&] {
    clock.sleep_until(clock.now_us() + 60'000'000);  // a minute: only wake() ends this
    done = true;
  });
  while (!done) {
    clock.wake();
    std::this_thread::yield();
  }
  sleeper.join();
  SUCCEED();
}

TEST(ClockTest, SimulatedOnlyMovesWhenTold) {
  SimulatedClock clock(1000);
  EXPECT_EQ(clock.now_us(), 1000u);
  clock.advance(500);
  EXPECT_EQ(clock.now_us(), 1500u);
  clock.set(1200);  // never backwards
  EXPECT_EQ(clock.now_us(), 1500u);
  clock.set(5000);
  EXPECT_EQ(clock.now_us(), 5000u);
}

TEST(ClockTest, SimulatedSleeperWakesWhenTimePasses) {
  SimulatedClock clock(0);
  std::atomic<uint64_t> woke_at{0};
  std::thread sleeper([&] {
    clock.sleep_until(10'000);
    woke_at = clock.now_us();
  });
  for (int i = 0; i < 20; ++i) clock.advance(1000);
  sleeper.join();
  EXPECT_GE(woke_at.load(), 10'000u);
}

}  // namespace
}  // namespace offhook
