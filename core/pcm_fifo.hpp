// PcmFifo: a first-in first-out queue of interleaved 16-bit samples in a buffer sized once at
// creation. Used between stages that produce and consume audio in different block sizes (20 ms
// packets vs 10 ms ticks, resampler output). Single-threaded; every member but the constructor is
// [rt]: pushing never grows the buffer (the writer gets the free space and commits what it wrote).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace offhook {

class PcmFifo {
 public:
  PcmFifo() = default;
  explicit PcmFifo(size_t capacity) : buffer_(capacity, 0) {}

  size_t size() const noexcept { return fill_ - read_; }
  size_t capacity() const noexcept { return buffer_.size(); }
  std::span<const int16_t> data() const noexcept { return {buffer_.data() + read_, size()}; }

  // Free space behind the queued samples (the queued ones move to the front first); write into it,
  // then commit() how many samples were written.
  std::span<int16_t> space() noexcept {
    if (read_ != 0) {
      std::copy(buffer_.begin() + static_cast<ptrdiff_t>(read_), buffer_.begin() + static_cast<ptrdiff_t>(fill_),
                buffer_.begin());
      fill_ -= read_;
      read_ = 0;
    }
    return {buffer_.data() + fill_, buffer_.size() - fill_};
  }
  void commit(size_t samples) noexcept { fill_ = std::min(fill_ + samples, buffer_.size()); }
  void consume(size_t samples) noexcept { read_ = std::min(read_ + samples, fill_); }
  void clear() noexcept { read_ = fill_ = 0; }

 private:
  std::vector<int16_t> buffer_;
  size_t read_ = 0;
  size_t fill_ = 0;
};

}  // namespace offhook
