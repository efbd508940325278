/* SPDX-License-Identifier: MIT */
// Per-vCPU data at the base of each vCPU's size-aligned block (layout.h). Internal to the runtime.
#ifndef HMX_GUEST_PERCPU_H
#define HMX_GUEST_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#include "hmx_guest/layout.h"
#include "hmx_guest/runtime.h"

namespace hmx_guest::detail {

struct percpu {
  uint64_t pending[4];  // set by the CPL0 interrupt stub (vectors.S)
  uint32_t index;       // set at CPL0 in long_mode.S
  uint32_t apic_id;
  uint8_t reserved[HMX_GUEST_PERCPU_HANDLERS - 40];
  vector_handler handlers[256];
};
static_assert(offsetof(percpu, pending) == HMX_GUEST_PERCPU_PENDING);
static_assert(offsetof(percpu, index) == HMX_GUEST_PERCPU_INDEX);
static_assert(offsetof(percpu, handlers) == HMX_GUEST_PERCPU_HANDLERS);
static_assert(sizeof(percpu) <= 0x1000);

// Works on either stack of the vCPU (CPL3 stack, CPL0 stack, IST stack): all live in the block.
inline percpu& this_cpu() {
  uintptr_t sp;
  asm volatile("mov %%rsp, %0" : "=r"(sp));
  return *reinterpret_cast<percpu*>(sp & ~uintptr_t(HMX_GUEST_CPU_BLOCK_SIZE - 1));
}

extern "C" uint8_t hmx_guest_cpu_blocks[];
inline percpu& cpu_data(unsigned cpu) {
  return *reinterpret_cast<percpu*>(hmx_guest_cpu_blocks + size_t(cpu) * HMX_GUEST_CPU_BLOCK_SIZE);
}

void serial_write(const char* s, size_t n, bool take_lock);
void start_aps(unsigned count);
void lapic_enable();

}  // namespace hmx_guest::detail

#endif
