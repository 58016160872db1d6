// Wrap-aware RTP sequence numbers (16 bit) and timestamps (32 bit), and unwrappers to 64 bits.
//
// Any thread; plain value types. Everything here is [rt]: constexpr/noexcept, no allocation.
//
// RFC 3550 §5.1: both fields wrap and start at a random value. "Newer" is decided modulo 2^N:
// `a` is newer than `b` when it is less than half the range ahead. At exactly half the range the
// larger raw value wins, so is_newer(a, b) and is_newer(b, a) are never both true (as in WebRTC).
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>

namespace offhook::rtp {

namespace detail {

template <class Raw, class Signed>
class WrapValue {
  static_assert(std::is_unsigned_v<Raw> && sizeof(Raw) == sizeof(Signed));

 public:
  using raw_type = Raw;
  static constexpr Raw kHalf = static_cast<Raw>(Raw{1} << (sizeof(Raw) * 8 - 1));

  constexpr WrapValue() noexcept = default;
  constexpr explicit WrapValue(Raw value) noexcept : v_(value) {}
  constexpr Raw value() const noexcept { return v_; }
  friend constexpr bool operator==(WrapValue, WrapValue) noexcept = default;

  // Modular addition: `n` may be negative.
  constexpr WrapValue operator+(int64_t n) const noexcept {
    return WrapValue(static_cast<Raw>(v_ + static_cast<Raw>(n)));
  }
  constexpr WrapValue operator-(int64_t n) const noexcept { return *this + (-n); }

 private:
  Raw v_ = 0;
};

}  // namespace detail

struct SeqNum : detail::WrapValue<uint16_t, int16_t> {
  using WrapValue::WrapValue;
  constexpr SeqNum(WrapValue w) noexcept : WrapValue(w) {}  // NOLINT: result of + and -
};

struct RtpTimestamp : detail::WrapValue<uint32_t, int32_t> {
  using WrapValue::WrapValue;
  constexpr RtpTimestamp(WrapValue w) noexcept : WrapValue(w) {}  // NOLINT
};

// Signed distance `a - b` in [-2^(N-1), 2^(N-1)): positive when `a` is newer (except at the half).
constexpr int32_t seq_diff(SeqNum a, SeqNum b) noexcept {
  return static_cast<int16_t>(static_cast<uint16_t>(a.value() - b.value()));
}
constexpr int64_t ts_diff(RtpTimestamp a, RtpTimestamp b) noexcept {
  return static_cast<int32_t>(a.value() - b.value());
}

// True when `a` comes after `b` in the wrapped sequence space.
constexpr bool is_newer(SeqNum a, SeqNum b) noexcept {
  const auto d = static_cast<uint16_t>(a.value() - b.value());
  return d == SeqNum::kHalf ? a.value() > b.value() : (d != 0 && d < SeqNum::kHalf);
}
constexpr bool is_newer(RtpTimestamp a, RtpTimestamp b) noexcept {
  const uint32_t d = a.value() - b.value();
  return d == RtpTimestamp::kHalf ? a.value() > b.value() : (d != 0 && d < RtpTimestamp::kHalf);
}

// Maps a wrapping stream of values onto a monotonic-ish 64-bit line: each value lands at the
// position nearest to the previous one, so wraps and reordering (less than half the range) are
// handled. The first value maps to itself; a value older than the first maps below it (it may be
// negative). [rt]
template <class T>
class Unwrapper {
 public:
  constexpr int64_t unwrap(T value) noexcept {
    if (!last_) {
      last_ = value;
      last_unwrapped_ = value.value();
      return last_unwrapped_;
    }
    const auto d = static_cast<typename T::raw_type>(value.value() - last_->value());
    // Forward distance below half the range: ahead; otherwise behind (modular subtraction).
    const int64_t step = d < T::kHalf ? int64_t{d} : int64_t{d} - (int64_t{1} << (sizeof(d) * 8));
    last_unwrapped_ += step;
    last_ = value;
    return last_unwrapped_;
  }
  // Unwraps without remembering `value`.
  constexpr int64_t peek(T value) const noexcept {
    Unwrapper copy = *this;
    return copy.unwrap(value);
  }
  constexpr void reset() noexcept { last_.reset(); last_unwrapped_ = 0; }

 private:
  std::optional<T> last_;
  int64_t last_unwrapped_ = 0;
};

using SeqUnwrapper = Unwrapper<SeqNum>;
using TimestampUnwrapper = Unwrapper<RtpTimestamp>;

}  // namespace offhook::rtp
