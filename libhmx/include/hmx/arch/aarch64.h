/* SPDX-License-Identifier: MIT */
// AArch64 instructions libhmx's identity_cpl0 environment executes (compiled only for aarch64).
//
// Encodings (Arm ARM C6.2 HVC): hvc #imm16 = 0xD4000002 | imm16 << 5, so hvc #0 = 0xD4000002 and
// Xen's hvc #0xEA1 = 0xD401D422. libhmx's freestanding test checks them in the disassembly.
#pragma once

#include <cstdint>

#include <hmx/environment.h>

#if defined(__aarch64__)

namespace hmx::arch::aarch64 {

// SMCCC call through HVC #0 (DEN0028; Arm DEN0028 7 (SMCCC_VERSION, SMCCC_ARCH_FEATURES)): function id in W0, arguments X1..X7,
// results X0..X3. SMCCC v1.0 lets the callee corrupt X4..X17 and v1.2 may return results in
// X4..X17, so X0..X7 are in/out and X8..X17 are clobbered.
inline void hvc_smccc(smccc_regs& r) noexcept {
  register uint64_t x0 asm("x0") = r.x[0];
  register uint64_t x1 asm("x1") = r.x[1];
  register uint64_t x2 asm("x2") = r.x[2];
  register uint64_t x3 asm("x3") = r.x[3];
  register uint64_t x4 asm("x4") = r.x[4];
  register uint64_t x5 asm("x5") = r.x[5];
  register uint64_t x6 asm("x6") = r.x[6];
  register uint64_t x7 asm("x7") = r.x[7];
  asm volatile("hvc #0"
               : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7)
               :
               : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
  r.x[0] = x0; r.x[1] = x1; r.x[2] = x2; r.x[3] = x3;
  r.x[4] = x4; r.x[5] = x5; r.x[6] = x6; r.x[7] = x7;
}

// Xen hypercall on Arm: HVC #0xEA1 (XEN_HYPERCALL_TAG), number in X16, arguments X0..X4, result
// X0; X16 and the argument registers may be clobbered (Xen public/argo.h (hypercall 39), Xen arch-arm.h).
inline int64_t xen_hvc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                       uint64_t a4) noexcept {
  register uint64_t x16 asm("x16") = nr;
  register uint64_t x0 asm("x0") = a0;
  register uint64_t x1 asm("x1") = a1;
  register uint64_t x2 asm("x2") = a2;
  register uint64_t x3 asm("x3") = a3;
  register uint64_t x4 asm("x4") = a4;
  asm volatile("hvc #0xEA1"
               : "+r"(x16), "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4)
               :
               : "memory");
  return static_cast<int64_t>(x0);
}

}  // namespace hmx::arch::aarch64

#endif  // __aarch64__
