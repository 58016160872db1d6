// PcmRing: a lock-free ring of 16-bit samples for exactly one producer thread and one consumer
// thread, with bulk write/read (an ALSA period or a 10 ms frame at a time). It also carries the
// producer's time of its last push, which the consumer turns into the producer's phase for the
// drift compensator (src/drift_compensator.hpp).
//
// The constructor allocates (control thread); write(), read(), size() and the push time are [rt]
// on their side: noexcept, no allocation, no lock. Indices are published with release and read
// with acquire, as in core/spsc_ring.hpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace offhook {

class PcmRing {
 public:
  // Capacity is rounded up to a power of two.
  explicit PcmRing(size_t min_capacity) : buffer_(round_up(min_capacity), 0), mask_(buffer_.size() - 1) {}
  PcmRing(const PcmRing&) = delete;
  PcmRing& operator=(const PcmRing&) = delete;

  size_t capacity() const noexcept { return buffer_.size(); }
  // Either side; exact on a side while the other is idle.
  size_t size() const noexcept {
    return write_.load(std::memory_order_acquire) - read_.load(std::memory_order_acquire);
  }
  size_t free_space() const noexcept { return capacity() - size(); }

  // Producer. [rt] Writes all of `in` or nothing; false when it does not fit.
  bool write(std::span<const int16_t> in) noexcept {
    const size_t w = write_.load(std::memory_order_relaxed);
    const size_t r = read_.load(std::memory_order_acquire);
    if (buffer_.size() - (w - r) < in.size()) return false;
    for (size_t i = 0; i < in.size(); ++i) buffer_[(w + i) & mask_] = in[i];
    write_.store(w + in.size(), std::memory_order_release);
    return true;
  }
  // Producer. [rt] Records when the last write happened (microseconds, the device's clock).
  void set_push_time_us(uint64_t t) noexcept { push_time_us_.store(t, std::memory_order_release); }

  // Consumer. [rt] Reads up to out.size() samples; returns how many.
  size_t read(std::span<int16_t> out) noexcept {
    const size_t r = read_.load(std::memory_order_relaxed);
    const size_t w = write_.load(std::memory_order_acquire);
    const size_t n = std::min(out.size(), w - r);
    for (size_t i = 0; i < n; ++i) out[i] = buffer_[(r + i) & mask_];
    read_.store(r + n, std::memory_order_release);
    return n;
  }
  // Consumer. [rt]
  uint64_t push_time_us() const noexcept { return push_time_us_.load(std::memory_order_acquire); }

 private:
  static size_t round_up(size_t n) noexcept {
    size_t c = 2;
    while (c < n) c *= 2;
    return c;
  }

  std::vector<int16_t> buffer_;
  size_t mask_;
  alignas(64) std::atomic<size_t> write_{0};
  std::atomic<uint64_t> push_time_us_{0};
  alignas(64) std::atomic<size_t> read_{0};
};

}  // namespace offhook
