// SPDX-License-Identifier: Apache-2.0
// Exceptions from EL1 (ESR_EL2 exception classes, Arm ARM D17.2.40): what the monitor emulates,
// and everything else, which is a fault of the domain.
#include "console.h"
#include "monitor.h"

namespace hmx::arm {

namespace {
constexpr uint32_t kEcWfx = 0x01, kEcHvc64 = 0x16, kEcSmc64 = 0x17, kEcSysreg = 0x18,
                   kEcInstructionAbort = 0x20, kEcDataAbort = 0x24;

// EC 0x18 ISS: Op0 21:20, Op2 19:17, Op1 16:14, CRn 13:10, Rt 9:5, CRm 4:1, Direction 0 (1 read).
constexpr uint32_t sysreg_key(uint32_t op0, uint32_t op1, uint32_t crn, uint32_t crm, uint32_t op2) {
  return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | crm << 1;
}
constexpr uint32_t kSysregMask = 0x3ffc1e;
constexpr uint32_t kIccSgi1r = sysreg_key(3, 0, 12, 11, 5);
constexpr uint32_t kIccAsgi1r = sysreg_key(3, 1, 12, 11, 6);
constexpr uint32_t kIccSgi0r = sysreg_key(3, 2, 12, 11, 7);

uint64_t reg_value(const guest_frame& f, uint32_t rt) { return rt == 31 ? 0 : f.x[rt]; }

// A write of ICC_SGI1R_EL1 (GIC v3 12.2.22): SGI `INTID` to the domain's vCPUs named by
// TargetList/RS with Aff1..3 zero (vCPU n has MPIDR aff0 = n), or to all others with IRM.
void emulate_sgi(vcpu& v, uint64_t value) {
  domain& d = *v.dom;
  const uint32_t intid = (value >> 24) & 0xf;
  if (value & (uint64_t{1} << 40)) {
    for (unsigned i = 0; i < d.nr_vcpus; ++i)
      if (i != v.index) inject(d.vcpus[i], intid);
    return;
  }
  const uint64_t aff123 = (value >> 16 & 0xff) | (value >> 32 & 0xff) << 8 | (value >> 48 & 0xff) << 16;
  if (aff123 != 0) return;
  const unsigned rs = (value >> 44) & 0xf;
  for (unsigned t = 0; t < 16; ++t)
    if ((value >> t) & 1) {
      const unsigned index = rs * 16 + t;
      if (index < d.nr_vcpus) inject(d.vcpus[index], intid);
    }
}

// Back to the guest, or park this CPU when its vCPU stopped meanwhile.
void resume_or_park(pcpu& c) {
  if (!handle_requests(c)) idle(c);
  flush_virqs(c, *c.assigned);
}

void handle_physical(pcpu& c, uint32_t intid) {
  switch (intid) {
    case kPpiVirtTimer:
      gic_end(intid, false);  // priority drop only: the guest's EOI deactivates it (HW bit)
      forward_vtimer(c);
      return;
    case kPpiHypTimer:
      gic_end(intid, true);
      write_sysreg(cnthp_ctl_el2, 0);
      check_time_limit();
      return;
    default:  // kick SGI (requests and injections are read on the way back), maintenance
      gic_end(intid, true);
      return;
  }
}
}  // namespace

extern "C" void hmx_mon_lower_sync(guest_frame* f) {
  pcpu& c = this_pcpu();
  vcpu& v = *c.assigned;
  ++v.traps;
  const uint64_t esr = read_sysreg(esr_el2);
  const uint32_t ec = static_cast<uint32_t>(esr >> 26) & 0x3f;
  switch (ec) {
    case kEcHvc64:
      // ELR already points past the HVC. Only HVC #0 is SMCCC (DEN0028 2.5.2); other
      // immediates (Xen's #0xEA1) are not a call this monitor knows.
      if ((esr & 0xffff) != 0) {
        f->x[0] = ~uint64_t{0};
        break;
      }
      if (!handle_smccc(c, v, *f)) idle(c);
      break;
    case kEcSmc64:
      f->elr += 4;  // a trapped SMC leaves ELR at the SMC itself
      if (!handle_smccc(c, v, *f)) idle(c);
      break;
    case kEcDataAbort: {
      const uint64_t ipa = (read_sysreg(hpfar_el2) >> 4) << 12 | (read_sysreg(far_el2) & 0xfff);
      if (!handle_vpl011(v, *f, esr, ipa)) {
        report_fault(v, *f, esr, "stage-2 data abort");
        idle(c);
      }
      break;
    }
    case kEcSysreg: {
      const uint32_t iss = static_cast<uint32_t>(esr) & 0x1ffffff;
      const bool write = (iss & 1) == 0;
      const uint32_t key = iss & kSysregMask;
      if (write && (key == kIccSgi1r || key == kIccAsgi1r)) {
        emulate_sgi(v, reg_value(*f, (iss >> 5) & 0x1f));
      } else if (!(write && key == kIccSgi0r)) {  // group 0 SGIs: the guest has none
        report_fault(v, *f, esr, "trapped system register access");
        idle(c);
      }
      f->elr += 4;
      break;
    }
    case kEcWfx:
      f->elr += 4;
      break;
    case kEcInstructionAbort:
      report_fault(v, *f, esr, "stage-2 instruction abort");
      idle(c);
    default:
      report_fault(v, *f, esr, "unexpected exception");
      idle(c);
  }
  resume_or_park(c);
}

extern "C" void hmx_mon_lower_irq(guest_frame*) {
  pcpu& c = this_pcpu();
  ++c.assigned->traps;
  for (uint32_t intid = gic_acknowledge(); intid < kSpurious; intid = gic_acknowledge()) handle_physical(c, intid);
  resume_or_park(c);
}

extern "C" void hmx_mon_lower_serror(guest_frame* f) {
  pcpu& c = this_pcpu();
  report_fault(*c.assigned, *f, read_sysreg(esr_el2), "SError");
  idle(c);
}

extern "C" [[noreturn]] void hmx_mon_el2_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far) {
  fatal("exception at EL2 (vector %llu): ESR_EL2 %#llx ELR_EL2 %#llx FAR_EL2 %#llx", (unsigned long long)kind,
        (unsigned long long)esr, (unsigned long long)elr, (unsigned long long)far);
}

}  // namespace hmx::arm
