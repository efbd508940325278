/* SPDX-License-Identifier: MIT */
// AArch64 primitives for EL1 guest code: system registers, MMIO, barriers, interrupt masking.
#ifndef HMX_GUEST_A64_H
#define HMX_GUEST_A64_H

#include <stdint.h>

#define HMX_A64_STR(x) #x
#define HMX_A64_XSTR(x) HMX_A64_STR(x)
// Read / write a system register by name (the assembler knows the GICv3 ICC_* names too).
#define hmx_read_sysreg(name)                                           \
  ({                                                                    \
    uint64_t v_;                                                        \
    asm volatile("mrs %0, " HMX_A64_XSTR(name) : "=r"(v_)::"memory");   \
    v_;                                                                 \
  })
#define hmx_write_sysreg(name, value) \
  asm volatile("msr " HMX_A64_XSTR(name) ", %0" ::"r"(uint64_t(value)) : "memory")

namespace hmx_guest {

inline void isb() { asm volatile("isb" ::: "memory"); }
inline void dsb_sy() { asm volatile("dsb sy" ::: "memory"); }
inline void dsb_ish() { asm volatile("dsb ish" ::: "memory"); }
inline void cpu_relax() { asm volatile("yield" ::: "memory"); }
inline void sev() { asm volatile("sev" ::: "memory"); }

// MMIO: single aligned accesses with plain register addressing, so that a hypervisor that traps
// them gets a valid instruction syndrome (ESR_EL2.ISV) and can emulate the device.
inline uint32_t mmio_read32(uintptr_t addr) {
  uint32_t v;
  asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
  return v;
}
inline void mmio_write32(uintptr_t addr, uint32_t v) {
  asm volatile("str %w0, [%1]" ::"r"(v), "r"(addr) : "memory");
}
inline uint64_t mmio_read64(uintptr_t addr) {
  uint64_t v;
  asm volatile("ldr %0, [%1]" : "=r"(v) : "r"(addr) : "memory");
  return v;
}
inline void mmio_write64(uintptr_t addr, uint64_t v) {
  asm volatile("str %0, [%1]" ::"r"(v), "r"(addr) : "memory");
}

// PSTATE.I: IRQs. Returns the previous DAIF value for restore_irqs().
inline uint64_t mask_irqs() {
  const uint64_t daif = hmx_read_sysreg(daif);
  asm volatile("msr daifset, #2" ::: "memory");
  return daif;
}
inline void restore_irqs(uint64_t daif) { hmx_write_sysreg(daif, daif); }
inline void unmask_irqs() { asm volatile("msr daifclr, #2" ::: "memory"); }

}  // namespace hmx_guest

#endif
