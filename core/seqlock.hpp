// SeqLock<T>: one writer publishes a trivially copyable snapshot (statistics), any number of
// readers copy a consistent version without ever blocking the writer.
//
// store() is [rt] (the media or network thread publishes its counters each tick); load() may retry
// while a store is in progress and is for the caller's thread. Data is copied word by word through
// atomics so the concurrent read is not a data race. Each data word is stored with release (ordering
// the "odd" sequence before it) and loaded with acquire (ordering the final sequence check after it),
// which needs no standalone fences (ThreadSanitizer does not model those).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace offhook {

template <class T>
class SeqLock {
  static_assert(std::is_trivially_copyable_v<T>);
  static constexpr size_t kWords = (sizeof(T) + sizeof(uint64_t) - 1) / sizeof(uint64_t);

 public:
  SeqLock() { store(T{}); }

  // [rt] Single writer only.
  void store(const T& value) noexcept {
    uint64_t words[kWords] = {};
    std::memcpy(words, &value, sizeof(T));
    const uint32_t seq = seq_.load(std::memory_order_relaxed);
    seq_.store(seq + 1, std::memory_order_relaxed);  // odd: write in progress
    for (size_t i = 0; i < kWords; ++i) data_[i].store(words[i], std::memory_order_release);
    seq_.store(seq + 2, std::memory_order_release);
  }

  // Any thread. Retries while the writer is inside store().
  T load() const noexcept {
    uint64_t words[kWords];
    for (;;) {
      const uint32_t before = seq_.load(std::memory_order_acquire);
      if (before & 1u) continue;
      for (size_t i = 0; i < kWords; ++i) words[i] = data_[i].load(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == before) break;
    }
    T value;
    std::memcpy(&value, words, sizeof(T));
    return value;
  }

 private:
  std::atomic<uint32_t> seq_{0};
  std::atomic<uint64_t> data_[kWords];
};

}  // namespace offhook
