/* SPDX-License-Identifier: Apache-2.0 */
// The Xen profile of the HMX specification: where real Xen's Argo (built from Debian's source,
// booted under QEMU by this folder's harness) answers differently from a requirement, each
// difference as data: the requirement, the conformance test and check that observe it, what Xen
// does, and why. hmx-conformance's Xen targets report a requirement whose every failed check is
// one of these as a documented DEVIATION, neither PASS nor FAIL; any other failure stays a FAIL.
//
// The profile lives here as C++ data, not in spec/*.textproto: hmx-specgen reads an explicit list
// of spec files and is the only reader of them.
#pragma once

#include <span>
#include <string_view>

namespace hmx::xen {

struct deviation {
  std::string_view requirement;  // HMX-RING-032
  std::string_view test;         // the conformance test whose check observes it
  std::string_view check;        // the start of that check's message (conformance/tests/*.cpp)
  std::string_view xen_does;     // what real Xen does instead
  std::string_view why;          // the cause, in Xen's source or design
  std::string_view observed_on;  // where the suite observed it: "x86_64", "arm64", "x86_64 arm64"
};

// Every deviation of Xen 4.17 from the requirements, as observed by the suite.
std::span<const deviation> xen_profile();

// The entry of `profile` that explains a failed check: its test, its requirement (or "*", a check
// attributed to all of the test's requirements) and a message that starts with the entry's check.
const deviation* explain_failure(std::span<const deviation> profile, std::string_view test,
                                 std::string_view requirement, std::string_view check_requirement,
                                 std::string_view message);

}  // namespace hmx::xen
