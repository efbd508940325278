// SPDX-License-Identifier: MIT
// GICv3 for an EL1 guest (Arm IHI 0069 "GIC architecture specification v3/v4"): the CPU interface
// through the ICC_* system registers (the virtual ICV_* ones when a hypervisor sets
// ICH_HCR_EL2.En), and, when the device tree describes them, the distributor and this vCPU's
// redistributor for enabling PPIs. Interrupts are acknowledged in the IRQ vector and handled
// later by dispatch_pending(), as in the x86-64 runtime.
#include "internal.h"

namespace hmx_guest::detail {

namespace {
constexpr uintptr_t kGicdCtlr = 0x0;
constexpr uint32_t kGicdCtlrEnableGrp1 = 1u << 1, kGicdCtlrAre = 1u << 4, kGicdCtlrRwp = 1u << 31;
constexpr uintptr_t kGicrTyper = 0x08, kGicrWaker = 0x14;
constexpr uintptr_t kGicrSgiBase = 0x10000;
constexpr uintptr_t kGicrIgroupr0 = 0x80, kGicrIsenabler0 = 0x100, kGicrIpriorityr = 0x400;
constexpr uint32_t kWakerProcessorSleep = 1u << 1, kWakerChildrenAsleep = 1u << 2;
constexpr uint64_t kTyperLast = 1u << 4, kTyperVlpis = 1u << 1;
constexpr unsigned kMaxRedistributors = 64;
constexpr uint32_t kSpurious = 1020;

uint64_t affinity_of(uint64_t mpidr) {
  return (mpidr & 0xffffff) | ((mpidr >> 32) & 0xff) << 24;
}

uint64_t find_redistributor(uint64_t gicr, uint64_t mpidr) {
  uintptr_t rd = static_cast<uintptr_t>(gicr);
  for (unsigned i = 0; i < kMaxRedistributors; ++i) {
    const uint64_t typer = mmio_read64(rd + kGicrTyper);
    if ((typer >> 32) == affinity_of(mpidr)) return rd;
    if (typer & kTyperLast) break;
    rd += (typer & kTyperVlpis) ? 0x40000 : 0x20000;
  }
  return 0;
}
}  // namespace

void gic_init_distributor(const start_info& info) {
  if (info.gicd == 0) return;
  const uintptr_t d = static_cast<uintptr_t>(info.gicd);
  const uint32_t ctlr = mmio_read32(d + kGicdCtlr);
  if ((ctlr & (kGicdCtlrEnableGrp1 | kGicdCtlrAre)) != (kGicdCtlrEnableGrp1 | kGicdCtlrAre)) {
    mmio_write32(d + kGicdCtlr, ctlr | kGicdCtlrEnableGrp1 | kGicdCtlrAre);
    while (mmio_read32(d + kGicdCtlr) & kGicdCtlrRwp) cpu_relax();
  }
}

void gic_init_this_cpu(percpu& pc, const start_info& info) {
  if (info.gicr != 0) {
    const uint64_t mpidr = hmx_read_sysreg(mpidr_el1);
    pc.redistributor = find_redistributor(info.gicr, mpidr);
    if (pc.redistributor != 0) {
      const uintptr_t rd = static_cast<uintptr_t>(pc.redistributor);
      mmio_write32(rd + kGicrWaker, mmio_read32(rd + kGicrWaker) & ~kWakerProcessorSleep);
      while (mmio_read32(rd + kGicrWaker) & kWakerChildrenAsleep) cpu_relax();
      mmio_write32(rd + kGicrSgiBase + kGicrIgroupr0, 0xffffffffu);
    }
  }
  // The system-register interface, all priorities unmasked, group 1 on, EOI also deactivates.
  hmx_write_sysreg(icc_sre_el1, hmx_read_sysreg(icc_sre_el1) | 1);
  isb();
  hmx_write_sysreg(icc_pmr_el1, 0xff);
  hmx_write_sysreg(icc_bpr1_el1, 0);
  hmx_write_sysreg(icc_ctlr_el1, 0);
  hmx_write_sysreg(icc_igrpen1_el1, 1);
  isb();
  // Software-generated interrupts are always on (the kick other vCPUs send).
  for (uint32_t sgi = 0; sgi < 16; ++sgi) enable_ppi(sgi);
}

}  // namespace hmx_guest::detail

extern "C" void hmx_a64_irq() {
  using namespace hmx_guest;
  auto& pc = detail::this_cpu();
  for (;;) {
    const uint32_t intid = static_cast<uint32_t>(hmx_read_sysreg(icc_iar1_el1)) & 0xffffff;
    if (intid >= detail::kSpurious) break;
    // A level-sensitive timer keeps asserting until disabled: the one-shot ends here.
    if (intid == boot_info().vtimer_intid) hmx_write_sysreg(cntv_ctl_el0, 0);
    if (intid < 256) __atomic_fetch_or(&pc.pending[intid / 64], uint64_t{1} << (intid % 64), __ATOMIC_RELAXED);
    hmx_write_sysreg(icc_eoir1_el1, intid);
  }
  isb();
}

namespace hmx_guest {

void set_vector_handler(uint8_t vector, vector_handler handler) {
  atomic_store(detail::this_cpu().handlers[vector], handler);
}

vector_set take_pending() {
  auto& pc = detail::this_cpu();
  vector_set s;
  for (unsigned i = 0; i < 4; ++i) s.words[i] = atomic_exchange(pc.pending[i], uint64_t{0});
  return s;
}

unsigned dispatch_pending() {
  const vector_set s = take_pending();
  auto& pc = detail::this_cpu();
  unsigned n = 0;
  for (unsigned w = 0; w < 4; ++w) {
    for (uint64_t bits = s.words[w]; bits != 0; bits &= bits - 1) {
      const unsigned vector = w * 64 + static_cast<unsigned>(__builtin_ctzll(bits));
      if (vector_handler h = atomic_load(pc.handlers[vector])) h(static_cast<uint8_t>(vector));
      ++n;
    }
  }
  return n;
}

void wait_for_interrupt() {
  // IRQs masked while checking: an interrupt arriving after the check still ends the WFI (a
  // pending interrupt wakes WFI even when PSTATE.I masks it), then is taken once unmasked.
  auto& pc = detail::this_cpu();
  mask_irqs();
  if ((atomic_load(pc.pending[0]) | atomic_load(pc.pending[1]) | atomic_load(pc.pending[2]) |
       atomic_load(pc.pending[3])) == 0)
    asm volatile("dsb sy; wfi" ::: "memory");
  unmask_irqs();
}

void enable_ppi(uint32_t intid) {
  auto& pc = detail::this_cpu();
  if (pc.redistributor == 0 || intid >= 32) return;
  const uintptr_t sgi = static_cast<uintptr_t>(pc.redistributor) + detail::kGicrSgiBase;
  // Priority 0xa0 (below the unmasked 0xff), then enable.
  const uintptr_t prio = sgi + detail::kGicrIpriorityr + (intid & ~3u);
  uint32_t v = mmio_read32(prio);
  v = (v & ~(0xffu << (8 * (intid & 3)))) | (0xa0u << (8 * (intid & 3)));
  mmio_write32(prio, v);
  mmio_write32(sgi + detail::kGicrIsenabler0, 1u << intid);
}

void send_sgi(unsigned cpu, uint8_t intid) {
  if (cpu >= cpu_count() || intid >= 16) return;
  const uint64_t mpidr = boot_info().mpidr[cpu];
  const uint64_t aff0 = mpidr & 0xff, aff1 = (mpidr >> 8) & 0xff, aff2 = (mpidr >> 16) & 0xff,
                 aff3 = (mpidr >> 32) & 0xff;
  const uint64_t v = (uint64_t{1} << (aff0 & 15)) | aff1 << 16 | uint64_t{intid} << 24 | aff2 << 32 |
                     (aff0 >> 4) << 44 | aff3 << 48;
  dsb_ish();
  hmx_write_sysreg(icc_sgi1r_el1, v);
  isb();
}

}  // namespace hmx_guest
