// Result<T>: the error type of offhook's public API and of its control plane, a subset of
// std::expected's API (C++23) in C++20. Part of the public API (include/offhook/); core/result.hpp
// includes it for the internal code.
//
// Any thread. Fallible constructors become `static Result<X> create(...)`; no exception crosses the
// API. Real-time paths do not use Result (it may carry a string); they return small status enums.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace offhook {

// Error categories. Never OR two of them together: one error, one code.
enum class Errc : uint8_t {
  invalid_argument,  // the caller passed something malformed (bad key, unknown name, bad value)
  not_supported,     // well-formed but unsupported (a WAV format, a codec, an SRTP suite)
  bad_format,        // input data is malformed (file, packet, SDP)
  io_error,          // a file or socket operation failed
  address_in_use,    // bind() found the port taken
  auth_failed,       // SRTP authentication or replay check failed
  not_found,         // a file, device or entry does not exist
  resource_exhausted,// a fixed pool or ring is full
  internal,          // a dependency failed in a way we cannot classify
};

const char* errc_name(Errc code) noexcept;

struct Error {
  Errc code;
  std::string message;  // one line, names the problem ("unknown codec 'XYZ'")
};

template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "Result<Error> is ambiguous");

 public:
  using value_type = T;
  using error_type = Error;

  Result(const T& value) : v_(std::in_place_index<0>, value) {}  // NOLINT: implicit like expected
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <class... Args>
  explicit Result(std::in_place_t, Args&&... args) : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  T&& operator*() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  void value() const noexcept {}
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_{Errc::internal, {}};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status ok() { return {}; }

}  // namespace offhook
