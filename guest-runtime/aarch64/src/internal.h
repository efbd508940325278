/* SPDX-License-Identifier: MIT */
// Internal interfaces of the aarch64 runtime.
#pragma once

#include "hmx_guest/runtime.h"

// Per-vCPU stack size; the stacks live in .bss (head.S indexes them by vCPU).
#define HMX_A64_STACK_SIZE 0x10000

namespace hmx_guest::detail {

struct percpu {
  unsigned index;
  uint64_t pending[4];                 // INTIDs 0..255 taken and not yet dispatched
  vector_handler handlers[256];
  uint64_t redistributor;              // this vCPU's GICR frame, 0 when none
};

percpu& this_cpu();
percpu& cpu(unsigned index);

start_info& mutable_boot_info();

// fdt.cpp: fill `info` from the device tree at `dtb` (false: not a device tree). Runs with the
// MMU off, so it only makes aligned accesses.
bool read_device_tree(uint64_t dtb, start_info& info);

// mmu.cpp: identity map from the RAM banks found in the tree; head.S turns the MMU on.
void build_page_tables(const start_info& info);

// console.cpp
void console_init(uint64_t base);
void console_write(const char* s, size_t n, bool take_lock);

// gic.cpp
void gic_init_distributor(const start_info& info);
void gic_init_this_cpu(percpu& pc, const start_info& info);
void irq_entry();

// psci.cpp
int64_t firmware_call(uint64_t function, uint64_t a1, uint64_t a2, uint64_t a3);
[[noreturn]] void power_off(uint32_t status);
bool cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);

// The ranges the RAM bank table may hold.
constexpr unsigned kMaxRamBanks = 4;
struct ram_bank {
  uint64_t base, size;
};
extern ram_bank g_ram_banks[kMaxRamBanks];
extern unsigned g_ram_bank_count;

}  // namespace hmx_guest::detail

extern "C" {
extern char __image_start[];
extern char __image_end[];      // end of .bss: what the image occupies
extern uint64_t hmx_a64_boot_dtb;
void hmx_a64_secondary_entry();
}
