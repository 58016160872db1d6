#include "core/seqlock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace offhook {
namespace {

// A snapshot whose fields must always agree: a torn read shows up as a mismatch.
struct Snapshot {
  uint64_t a;
  uint64_t b;
  uint32_t c;
};

TEST(SeqLockTest, ReadersNeverSeeTornSnapshots) {
  SeqLock<Snapshot> lock;
  constexpr uint64_t kReads = 200'000;
  std::atomic<bool> reader_done{false};
  uint64_t written = 0;
  std::thread writer([&] {
    // Keeps writing for as long as the reader reads, so the two overlap for the whole test.
    while (!reader_done.load(std::memory_order_acquire)) {
      ++written;
      lock.store(Snapshot{written, written * 3, static_cast<uint32_t>(written * 7)});
    }
  });
  uint64_t torn = 0, last = 0;
  bool monotonic = true;
  while (lock.load().a == 0) std::this_thread::yield();  // wait until the writer is running
  for (uint64_t i = 0; i < kReads; ++i) {
    const Snapshot s = lock.load();
    if (s.b != s.a * 3 || s.c != static_cast<uint32_t>(s.a * 7)) ++torn;
    monotonic = monotonic && s.a >= last;
    last = s.a;
  }
  reader_done.store(true, std::memory_order_release);
  writer.join();
  EXPECT_EQ(torn, 0u);
  EXPECT_TRUE(monotonic);
  EXPECT_GT(last, 0u) << "the reader saw the writer's values";
  EXPECT_EQ(lock.load().a, written);
}

}  // namespace
}  // namespace offhook
