/* SPDX-License-Identifier: Apache-2.0 */
// Test registration. A conformance test is written once, against conformance::context:
//
//   // covers: HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-RING-007
//   HMX_GUEST_TEST(register_ring_einval, "HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023 HMX-RING-007") { ... ctx.check(...); }
//
// The comment line is the spec generator's coverage marker (tools/specgen/src/scan_tests.h): it
// puts the test on the spec site next to each requirement. The string is what the suite reports
// and attributes checks to (context::req). Both must list the same IDs.
//
// Scope: files testing the guest library define CONFORMANCE_SCOPE as conformance::scope::library
// before including this header; those tests run in-process only (--target reference), the
// guest images run the hypervisor-scope tests. Order: by name, except that tests named
// "teardown_*" run last, because they destroy the peer domain.
#pragma once

#include <stdint.h>

namespace conformance {

class context;

enum class scope : uint8_t { hypervisor, library };

struct test_case {
  const char* name;
  const char* reqs;  // space-separated requirement IDs
  scope where;
  void (*body)(context&);
};

struct registration {
  registration(const char* name, const char* reqs, scope where, void (*body)(context&)) noexcept;
};

// The registered tests, in run order (sorted on first use).
const test_case* const* all_tests(unsigned* count) noexcept;

}  // namespace conformance

#ifndef CONFORMANCE_SCOPE
#define CONFORMANCE_SCOPE ::conformance::scope::hypervisor
#endif

#define HMX_GUEST_TEST(name, reqs)                                                          \
  static void hmx_conformance_body_##name(::conformance::context& ctx);                     \
  static const ::conformance::registration hmx_conformance_reg_##name{                      \
      #name, reqs, CONFORMANCE_SCOPE, &hmx_conformance_body_##name};                        \
  static void hmx_conformance_body_##name([[maybe_unused]] ::conformance::context& ctx)
