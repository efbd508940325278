/* SPDX-License-Identifier: Apache-2.0 */
// The CPUID table of a vCPU: what KVM supports (KVM_GET_SUPPORTED_CPUID) plus entries the caller
// adds or overrides, e.g. the HMX leaves (docs/ARCHITECTURE.md "From spec data to report" 2). Pure, no KVM calls.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <span>
#include <vector>

namespace hmx::kvm {

struct cpuid_leaf {
  uint32_t function = 0;
  uint32_t index = 0;      // subleaf; matched only if `indexed`
  bool indexed = false;    // KVM_CPUID_FLAG_SIGNIFCANT_INDEX
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// supported + extra (an extra leaf replaces the entry with the same function/index), then the
// per-vCPU fix-ups a VMM owes the guest: CPUID.1:ECX[31] (hypervisor present) set,
// CPUID.1:EBX[31:24] and CPUID.0xB/0x1F:EDX = this vCPU's APIC ID. Throws std::length_error if
// the table would exceed KVM's limit of 256 entries.
std::vector<kvm_cpuid_entry2> build_cpuid(std::vector<kvm_cpuid_entry2> supported,
                                          std::span<const cpuid_leaf> extra, uint32_t apic_id);

}  // namespace hmx::kvm
