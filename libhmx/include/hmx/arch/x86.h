/* SPDX-License-Identifier: MIT */
// x86_64 instructions libhmx's identity_cpl0 environment executes. Each one is privileged (or,
// for cpuid, may be trapped) and is reached only through an environment, never directly from the
// conduits or operations (environment.h).
//
// Encodings (Intel SDM Vol. 2; AMD APM Vol. 3): cpuid 0F A2, rdmsr 0F 32, wrmsr 0F 30,
// vmcall 0F 01 C1, vmmcall 0F 01 D9. libhmx's tests check them by assembling these functions.
#pragma once

#include <cstdint>

#include <hmx/cpuid.h>

#if defined(__x86_64__)

namespace hmx::arch::x86 {

inline cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf) noexcept {
  cpuid_regs r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf),
               "c"(subleaf));
  return r;
}

inline uint64_t rdmsr(uint32_t index) noexcept {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index) : "memory");
  return static_cast<uint64_t>(hi) << 32 | lo;
}

// "memory": the hypervisor reads the call block the GPA names (and writes its result) during
// the WRMSR exit, so the compiler must not keep either in registers across it.
inline void wrmsr(uint32_t index, uint64_t value) noexcept {
  asm volatile("wrmsr" ::"c"(index), "a"(static_cast<uint32_t>(value)),
               "d"(static_cast<uint32_t>(value >> 32))
               : "memory");
}

// HMX vmcall/vmmcall conduit (spec mechanisms x86_vmcall / x86_vmmcall): RAX = hypercall number
// from the MSR leaf, RDI = call block GPA; RAX returns the conduit status. RDI is declared
// clobbered in case a hypervisor does not preserve it.
inline int64_t vmcall(uint64_t nr, uint64_t rdi) noexcept {
  asm volatile("vmcall" : "+a"(nr), "+D"(rdi) : : "memory", "cc");
  return static_cast<int64_t>(nr);
}

inline int64_t vmmcall(uint64_t nr, uint64_t rdi) noexcept {
  asm volatile("vmmcall" : "+a"(nr), "+D"(rdi) : : "memory", "cc");
  return static_cast<int64_t>(nr);
}

// Call a Xen hypercall-page entry (page + nr * 32) with the 64-bit Xen ABI: arguments in RDI RSI
// RDX R10 R8, result in RAX (Xen public/argo.h (hypercall 39); Xen docs/guest-guide/x86/hypercall-abi.rst). The stub
// loads RAX itself ("mov $nr, %eax; vmcall; ret"). Like Linux's _hypercall5, argument registers
// and r9 are treated as clobbered. `call` pushes a return address, so the red zone below RSP is
// skipped first: this header may be compiled without -mno-red-zone.
inline int64_t xen_hypercall_page(const void* entry, uint64_t a1, uint64_t a2, uint64_t a3,
                                  uint64_t a4, uint64_t a5) noexcept {
  register uint64_t r10 asm("r10") = a4;
  register uint64_t r8 asm("r8") = a5;
  uint64_t rax;
  asm volatile(
      "lea -128(%%rsp), %%rsp\n\t"
      "call *%[entry]\n\t"
      "lea 128(%%rsp), %%rsp"
      : "=a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
      : [entry] "r"(entry)
      : "r9", "rcx", "r11", "memory", "cc");
  return static_cast<int64_t>(rax);
}

}  // namespace hmx::arch::x86

#endif  // __x86_64__
