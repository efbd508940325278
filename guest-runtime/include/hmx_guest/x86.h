/* SPDX-License-Identifier: MIT */
// Tiny x86 helpers for CPL3 code (and the few CPL0 helpers that the runtime calls).
#ifndef HMX_GUEST_X86_H
#define HMX_GUEST_X86_H

#include <stdint.h>

namespace hmx_guest {

struct cpuid_result {
  uint32_t eax, ebx, ecx, edx;
};

inline cpuid_result cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  cpuid_result r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

inline void cpu_relax() { asm volatile("pause" ::: "memory"); }

// Current privilege level: the low two bits of CS (SDM Vol. 3A 5.5).
inline unsigned current_cpl() {
  uint16_t cs;
  asm volatile("mov %%cs, %0" : "=r"(cs));
  return cs & 3u;
}

// Port output; from CPL3 only the ports the TSS I/O bitmap allows (serial, exit port).
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" ::"a"(value), "Nd"(port)); }

inline uint32_t mmio_read32(uintptr_t address) { return *reinterpret_cast<volatile uint32_t*>(address); }
inline void mmio_write32(uintptr_t address, uint32_t value) {
  *reinterpret_cast<volatile uint32_t*>(address) = value;
}

}  // namespace hmx_guest

#endif
