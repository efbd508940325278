/* SPDX-License-Identifier: Apache-2.0 */
// Numbers shared by the `hooks` image and the host-side test (tests/hooks_test.cpp) that plays
// the part of an HMX service the monitor's hooks allow: a CPUID leaf, an MSR range with exits,
// guest memory by GPA, and interrupt injection. Test values only, deliberately not HMX's (abi/):
// the hooks must work for any service.
#pragma once

#include <stdint.h>

namespace hooks_test {
inline constexpr uint32_t kLeaf = 0x40000f00;
inline constexpr uint32_t kLeafEax = 0x40000f01, kLeafEbx = 0x584d48, kLeafEcx = 0x584d48, kLeafEdx = 0x584d48;
inline constexpr uint32_t kMsrBase = 0x484d5800;
inline constexpr uint32_t kMsrCount = 8;
inline constexpr uint32_t kMsrPing = kMsrBase + 0;    // WRMSR GPA of "ping" -> host writes "pong", injects kVectorBsp
inline constexpr uint32_t kMsrValue = kMsrBase + 1;   // RDMSR -> kValue
inline constexpr uint32_t kMsrRefuse = kMsrBase + 2;  // any access -> #GP
inline constexpr uint32_t kMsrKickAp = kMsrBase + 3;  // WRMSR -> inject kVectorAp into vCPU 1
inline constexpr uint32_t kMsrNull = kMsrBase + 4;    // WRMSR, no effect: round-trip timing
inline constexpr uint64_t kValue = 0xabcd0123'45678900ull;
inline constexpr uint8_t kVectorBsp = 0x50;
inline constexpr uint8_t kVectorAp = 0x51;
inline constexpr unsigned kNullCalls = 2000;
}  // namespace hooks_test
