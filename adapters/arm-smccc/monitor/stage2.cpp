// SPDX-License-Identifier: Apache-2.0
// Stage-2 translation per domain (Arm ARM D8.2 "Translation process", stage 2, 4 KiB granule):
// a 4 GiB IPA space from level 1 (VTCR_EL2.T0SZ 32, SL0 1) in which only the domain's RAM is
// mapped, at IPA kGuestRamBase, onto its own physical carve-out in 2 MiB blocks. Everything else
// faults to EL2: that is the isolation, and how the emulated PL011 is reached.
#include "monitor.h"

namespace hmx::arm {

namespace {
alignas(4096) uint64_t g_level1[kMaxDomains][512];
alignas(4096) uint64_t g_level2[kMaxDomains][512];
constexpr uint64_t kTwoMiB = uint64_t{1} << 21;
// Block: valid, MemAttr 0b1111 (normal, inner and outer write-back), S2AP read/write, inner
// shareable, access flag; executable.
constexpr uint64_t kBlock = 1 | uint64_t{0xf} << 2 | uint64_t{3} << 6 | uint64_t{3} << 8 | uint64_t{1} << 10;
constexpr uint64_t kTable = 3;
}  // namespace

bool build_stage2(domain& d) {
  if (d.slot >= kMaxDomains || d.mem_size == 0 || d.mem_size > kGuestMaxRam || d.mem_size % kTwoMiB != 0 ||
      d.mem_pa % kTwoMiB != 0)
    return false;
  uint64_t* l1 = g_level1[d.slot];
  uint64_t* l2 = g_level2[d.slot];
  memset(l1, 0, 4096);
  memset(l2, 0, 4096);
  l1[kGuestRamBase >> 30] = reinterpret_cast<uintptr_t>(l2) | kTable;
  for (uint64_t off = 0; off < d.mem_size; off += kTwoMiB) l2[off / kTwoMiB] = (d.mem_pa + off) | kBlock;
  d.stage2_root = reinterpret_cast<uintptr_t>(l1);
  d.vmid = static_cast<uint16_t>(d.slot + 1);
  dsb_ish();
  return true;
}

uint64_t guest_pa(const domain& d, uint64_t ipa, uint64_t len) {
  if (ipa < kGuestRamBase) return 0;
  const uint64_t off = ipa - kGuestRamBase;
  if (off > d.mem_size || len > d.mem_size - off) return 0;
  return d.mem_pa + off;
}

}  // namespace hmx::arm
