/* SPDX-License-Identifier: Apache-2.0 */
// Crash report of a domain: why it stopped, the vCPU state and the faulting instruction.
// Plain data plus a formatter, so the format is unit-tested without KVM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hmx/kvm/instruction_decoder.h"

namespace hmx::kvm {

struct guest_exception {
  unsigned vector = 0;
  uint64_t error_code = 0;
  uint64_t cr2 = 0;
};

struct crash_report {
  std::string domain;
  unsigned vcpu = 0;
  std::string reason;                       // e.g. "triple fault (KVM_EXIT_SHUTDOWN)"
  std::optional<guest_exception> exception; // set when the guest runtime reported a CPU exception
  uint64_t rip = 0, rsp = 0, rflags = 0;
  uint64_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0, efer = 0;
  uint16_t cs = 0;
  uint64_t cs_base = 0;
  cpu_mode mode = cpu_mode::long64;
  std::vector<uint8_t> code;                // bytes at CS:RIP, as far as guest memory had them
  std::string instruction;                  // decode_instruction(code, ...)
  std::vector<std::string> details;         // extra lines (KVM internal error data, MMIO access)
};

const char* exception_mnemonic(unsigned vector);  // "#UD", "#PF", ...

// Multi-line text without a trailing newline; the console prefixes each line with the domain.
std::string format_crash_report(const crash_report& report);

}  // namespace hmx::kvm
