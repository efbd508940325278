/* SPDX-License-Identifier: Apache-2.0 */
// AArch64 primitives for the EL2 monitor: system registers, MMIO, barriers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#define HMX_MON_STR(x) #x
#define HMX_MON_XSTR(x) HMX_MON_STR(x)
#define read_sysreg(name)                                              \
  ({                                                                   \
    uint64_t v_;                                                       \
    asm volatile("mrs %0, " HMX_MON_XSTR(name) : "=r"(v_)::"memory");  \
    v_;                                                                \
  })
#define write_sysreg(name, value) \
  asm volatile("msr " HMX_MON_XSTR(name) ", %0" ::"r"(uint64_t(value)) : "memory")

namespace hmx::arm {

inline void isb() { asm volatile("isb" ::: "memory"); }
inline void dsb_sy() { asm volatile("dsb sy" ::: "memory"); }
inline void dsb_ish() { asm volatile("dsb ish" ::: "memory"); }
inline void cpu_relax() { asm volatile("yield" ::: "memory"); }
inline void sev() { asm volatile("sev" ::: "memory"); }
inline void wfi() { asm volatile("dsb sy; wfi" ::: "memory"); }

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

// The physical counter (CNTPCT_EL0) and its frequency.
inline uint64_t counter() {
  isb();
  return read_sysreg(cntpct_el0);
}
inline uint64_t counter_hz() { return read_sysreg(cntfrq_el0); }
inline uint64_t ticks_to_us(uint64_t ticks) {
  const uint64_t hz = counter_hz();
  return hz == 0 ? 0 : ticks / hz * 1000000 + ticks % hz * 1000000 / hz;
}

class spinlock {
 public:
  void lock() {
    while (__atomic_exchange_n(&held_, 1u, __ATOMIC_ACQUIRE) != 0)
      while (__atomic_load_n(&held_, __ATOMIC_RELAXED) != 0) cpu_relax();
  }
  void unlock() { __atomic_store_n(&held_, 0u, __ATOMIC_RELEASE); }

 private:
  uint32_t held_ = 0;
};

class lock_guard {
 public:
  explicit lock_guard(spinlock& l) : l_(l) { l_.lock(); }
  ~lock_guard() { l_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  spinlock& l_;
};

}  // namespace hmx::arm

extern "C" {
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
}
