#include "core/clock.hpp"

#include <ctime>

namespace offhook {

uint64_t MonotonicClock::now_us() const noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

void MonotonicClock::sleep_until(uint64_t deadline_us) noexcept {
  // Sleep in slices of at most 20 ms so that wake() is noticed promptly without a condition variable.
  const uint32_t generation = wake_generation_.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t now = now_us();
    if (now >= deadline_us || wake_generation_.load(std::memory_order_acquire) != generation) return;
    const uint64_t slice = deadline_us - now < 20'000 ? deadline_us - now : 20'000;
    timespec ts{static_cast<time_t>(slice / 1'000'000u), static_cast<long>((slice % 1'000'000u) * 1000u)};
    nanosleep(&ts, nullptr);
  }
}

void MonotonicClock::wake() noexcept { wake_generation_.fetch_add(1, std::memory_order_acq_rel); }

void SimulatedClock::sleep_until(uint64_t deadline_us) noexcept {
  std::unique_lock lock(mutex_);
  const uint64_t generation = wake_generation_;
  cv_.wait(lock, [&] { return now_us() >= deadline_us || wake_generation_ != generation; });
}

void SimulatedClock::wake() noexcept {
  {
    std::lock_guard lock(mutex_);
    ++wake_generation_;
  }
  cv_.notify_all();
}

void SimulatedClock::advance(uint64_t delta_us) noexcept {
  {
    std::lock_guard lock(mutex_);
    now_.fetch_add(delta_us, std::memory_order_acq_rel);
  }
  cv_.notify_all();
}

void SimulatedClock::set(uint64_t now_us_value) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (now_us_value > now_.load(std::memory_order_relaxed)) now_.store(now_us_value, std::memory_order_release);
  }
  cv_.notify_all();
}

}  // namespace offhook
