// SPDX-License-Identifier: Apache-2.0
// Running one vCPU on this physical CPU: the EL2 controls a guest runs under, entry, idling
// while it is off, requests between CPUs and virtual interrupt injection.
#include "monitor.h"

extern "C" uintptr_t hmx_mon_stack_top(unsigned cpu);

namespace hmx::arm {

namespace {
// HCR_EL2: VM (stage 2), SWIO, FMO/IMO/AMO (physical FIQ/IRQ/SError to EL2, virtual ones to the
// guest), FB and BSU inner shareable (a domain's vCPUs share its TLB and cache maintenance), TSC
// (SMC traps, so SMC #0 is served like HVC #0), RW (EL1 is AArch64), API/APK (pointer
// authentication is the guest's business). HVC stays enabled (HCD 0), WFI/WFE run natively.
constexpr uint64_t kHcr = 1u << 0 | 1u << 1 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 9 | 1u << 10 | 1u << 19 |
                          uint64_t{1} << 31 | uint64_t{1} << 40 | uint64_t{1} << 41;
// VTCR_EL2: RES1 bit 31, T0SZ 32 (4 GiB IPA), SL0 1 (start at level 1), IRGN0/ORGN0 write-back,
// SH0 inner shareable, TG0 4 KiB; PS set from the CPU.
constexpr uint64_t kVtcr = uint64_t{1} << 31 | 32 | 1u << 6 | 1u << 8 | 1u << 10 | 3u << 12;
// CNTHCTL_EL2 (E2H 0): EL1PCTEN, the physical counter readable; the physical timer traps
// (EL1PCEN 0): a guest has the virtual timer.
constexpr uint64_t kCnthctl = 1;
// CPTR_EL2 (E2H 0): RES1 bits 13, 12, 9, 7:0; TZ (bit 8) traps SVE, TFP (bit 10) clear: FP/SIMD
// is the guest's.
constexpr uint64_t kCptr = 0x33ff;
constexpr uint64_t kSctlrEl1Reset = 0x30D00800;  // RES1 bits; MMU, caches off
constexpr uint64_t kSpsrEl1h = 0x3c5;            // EL1h, DAIF masked
}  // namespace

pcpu& this_pcpu() { return *reinterpret_cast<pcpu*>(read_sysreg(tpidr_el2)); }

void enter_vcpu(pcpu& c, vcpu& v) {
  domain& d = *v.dom;
  write_sysreg(hcr_el2, kHcr);
  uint64_t ps = read_sysreg(id_aa64mmfr0_el1) & 0xf;  // PARange, at most 40 bits needed
  if (ps > 2) ps = 2;
  write_sysreg(vtcr_el2, kVtcr | ps << 16);
  write_sysreg(vttbr_el2, d.stage2_root | uint64_t{d.vmid} << 48);
  write_sysreg(vpidr_el2, read_sysreg(midr_el1));
  write_sysreg(vmpidr_el2, uint64_t{1} << 31 | v.index);
  write_sysreg(cnthctl_el2, kCnthctl);
  write_sysreg(cntvoff_el2, 0);
  write_sysreg(cptr_el2, kCptr);
  write_sysreg(sctlr_el1, kSctlrEl1Reset);
  write_sysreg(cntv_ctl_el0, 0);
  isb();
  asm volatile("tlbi vmalls12e1\n dsb nsh\n isb" ::: "memory");

  auto* f = reinterpret_cast<guest_frame*>(hmx_mon_stack_top(c.index) - sizeof(guest_frame));
  memset(f, 0, sizeof *f);
  f->x[0] = v.context;
  f->elr = v.entry;
  f->spsr = kSpsrEl1h;
  {
    lock_guard l(g_monitor.lock);
    v.state = kVcpuRunning;
    if (g_monitor.start == 0) g_monitor.start = counter();
  }
  flush_virqs(c, v);
  hmx_mon_enter_guest(f);
}

void idle(pcpu& c) {
  gic_disable_ppi(c, kPpiVirtTimer);
  write_sysreg(cntv_ctl_el0, 0);
  for (;;) {
    for (uint32_t intid = gic_acknowledge(); intid < kSpurious; intid = gic_acknowledge()) {
      gic_end(intid, true);
      if (intid == kPpiHypTimer) write_sysreg(cnthp_ctl_el2, 0);
    }
    const uint32_t req = __atomic_exchange_n(&c.requests, 0u, __ATOMIC_ACQ_REL);
    if ((req & kRequestStart) && c.assigned != nullptr && c.assigned->state == kVcpuStarting) {
      // Re-enable the forwarded timer (disabled while no guest ran here).
      gic_init_this_cpu(c);
      enter_vcpu(c, *c.assigned);
    }
    if (c.index == 0) check_time_limit();
    wfi();
  }
}

void request(pcpu& target, uint32_t bits) {
  if (bits != 0) __atomic_fetch_or(&target.requests, bits, __ATOMIC_ACQ_REL);
  if (&target != &this_pcpu()) gic_send_kick(target);
}

void inject(vcpu& v, uint32_t intid) {
  if (intid >= 64) return;
  __atomic_fetch_or(&v.virq_pending, uint64_t{1} << intid, __ATOMIC_ACQ_REL);
  pcpu& target = g_monitor.cpus[v.pcpu];
  if (&target != &this_pcpu()) gic_send_kick(target);
}

bool handle_requests(pcpu& c) {
  const uint32_t req = __atomic_exchange_n(&c.requests, 0u, __ATOMIC_ACQ_REL);
  if (req & kRequestStop) return false;
  return c.assigned != nullptr && c.assigned->state == kVcpuRunning;
}

}  // namespace hmx::arm
