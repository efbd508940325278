/* SPDX-License-Identifier: MIT */
// Errors as values (HMX-LIB-021 HMX-LIB-022; docs/ARCHITECTURE.md decision 7: no exceptions, no heap).
//
// Every HMX operation returns a signed 64-bit value: >= 0 is success (sendv: bytes sent, batch:
// entries run), < 0 is the negation of one of the spec's error codes (spec/hmx.textproto
// `errors`, Xen's errno values). `hmx::status` carries 0 or such a negated code; `hmx::result<T>`
// carries a T or a non-zero status. Both are [[nodiscard]]: a dropped HMX error is a bug.
//
// libhmx reports its own precondition failures with the same codes, chosen to match what a
// hypervisor would answer for the same input (README.md "Errors").
#pragma once

#include <cstdint>

#include <hmx/abi/errors.h>

namespace hmx {

// The spec's error codes, negated as operations return them. The list is the generated
// HMX_ERROR_LIST of <hmx/abi/errors.h> (every code of the spec data, with its enumerator), so a
// code added to the spec is here without an edit.
enum class errc : int32_t {
  ok = 0,
#define HMX_ERRC_ENUMERATOR(name, enumerator) enumerator = -HMX_##name,
  HMX_ERROR_LIST(HMX_ERRC_ENUMERATOR)
#undef HMX_ERRC_ENUMERATOR
};

// Name of an error code for printing ("EINVAL"); accepts the code negated or not. 0 is "OK";
// a value the spec does not define is "E?" (a conduit may return foreign codes, e.g. KVM's -1000).
[[nodiscard]] constexpr const char* error_name(int64_t code) noexcept {
  switch (code < 0 ? -code : code) {
    case 0: return "OK";
#define HMX_ERRC_NAME(name, enumerator) \
  case HMX_##name:                      \
    return #name;
    HMX_ERROR_LIST(HMX_ERRC_NAME)
#undef HMX_ERRC_NAME
    default: return "E?";
  }
}

class [[nodiscard]] status {
 public:
  constexpr status() noexcept = default;
  constexpr status(errc e) noexcept : code_(static_cast<int32_t>(e)) {}  // NOLINT: implicit by design

  // From an operation's raw 64-bit result: >= 0 is success. A negative value outside int32 (no
  // spec code is) is kept recognisably wrong rather than truncated into a plausible code.
  [[nodiscard]] static constexpr status from_raw(int64_t raw) noexcept {
    status s;
    if (raw < 0) s.code_ = raw < INT32_MIN ? INT32_MIN : static_cast<int32_t>(raw);
    return s;
  }

  [[nodiscard]] constexpr bool ok() const noexcept { return code_ == 0; }
  constexpr explicit operator bool() const noexcept { return ok(); }
  // 0 or a negated HMX_E* value.
  [[nodiscard]] constexpr int32_t code() const noexcept { return code_; }
  [[nodiscard]] constexpr errc error() const noexcept { return static_cast<errc>(code_); }
  [[nodiscard]] constexpr const char* name() const noexcept { return error_name(code_); }

  friend constexpr bool operator==(status a, status b) noexcept { return a.code_ == b.code_; }
  friend constexpr bool operator==(status a, errc e) noexcept {
    return a.code_ == static_cast<int32_t>(e);
  }

 private:
  int32_t code_ = 0;
};

// A value or an error. T must be default-constructible and trivially copyable (addresses,
// counts, small structs): results travel through freestanding code without allocation.
template <class T>
class [[nodiscard]] result {
 public:
  constexpr result(T value) noexcept : value_(value) {}  // NOLINT: implicit by design
  // An error. Passing an ok status yields a success holding T{} (callers only pass errors).
  constexpr result(status s) noexcept : status_(s) {}  // NOLINT
  constexpr result(errc e) noexcept : status_(e) {}    // NOLINT

  [[nodiscard]] constexpr bool ok() const noexcept { return status_.ok(); }
  constexpr explicit operator bool() const noexcept { return ok(); }
  // The error; an ok status when ok().
  [[nodiscard]] constexpr hmx::status error() const noexcept { return status_; }
  // The value; T{} when !ok().
  [[nodiscard]] constexpr const T& value() const noexcept { return value_; }
  [[nodiscard]] constexpr T& value() noexcept { return value_; }
  [[nodiscard]] constexpr const T& operator*() const noexcept { return value_; }
  [[nodiscard]] constexpr T& operator*() noexcept { return value_; }
  constexpr const T* operator->() const noexcept { return &value_; }
  constexpr T* operator->() noexcept { return &value_; }
  [[nodiscard]] constexpr T value_or(T fallback) const noexcept { return ok() ? value_ : fallback; }

 private:
  T value_{};
  hmx::status status_{};
};

}  // namespace hmx
