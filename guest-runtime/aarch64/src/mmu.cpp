// SPDX-License-Identifier: MIT
// The EL1 identity map (Arm ARM D8 "The AArch64 Virtual Memory System Architecture"), 4 KiB
// granule, 39-bit addresses, translation starting at level 1:
//   - the first GiB (MMIO on QEMU virt and under Xen: UARTs, GIC) as Device-nGnRnE, except
//     page 0, which is left unmapped so that null pointers fault;
//   - every GiB that holds RAM (the device tree's memory banks) as normal write-back memory,
//     inner shareable, so that exclusives, atomics and caches behave;
//   - nothing else.
#include "internal.h"

extern "C" {
// Read by head.S's enable_mmu, on every vCPU.
struct {
  uint64_t mair, tcr, ttbr0;
} hmx_a64_mmu;
}

namespace hmx_guest::detail {

ram_bank g_ram_banks[kMaxRamBanks];
unsigned g_ram_bank_count = 0;

namespace {

alignas(4096) uint64_t g_level1[512];
alignas(4096) uint64_t g_level2_low[512];
alignas(4096) uint64_t g_level3_low[512];

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kTable = 3, kBlock = 1, kPage = 3;
constexpr uint64_t kAttrDevice = 0 << 2, kAttrNormal = 1 << 2;  // MAIR indices
constexpr uint64_t kInnerShareable = uint64_t{3} << 8;
constexpr uint64_t kAccessFlag = uint64_t{1} << 10;
constexpr uint64_t kPxn = uint64_t{1} << 53, kUxn = uint64_t{1} << 54;
constexpr uint64_t kDevice = kAttrDevice | kAccessFlag | kPxn | kUxn;
constexpr uint64_t kNormal = kAttrNormal | kInnerShareable | kAccessFlag | kUxn;

// MAIR_EL1: attr0 Device-nGnRnE (0x00), attr1 Normal inner/outer write-back non-transient
// read/write-allocate (0xff).
constexpr uint64_t kMair = uint64_t{0xff} << 8;

void invalidate_dcache(const void* start, size_t bytes) {
  const uint64_t ctr = hmx_read_sysreg(ctr_el0);
  const uintptr_t line = uintptr_t{4} << ((ctr >> 16) & 0xf);
  for (uintptr_t a = reinterpret_cast<uintptr_t>(start) & ~(line - 1);
       a < reinterpret_cast<uintptr_t>(start) + bytes; a += line)
    asm volatile("dc ivac, %0" ::"r"(a) : "memory");
  dsb_sy();
}

}  // namespace

void build_page_tables(const start_info&) {
  for (unsigned i = 1; i < 512; ++i) g_level3_low[i] = (uint64_t{i} << 12) | kDevice | kPage;
  g_level3_low[0] = 0;
  g_level2_low[0] = reinterpret_cast<uintptr_t>(g_level3_low) | kTable;
  for (unsigned i = 1; i < 512; ++i) g_level2_low[i] = (uint64_t{i} << 21) | kDevice | kBlock;
  g_level1[0] = reinterpret_cast<uintptr_t>(g_level2_low) | kTable;
  for (unsigned b = 0; b < g_ram_bank_count; ++b) {
    const uint64_t first = g_ram_banks[b].base / kGiB;
    const uint64_t last = (g_ram_banks[b].base + g_ram_banks[b].size - 1) / kGiB;
    for (uint64_t g = first < 1 ? 1 : first; g <= last && g < 512; ++g)
      g_level1[g] = (g * kGiB) | kNormal | kBlock;
  }

  // TCR_EL1: T0SZ 25 (39-bit), IRGN0/ORGN0 write-back, SH0 inner shareable, TG0 4 KiB, EPD1 (no
  // TTBR1 walks), IPS = the smaller of the CPU's PARange and 40 bits.
  uint64_t ips = hmx_read_sysreg(id_aa64mmfr0_el1) & 0xf;
  if (ips > 2) ips = 2;
  hmx_a64_mmu.mair = kMair;
  hmx_a64_mmu.tcr = 25 | uint64_t{1} << 8 | uint64_t{1} << 10 | uint64_t{3} << 12 | uint64_t{1} << 23 | ips << 32;
  hmx_a64_mmu.ttbr0 = reinterpret_cast<uintptr_t>(g_level1);

  // Everything written so far went to memory with the data cache off: drop stale lines so that
  // the table walker and the cached view see it (booting.rst requires the loader to have
  // cleaned the image, so no dirty line can be lost).
  invalidate_dcache(__image_start, static_cast<size_t>(__image_end - __image_start));
}

}  // namespace hmx_guest::detail
