// Result<T, E>: a value or a structured error, spelt like std::expected (C++23) so the
// move to it is mechanical. No exceptions on the data path: parsers return these.
//
// scsi/ instantiates it as scsi::Result<T> = Result<T, scsi::Sense>; nvme/ with its own
// status type. base/ knows neither.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace xg::base {

template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const& { assert(!has_value()); return std::get<1>(v_); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  static_assert(!std::is_same_v<T, E>, "value and error types must differ");
  std::variant<T, E> v_;
};

// Result<void, E>: success carries nothing.
struct Ok {};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Ok) {}                                    // NOLINT: implicit by design
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  const E& error() const& { assert(!has_value()); return std::get<1>(v_); }
  E&& error() && { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<std::monostate, E> v_;
};

}  // namespace xg::base

// Propagate an error from an expression returning a Result; bind nothing.
#define XG_TRY(expr)                                    \
  do {                                                  \
    auto xg_try_result_ = (expr);                       \
    if (!xg_try_result_) return std::move(xg_try_result_).error(); \
  } while (0)
