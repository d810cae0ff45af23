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

namespace detail {

// An error kept on the heap. Parsers return a Result from every field check, and a large
// error type (scsi::Sense is over 100 bytes with a string and vectors) stored inline would
// make every one of those returns, moves and destructions pay for it on the success path.
// Boxed, success costs a null pointer; only a failure allocates. Copies are deep.
template <class E>
class ErrorBox {
 public:
  explicit ErrorBox(E&& error) : p_(new E(std::move(error))) {}
  ErrorBox(const ErrorBox& other) : p_(other.p_ ? new E(*other.p_) : nullptr) {}
  ErrorBox(ErrorBox&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  ErrorBox& operator=(ErrorBox other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~ErrorBox() { delete p_; }

  E& get() { return *p_; }
  const E& get() const { return *p_; }

 private:
  E* p_;
};

// Small errors (enums, codes) stay inline: boxing them would only add an allocation.
template <class E>
inline constexpr bool kBoxError = sizeof(E) > 2 * sizeof(void*);

template <class E>
using ErrorSlot = std::conditional_t<kBoxError<E>, ErrorBox<E>, E>;

template <class E>
E& unslot(ErrorSlot<E>& slot) {
  if constexpr (kBoxError<E>) {
    return slot.get();
  } else {
    return slot;
  }
}
template <class E>
const E& unslot(const ErrorSlot<E>& slot) {
  if constexpr (kBoxError<E>) {
    return slot.get();
  } else {
    return slot;
  }
}

}  // namespace detail

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

  const E& error() const& {
    assert(!has_value());
    return detail::unslot<E>(std::get<1>(v_));
  }
  E&& error() && {
    assert(!has_value());
    return std::move(detail::unslot<E>(std::get<1>(v_)));
  }

 private:
  static_assert(!std::is_same_v<T, E>, "value and error types must differ");
  std::variant<T, detail::ErrorSlot<E>> v_;
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
  const E& error() const& {
    assert(!has_value());
    return detail::unslot<E>(std::get<1>(v_));
  }
  E&& error() && {
    assert(!has_value());
    return std::move(detail::unslot<E>(std::get<1>(v_)));
  }

 private:
  std::variant<std::monostate, detail::ErrorSlot<E>> v_;
};

}  // namespace xg::base

// Propagate an error from an expression returning a Result; bind nothing.
#define XG_TRY(expr)                                    \
  do {                                                  \
    auto xg_try_result_ = (expr);                       \
    if (!xg_try_result_) return std::move(xg_try_result_).error(); \
  } while (0)
