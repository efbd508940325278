/* SPDX-License-Identifier: Apache-2.0 */
// How the core asks whether a check is on (include/hmx/reference/test_switches.h).
//
// The production library (hmx_reference) is compiled without HMX_REFERENCE_TEST_SWITCHES: every
// check is a constant `true`, no allocation is made to fail, and the binary carries no switch
// symbol (ctest architecture.no_test_switches checks hmx-kvm). Only hmx_reference_testable, which
// the unit tests and the conformance suite's reference target link, can turn a check off.
#pragma once

#include "hmx/reference/test_switches.h"

namespace hmx::ref::detail {

#if HMX_REFERENCE_TEST_SWITCHES
inline bool check_enabled(testing::check c) noexcept { return testing::enabled(c); }
inline bool allocation_should_fail() noexcept { return testing::allocation_fails(); }
#else
constexpr bool check_enabled(testing::check) noexcept { return true; }
constexpr bool allocation_should_fail() noexcept { return false; }
#endif

}  // namespace hmx::ref::detail
