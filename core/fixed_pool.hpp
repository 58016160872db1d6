// FixedPool<T>: `capacity` objects allocated once at creation, then handed out and returned without
// touching the heap. Single-threaded: owned by one thread (typically the media thread, where
// acquire() and release() are [rt]). The pool outlives every object it hands out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace offhook {

template <class T>
class FixedPool {
 public:
  // Allocates here, never afterwards. Every slot is default-constructed once.
  explicit FixedPool(size_t capacity) : slots_(std::make_unique<T[]>(capacity)), capacity_(capacity) {
    free_.reserve(capacity);
    for (size_t i = capacity; i > 0; --i) free_.push_back(static_cast<uint32_t>(i - 1));
  }
  FixedPool(const FixedPool&) = delete;
  FixedPool& operator=(const FixedPool&) = delete;

  // [rt] A free object or nullptr when all are in use. The object keeps whatever state its last
  // user left; callers reset what they need.
  T* acquire() noexcept {
    if (free_.empty()) return nullptr;
    const uint32_t index = free_.back();
    free_.pop_back();  // never reallocates: capacity was reserved for every slot
    return &slots_[index];
  }

  // [rt] Returns `object` to the pool. Returns false (and does nothing) if it does not belong here or
  // the pool is already full (a double release).
  bool release(T* object) noexcept {
    if (object < slots_.get() || object >= slots_.get() + capacity_ || free_.size() == capacity_) return false;
    free_.push_back(static_cast<uint32_t>(object - slots_.get()));
    return true;
  }

  size_t capacity() const noexcept { return capacity_; }
  size_t available() const noexcept { return free_.size(); }

 private:
  std::unique_ptr<T[]> slots_;
  size_t capacity_;
  std::vector<uint32_t> free_;
};

}  // namespace offhook
