/* SPDX-License-Identifier: Apache-2.0 */
// Test-only switches (hmx_reference_testable only; the production hmx_reference has none,
// src/switches.h) that turn off one check of the reference core, so that the conformance
// suite can show that it fails exactly the requirements covering that check (ctest
// conformance.can_fail, conformance/check_can_fail.cmake). Every check is on unless a test turns
// it off; nothing else calls disable(). Process-wide.
#pragma once

#include <cstdint>
#include <string_view>

namespace hmx::ref::testing {

enum class check : uint8_t {
  sendv_source_domain,  // sendv row 5: src.domain_id is DOMID_ANY or the caller (HMX-SEND-002)
  notify_entry_limit,   // notify row 5: nent at most MAX_NOTIFY_COUNT (HMX-NOTIFY-002)
  count,
  // Only checks whose absence changes results, never memory safety: a switch must not turn the
  // in-process test run into a crash (batch's count bound guards a fixed-size copy, for one).
};

// While set, every bookkeeping allocation of an operation (a ring record, a space wait) fails as
// if memory were exhausted, so the ENOMEM rows of the error tables can be provoked (the real
// std::bad_alloc path runs: nothing else changes). Off by default.
void set_allocation_failure(bool fail) noexcept;
[[nodiscard]] bool allocation_fails() noexcept;

void disable(check c) noexcept;
void enable_all() noexcept;
[[nodiscard]] bool enabled(check c) noexcept;
// "sendv_source_domain", ...; from_name is false for an unknown name.
[[nodiscard]] const char* name(check c) noexcept;
[[nodiscard]] bool from_name(std::string_view text, check* out) noexcept;

}  // namespace hmx::ref::testing
