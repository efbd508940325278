// SPDX-License-Identifier: Apache-2.0
// Crash reports for a domain whose exception the monitor cannot handle: the EL2 syndrome decoded
// (Arm ARM D17.2.40 ESR_EL2, ISS encodings for aborts), the faulting IPA, the guest's own EL1
// exception state (what its kernel saw last) and its registers. The domain is then stopped; the
// others keep running.
#include "console.h"
#include "monitor.h"

namespace hmx::arm {

namespace {
const char* class_name(uint32_t ec) {
  switch (ec) {
    case 0x00: return "unknown reason";
    case 0x01: return "WFI/WFE";
    case 0x07: return "FP/SIMD access";
    case 0x0e: return "illegal execution state";
    case 0x16: return "HVC";
    case 0x17: return "SMC";
    case 0x18: return "MSR/MRS/system instruction";
    case 0x19: return "SVE access";
    case 0x20: return "instruction abort from EL1";
    case 0x22: return "PC alignment fault";
    case 0x24: return "data abort from EL1";
    case 0x26: return "SP alignment fault";
    case 0x2f: return "SError";
    default: return "other";
  }
}

// Fault status codes (DFSC/IFSC, bits 5:0 of the ISS).
const char* status_name(uint32_t fsc, char* buf, size_t size) {
  const uint32_t level = fsc & 3;
  switch (fsc & 0x3c) {
    case 0x04: snprintf(buf, size, "translation fault, level %u", level); return buf;
    case 0x08: snprintf(buf, size, "access flag fault, level %u", level); return buf;
    case 0x0c: snprintf(buf, size, "permission fault, level %u", level); return buf;
    default: break;
  }
  switch (fsc) {
    case 0x00: return "address size fault, level 0";
    case 0x10: return "synchronous external abort";
    case 0x21: return "alignment fault";
    case 0x30: return "TLB conflict abort";
    default: snprintf(buf, size, "fault status %#x", fsc); return buf;
  }
}

const char* size_name(uint32_t sas) {
  static const char* const names[4] = {"byte", "halfword", "word", "doubleword"};
  return names[sas & 3];
}
}  // namespace

void report_fault(vcpu& v, const guest_frame& f, uint64_t esr, const char* what) {
  domain& d = *v.dom;
  const uint32_t ec = static_cast<uint32_t>(esr >> 26) & 0x3f;
  const uint32_t iss = static_cast<uint32_t>(esr) & 0x1ffffff;
  const char* n = d.name;
  flush_console(d);
  console_printf(n, "crash: vCPU %u: %s", v.index, what);
  console_printf(n, "  ESR_EL2 %#llx: EC %#x (%s), IL %u, ISS %#x", (unsigned long long)esr, ec, class_name(ec),
                 unsigned((esr >> 25) & 1), iss);
  if (ec == 0x20 || ec == 0x24) {
    char buf[48];
    const uint64_t far = read_sysreg(far_el2);
    const uint64_t ipa = (read_sysreg(hpfar_el2) >> 4) << 12 | (far & 0xfff);
    console_printf(n, "  %s at IPA %#llx (VA %#llx): %s%s", ec == 0x24 ? ((iss >> 6) & 1 ? "write" : "read") : "fetch",
                   (unsigned long long)ipa, (unsigned long long)far, status_name(iss & 0x3f, buf, sizeof buf),
                   (iss >> 7) & 1 ? ", on a stage-1 table walk" : "");
    if (ec == 0x24 && (iss >> 24) & 1)
      console_printf(n, "  access: %s, register x%u", size_name((iss >> 22) & 3), (iss >> 16) & 0x1f);
    if (guest_pa(d, ipa, 1) == 0) console_printf(n, "  the IPA is outside the domain's RAM [%#llx, %#llx)",
                                                 (unsigned long long)kGuestRamBase,
                                                 (unsigned long long)(kGuestRamBase + d.mem_size));
  } else if (ec == 0x18) {
    console_printf(n, "  %s S%u_%u_C%u_C%u_%u, x%u", iss & 1 ? "read of" : "write of", (iss >> 20) & 3,
                   (iss >> 14) & 7, (iss >> 10) & 0xf, (iss >> 1) & 0xf, (iss >> 17) & 7, (iss >> 5) & 0x1f);
  }
  console_printf(n, "  PC %#llx, SPSR_EL2 %#llx (EL%llu, DAIF %#llx)", (unsigned long long)f.elr,
                 (unsigned long long)f.spsr, (unsigned long long)((f.spsr >> 2) & 3),
                 (unsigned long long)((f.spsr >> 6) & 0xf));
  console_printf(n, "  guest EL1: ESR_EL1 %#llx FAR_EL1 %#llx ELR_EL1 %#llx VBAR_EL1 %#llx SCTLR_EL1 %#llx SP_EL1 %#llx",
                 (unsigned long long)read_sysreg(esr_el1), (unsigned long long)read_sysreg(far_el1),
                 (unsigned long long)read_sysreg(elr_el1), (unsigned long long)read_sysreg(vbar_el1),
                 (unsigned long long)read_sysreg(sctlr_el1), (unsigned long long)read_sysreg(sp_el1));
  for (unsigned i = 0; i < 31; i += 4) {
    char line[160];
    size_t len = 0;
    for (unsigned j = i; j < i + 4 && j < 31; ++j)
      len += snprintf(line + len, sizeof line - len, "x%-2u %016llx  ", j, (unsigned long long)f.x[j]);
    console_printf(n, "  %s", line);
  }
  stop_domain(d, kDomainCrashed, 0, what);
}

}  // namespace hmx::arm
