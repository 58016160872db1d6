// SpscRing<T, N>: a bounded lock-free ring for exactly one producer thread and one consumer thread.
//
// Both sides are [rt]: try_push()/try_emplace() fail when full and front()/pop()/try_pop() report
// empty; nothing ever spins, blocks or allocates (storage is inline). Each index sits on its own
// cache line next to a cached copy of the other side's index, so the other side's line is read
// (with acquire) only when the cached copy says full or empty; an index is published with release.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace offhook {

inline constexpr size_t kCacheLineBytes = 64;

template <class T, size_t N>
class SpscRing {
  static_assert(N >= 2 && (N & (N - 1)) == 0, "capacity must be a power of two");
  static_assert(std::is_nothrow_destructible_v<T>);

 public:
  SpscRing() = default;
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;
  ~SpscRing() {
    while (front() != nullptr) pop();
  }

  static constexpr size_t capacity() noexcept { return N; }

  // Producer side. [rt]
  template <class... Args>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args&&...>) {
    const size_t write = write_.load(std::memory_order_relaxed);
    if (write - read_cache_ == N) {
      read_cache_ = read_.load(std::memory_order_acquire);
      if (write - read_cache_ == N) return false;
    }
    new (slot(write)) T(std::forward<Args>(args)...);
    write_.store(write + 1, std::memory_order_release);
    return true;
  }
  [[nodiscard]] bool try_push(const T& value) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    return try_emplace(value);
  }
  [[nodiscard]] bool try_push(T&& value) noexcept(std::is_nothrow_move_constructible_v<T>) {
    return try_emplace(std::move(value));
  }

  // Consumer side. [rt] front() returns the oldest element or nullptr when empty; pop() removes it
  // and must only follow a non-null front().
  T* front() noexcept {
    const size_t read = read_.load(std::memory_order_relaxed);
    if (read == write_cache_) {
      write_cache_ = write_.load(std::memory_order_acquire);
      if (read == write_cache_) return nullptr;
    }
    return slot(read);
  }
  void pop() noexcept {
    const size_t read = read_.load(std::memory_order_relaxed);
    slot(read)->~T();
    read_.store(read + 1, std::memory_order_release);
  }
  [[nodiscard]] bool try_pop(T& out) noexcept(std::is_nothrow_move_assignable_v<T>) {
    T* item = front();
    if (item == nullptr) return false;
    out = std::move(*item);
    pop();
    return true;
  }

  // Approximate from either thread; exact from a thread while the other is idle.
  size_t size() const noexcept {
    return write_.load(std::memory_order_acquire) - read_.load(std::memory_order_acquire);
  }
  bool empty() const noexcept { return size() == 0; }

 private:
  T* slot(size_t index) noexcept { return std::launder(reinterpret_cast<T*>(&storage_[index & (N - 1)])); }

  struct alignas(T) Cell {
    unsigned char bytes[sizeof(T)];
  };

  // Producer's line: its index and its cached view of the consumer's index.
  alignas(kCacheLineBytes) std::atomic<size_t> write_{0};
  size_t read_cache_ = 0;
  // Consumer's line.
  alignas(kCacheLineBytes) std::atomic<size_t> read_{0};
  size_t write_cache_ = 0;
  // The slots start on a line of their own so neither index shares a line with data.
  alignas(kCacheLineBytes) Cell storage_[N];
  // Padding so that whatever follows the ring in memory does not share the last slot's line.
  [[maybe_unused]] unsigned char tail_pad_[kCacheLineBytes]{};
};

}  // namespace offhook
