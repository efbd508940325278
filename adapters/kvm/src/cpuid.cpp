// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/cpuid.h"

#include <stdexcept>

namespace hmx::kvm {

namespace {
constexpr std::size_t kMaxEntries = 256;  // KVM_MAX_CPUID_ENTRIES (arch/x86/include/asm/kvm_host.h)
constexpr uint32_t kHypervisorBit = 1u << 31;  // CPUID.1:ECX[31], reserved for hypervisors

bool same_leaf(const kvm_cpuid_entry2& e, const cpuid_leaf& l) {
  if (e.function != l.function) return false;
  bool e_indexed = (e.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0;
  return !(e_indexed || l.indexed) || e.index == l.index;
}
}  // namespace

std::vector<kvm_cpuid_entry2> build_cpuid(std::vector<kvm_cpuid_entry2> table, std::span<const cpuid_leaf> extra,
                                          uint32_t apic_id) {
  for (const cpuid_leaf& leaf : extra) {
    kvm_cpuid_entry2 entry{};
    entry.function = leaf.function;
    entry.index = leaf.indexed ? leaf.index : 0;
    entry.flags = leaf.indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
    entry.eax = leaf.eax;
    entry.ebx = leaf.ebx;
    entry.ecx = leaf.ecx;
    entry.edx = leaf.edx;
    bool replaced = false;
    for (auto& e : table) {
      if (same_leaf(e, leaf)) {
        e = entry;
        replaced = true;
      }
    }
    if (!replaced) table.push_back(entry);
  }
  for (auto& e : table) {
    if (e.function == 1) {
      e.ecx |= kHypervisorBit;
      e.ebx = (e.ebx & 0x00ffffffu) | (apic_id << 24);
    } else if (e.function == 0xb || e.function == 0x1f) {
      e.edx = apic_id;
    }
  }
  if (table.size() > kMaxEntries)
    throw std::length_error("CPUID table has " + std::to_string(table.size()) + " entries, KVM accepts at most 256");
  return table;
}

}  // namespace hmx::kvm
