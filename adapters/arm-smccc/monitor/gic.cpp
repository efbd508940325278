// SPDX-License-Identifier: Apache-2.0
// GICv3 at EL2 (Arm IHI 0069): the physical distributor and redistributors, the physical CPU
// interface (ICC_*, with EOImode 1 so that a forwarded interrupt is deactivated by the guest),
// and the virtual CPU interface's list registers ICH_LR<n>_EL2 through which every virtual
// interrupt reaches a guest (HMX vectors, SGIs between a domain's vCPUs, its virtual timer).
#include "monitor.h"

namespace hmx::arm {

namespace {
constexpr uintptr_t kGicdCtlr = 0x0;
constexpr uint32_t kGicdCtlrEnableGrp1 = 1u << 1, kGicdCtlrAre = 1u << 4, kGicdCtlrRwp = 1u << 31;
constexpr uintptr_t kGicrTyper = 0x08, kGicrWaker = 0x14, kGicrSgi = 0x10000;
constexpr uintptr_t kGicrIgroupr0 = 0x80, kGicrIsenabler0 = 0x100, kGicrIcenabler0 = 0x180,
                    kGicrIpriorityr = 0x400;

// ICH_LR<n>_EL2 fields.
constexpr uint64_t kLrStatePending = uint64_t{1} << 62, kLrStateActive = uint64_t{1} << 63;
constexpr uint64_t kLrStateMask = kLrStatePending | kLrStateActive;
constexpr uint64_t kLrHw = uint64_t{1} << 61, kLrGroup1 = uint64_t{1} << 60;
constexpr uint64_t kLrPriority = uint64_t{0xa0} << 48;
constexpr uint64_t kIchHcrEn = 1, kIchHcrUie = 1u << 1;

uint64_t read_lr(unsigned n) {
  switch (n) {
    case 0: return read_sysreg(ich_lr0_el2);
    case 1: return read_sysreg(ich_lr1_el2);
    case 2: return read_sysreg(ich_lr2_el2);
    case 3: return read_sysreg(ich_lr3_el2);
    case 4: return read_sysreg(ich_lr4_el2);
    case 5: return read_sysreg(ich_lr5_el2);
    case 6: return read_sysreg(ich_lr6_el2);
    case 7: return read_sysreg(ich_lr7_el2);
    default: return 0;
  }
}

void write_lr(unsigned n, uint64_t v) {
  switch (n) {
    case 0: write_sysreg(ich_lr0_el2, v); break;
    case 1: write_sysreg(ich_lr1_el2, v); break;
    case 2: write_sysreg(ich_lr2_el2, v); break;
    case 3: write_sysreg(ich_lr3_el2, v); break;
    case 4: write_sysreg(ich_lr4_el2, v); break;
    case 5: write_sysreg(ich_lr5_el2, v); break;
    case 6: write_sysreg(ich_lr6_el2, v); break;
    case 7: write_sysreg(ich_lr7_el2, v); break;
    default: break;
  }
}

uint64_t affinity_of(uint64_t mpidr) { return (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24; }

void enable_intid(uintptr_t rd, uint32_t intid) {
  const uintptr_t prio = rd + kGicrSgi + kGicrIpriorityr + (intid & ~3u);
  uint32_t v = mmio_read32(prio);
  v = (v & ~(0xffu << (8 * (intid & 3)))) | (0x80u << (8 * (intid & 3)));
  mmio_write32(prio, v);
  mmio_write32(rd + kGicrSgi + kGicrIsenabler0, 1u << intid);
}

// Places `intid` into the list registers: merged with an entry that already holds it, else into
// an empty one. False when every list register is in use.
bool place(pcpu& c, uint64_t entry) {
  const uint32_t intid = static_cast<uint32_t>(entry);
  int empty = -1;
  for (unsigned n = 0; n < c.nr_lrs; ++n) {
    const uint64_t lr = read_lr(n);
    if ((lr & kLrStateMask) == 0) {
      if (empty < 0) empty = static_cast<int>(n);
      continue;
    }
    if (static_cast<uint32_t>(lr) != intid) continue;
    // Edge semantics: a pending entry absorbs the new one; an active one becomes active+pending.
    if ((lr & kLrStatePending) == 0) write_lr(n, lr | kLrStatePending);
    return true;
  }
  if (empty < 0) return false;
  write_lr(static_cast<unsigned>(empty), entry);
  return true;
}
}  // namespace

void gic_init_distributor() {
  mmio_write32(kGicdBase + kGicdCtlr, kGicdCtlrEnableGrp1 | kGicdCtlrAre);
  while (mmio_read32(kGicdBase + kGicdCtlr) & kGicdCtlrRwp) cpu_relax();
}

void gic_init_this_cpu(pcpu& c) {
  uintptr_t rd = kGicrBase;
  for (unsigned i = 0; i < 64; ++i) {
    const uint64_t typer = mmio_read64(rd + kGicrTyper);
    if ((typer >> 32) == affinity_of(c.mpidr)) {
      c.redistributor = rd;
      break;
    }
    if (typer & (1u << 4)) break;
    rd += (typer & (1u << 1)) ? 0x40000 : 0x20000;
  }
  if (c.redistributor == 0) fatal("CPU %u: no GICv3 redistributor for MPIDR %#llx", c.index, (unsigned long long)c.mpidr);
  rd = c.redistributor;
  mmio_write32(rd + kGicrWaker, mmio_read32(rd + kGicrWaker) & ~(1u << 1));
  while (mmio_read32(rd + kGicrWaker) & (1u << 2)) cpu_relax();
  mmio_write32(rd + kGicrSgi + kGicrIgroupr0, 0xffffffffu);
  enable_intid(rd, kSgiKick);
  enable_intid(rd, kPpiMaintenance);
  enable_intid(rd, kPpiHypTimer);
  enable_intid(rd, kPpiVirtTimer);

  // ICC_SRE_EL2: system registers at EL2 (SRE) and let EL1 use them (Enable).
  write_sysreg(icc_sre_el2, read_sysreg(icc_sre_el2) | 1 | 8);
  isb();
  write_sysreg(icc_pmr_el1, 0xff);
  write_sysreg(icc_bpr1_el1, 0);
  write_sysreg(icc_ctlr_el1, 1u << 1);  // EOImode: EOIR drops priority, DIR deactivates
  write_sysreg(icc_igrpen1_el1, 1);
  c.nr_lrs = static_cast<unsigned>(read_sysreg(ich_vtr_el2) & 0x1f) + 1;
  if (c.nr_lrs > 8) c.nr_lrs = 8;
  for (unsigned n = 0; n < c.nr_lrs; ++n) write_lr(n, 0);
  write_sysreg(ich_vmcr_el2, 0);
  write_sysreg(ich_hcr_el2, kIchHcrEn);
  c.uie = false;
  isb();
}

void gic_send_kick(const pcpu& target) {
  const uint64_t m = target.mpidr;
  const uint64_t aff0 = m & 0xff, aff1 = (m >> 8) & 0xff, aff2 = (m >> 16) & 0xff, aff3 = (m >> 32) & 0xff;
  const uint64_t v = (uint64_t{1} << (aff0 & 15)) | aff1 << 16 | uint64_t{kSgiKick} << 24 | aff2 << 32 |
                     (aff0 >> 4) << 44 | aff3 << 48;
  dsb_ish();
  write_sysreg(icc_sgi1r_el1, v);
  isb();
}

uint32_t gic_acknowledge() { return static_cast<uint32_t>(read_sysreg(icc_iar1_el1)) & 0xffffff; }

void gic_end(uint32_t intid, bool deactivate) {
  write_sysreg(icc_eoir1_el1, intid);
  if (deactivate) write_sysreg(icc_dir_el1, intid);
  isb();
}

void gic_disable_ppi(pcpu& c, uint32_t intid) {
  if (c.redistributor != 0) mmio_write32(c.redistributor + kGicrSgi + kGicrIcenabler0, 1u << intid);
}

namespace {
constexpr uint64_t kVtimerEntry = kPpiVirtTimer | uint64_t{kPpiVirtTimer} << 32 | kLrHw | kLrGroup1 | kLrPriority |
                                  kLrStatePending;
}  // namespace

void flush_virqs(pcpu& c, vcpu& v) {
  // The common exit has nothing to inject: leave the GIC alone (its registers are slow under
  // QEMU, which serialises them on its global lock).
  if (!c.vtimer_waiting && !c.uie && __atomic_load_n(&v.virq_pending, __ATOMIC_ACQUIRE) == 0) return;
  bool left_any = false;
  if (c.vtimer_waiting) {
    if (place(c, kVtimerEntry)) c.vtimer_waiting = false;
    else left_any = true;
  }
  uint64_t pending = __atomic_exchange_n(&v.virq_pending, uint64_t{0}, __ATOMIC_ACQ_REL);
  uint64_t left = 0;
  for (uint64_t bits = pending; bits != 0; bits &= bits - 1) {
    const uint32_t intid = static_cast<uint32_t>(__builtin_ctzll(bits));
    if (!place(c, intid | kLrGroup1 | kLrPriority | kLrStatePending)) left |= uint64_t{1} << intid;
  }
  if (left != 0) {
    __atomic_fetch_or(&v.virq_pending, left, __ATOMIC_ACQ_REL);
    left_any = true;
  }
  // With entries left over, a maintenance interrupt once the list registers drain (UIE).
  if (left_any != c.uie) {
    c.uie = left_any;
    write_sysreg(ich_hcr_el2, kIchHcrEn | (left_any ? kIchHcrUie : 0));
  }
  isb();
}

void forward_vtimer(pcpu& c) {
  // The physical interrupt stays active until the guest ends the virtual one (HW bit); with no
  // list register free it waits, still active, for the next flush.
  if (!place(c, kVtimerEntry)) c.vtimer_waiting = true;
}

}  // namespace hmx::arm
