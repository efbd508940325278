// SPDX-License-Identifier: Apache-2.0
// The HMX CPUID leaves (spec 03-discovery, HMX-DISC-002..008). Every number comes from the
// generated <hmx/abi/cpuid.h>, <hmx/abi/mechanisms.h> and <hmx/abi/msr.h>.
#include "hmx/kvm/hmx_cpuid.h"

namespace hmx::kvm {

std::vector<cpuid_leaf> hmx_cpuid_leaves(const hmx_cpuid_params& p, uint32_t vcpu_index) {
  const bool msr = (p.mechanisms & HMX_MECH_X86_MSR_BIT) != 0;
  const bool hypercall = (p.mechanisms & (HMX_MECH_X86_VMCALL_BIT | HMX_MECH_X86_VMMCALL_BIT)) != 0;
  const bool batch = (p.features & HMX_FEATURE_BATCH_BIT) != 0;

  cpuid_leaf identity{p.base + HMX_CPUID_LEAF_IDENTITY, 0, false,
                      p.base + HMX_CPUID_LEAF_MSR,  // HMX-DISC-002: highest leaf, at least base+3
                      HMX_CPUID_SIGNATURE_EBX, HMX_CPUID_SIGNATURE_ECX, HMX_CPUID_SIGNATURE_EDX};
  // HMX-DISC-004: the VERSION leaf differs per vCPU (ECX), hence a per-vCPU CPUID table.
  cpuid_leaf version{p.base + HMX_CPUID_LEAF_VERSION, 0, false, p.version,
                     (uint32_t{p.domain_id} & HMX_CPUID_VERSION_EBX_DOMAIN_ID_MASK)
                         << HMX_CPUID_VERSION_EBX_DOMAIN_ID_SHIFT,
                     vcpu_index, 0};
  // HMX-DISC-010 HMX-DISC-011 HMX-DISC-012: a mechanism or feature bit is set exactly when it is offered.
  cpuid_leaf mechanisms{p.base + HMX_CPUID_LEAF_MECHANISMS, 0, false, p.mechanisms, p.features,
                        batch ? p.max_batch : 0, 0};
  // HMX-DISC-013 HMX-DISC-014 / HMX-DISC-015 HMX-DISC-016.
  cpuid_leaf msr_leaf{p.base + HMX_CPUID_LEAF_MSR, 0, false, msr ? p.msr_base : 0, msr ? p.msr_count : 0,
                      hypercall ? p.hypercall_nr : 0, 0};
  return {identity, version, mechanisms, msr_leaf};
}

}  // namespace hmx::kvm
