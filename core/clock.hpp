// Clock: the only source of time in offhook. Nothing reads the wall clock directly; a Clock is
// injected so that a simulated call runs faster than real time and gives the same result each run.
//
// now_us() is [rt] on both implementations (a vDSO clock_gettime or an atomic load). sleep_until()
// blocks and is for the threads that wait for the next tick, never for code inside a tick.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace offhook {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds on a monotonic time line with an arbitrary origin. [rt]
  virtual uint64_t now_us() const noexcept = 0;
  // Blocks the calling thread until now_us() >= `deadline_us` or wake() is called. Returns
  // immediately if the deadline has passed.
  virtual void sleep_until(uint64_t deadline_us) noexcept = 0;
  // Releases every thread inside sleep_until() (used at shutdown).
  virtual void wake() noexcept = 0;
};

// CLOCK_MONOTONIC.
class MonotonicClock final : public Clock {
 public:
  uint64_t now_us() const noexcept override;
  void sleep_until(uint64_t deadline_us) noexcept override;
  void wake() noexcept override;

 private:
  std::atomic<uint32_t> wake_generation_{0};
};

// Simulated time: advances only when advance() or set() is called. Sleepers wake when time passes
// their deadline, so threads driven by it run in lock step with the test.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(uint64_t start_us = 0) : now_(start_us) {}

  uint64_t now_us() const noexcept override { return now_.load(std::memory_order_acquire); }
  void sleep_until(uint64_t deadline_us) noexcept override;
  void wake() noexcept override;

  void advance(uint64_t delta_us) noexcept;
  void set(uint64_t now_us) noexcept;  // never moves backwards; an earlier value is ignored

 private:
  std::atomic<uint64_t> now_;
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t wake_generation_ = 0;
};

}  // namespace offhook
