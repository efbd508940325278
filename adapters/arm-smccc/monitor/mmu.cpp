// SPDX-License-Identifier: Apache-2.0
// The monitor's own EL2 stage-1 identity map (Arm ARM D8, 4 KiB granule, 39-bit addresses from
// level 1): the first GiB (QEMU virt's devices) as Device-nGnRnE, the GiBs that hold RAM as
// normal write-back inner-shareable memory, so the monitor's view of guest RAM is cached
// coherently with the guests' own normal mappings.
#include "monitor.h"

extern "C" {
struct {
  uint64_t mair, tcr, ttbr0;
} hmx_mon_mmu;
}

namespace hmx::arm {

namespace {
alignas(4096) uint64_t g_level1[512];
alignas(4096) uint64_t g_level2_low[512];
constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kTable = 3, kBlock = 1;
constexpr uint64_t kAf = uint64_t{1} << 10, kInnerShareable = uint64_t{3} << 8, kXn = uint64_t{1} << 54;
constexpr uint64_t kDevice = (0 << 2) | kAf | kXn;
constexpr uint64_t kNormal = (1 << 2) | kAf | kInnerShareable;
}  // namespace

void build_el2_tables(uint64_t ram_base, uint64_t ram_size) {
  for (unsigned i = 0; i < 512; ++i) g_level2_low[i] = (uint64_t{i} << 21) | kDevice | kBlock;
  g_level1[0] = reinterpret_cast<uintptr_t>(g_level2_low) | kTable;
  for (uint64_t g = ram_base / kGiB; g <= (ram_base + ram_size - 1) / kGiB && g < 512; ++g)
    if (g != 0) g_level1[g] = (g * kGiB) | kNormal | kBlock;
  uint64_t ps = read_sysreg(id_aa64mmfr0_el1) & 0xf;
  if (ps > 2) ps = 2;
  hmx_mon_mmu.mair = uint64_t{0xff} << 8;  // attr0 Device-nGnRnE, attr1 Normal WB
  // TCR_EL2 (E2H 0): RES1 bits 31 and 23, T0SZ 25, IRGN0/ORGN0 WB, SH0 inner, TG0 4K, PS.
  hmx_mon_mmu.tcr = uint64_t{1} << 31 | uint64_t{1} << 23 | 25 | uint64_t{1} << 8 | uint64_t{1} << 10 |
                    uint64_t{3} << 12 | ps << 16;
  hmx_mon_mmu.ttbr0 = reinterpret_cast<uintptr_t>(g_level1);
}

}  // namespace hmx::arm
