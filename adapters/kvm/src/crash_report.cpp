// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/crash_report.h"

#include <fmt/format.h>

namespace hmx::kvm {

const char* exception_mnemonic(unsigned vector) {
  static const char* const names[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                        "#DF", "coprocessor segment overrun", "#TS", "#NP", "#SS", "#GP",
                                        "#PF", "reserved 15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
                                        "reserved 22", "reserved 23", "reserved 24", "reserved 25",
                                        "reserved 26", "reserved 27", "#HV", "#VC", "#SX", "reserved 31"};
  return vector < 32 ? names[vector] : "external interrupt";
}

std::string format_crash_report(const crash_report& r) {
  std::string out = fmt::format("*** domain {} crashed on vCPU {}: {}", r.domain, r.vcpu, r.reason);
  if (r.exception)
    out += fmt::format("\n  exception {} (vector {}) error code {:#x} cr2 {:#018x}", exception_mnemonic(r.exception->vector),
                       r.exception->vector, r.exception->error_code, r.exception->cr2);
  out += fmt::format("\n  rip {:#018x}  rsp {:#018x}  rflags {:#010x}", r.rip, r.rsp, r.rflags);
  out += fmt::format("\n  cs  {:#06x} (base {:#x}, {}, CPL{})", r.cs, r.cs_base, to_string(r.mode), r.cs & 3);
  out += fmt::format("\n  cr0 {:#010x}  cr2 {:#018x}  cr3 {:#018x}  cr4 {:#010x}  efer {:#x}", r.cr0, r.cr2, r.cr3,
                     r.cr4, r.efer);
  std::string bytes;
  for (uint8_t b : r.code) bytes += fmt::format("{}{:02x}", bytes.empty() ? "" : " ", b);
  out += fmt::format("\n  code at rip: {}", bytes.empty() ? "(unavailable)" : bytes);
  out += fmt::format("\n  instruction: {}", r.instruction);
  for (const auto& d : r.details) out += "\n  " + d;
  return out;
}

}  // namespace hmx::kvm
