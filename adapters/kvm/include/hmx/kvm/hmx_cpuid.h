/* SPDX-License-Identifier: Apache-2.0 */
// The HMX CPUID leaf block as hmx-kvm presents it (spec 03-discovery "x86: the CPUID leaf block";
// table `cpuid` of spec/hmx.textproto, generated into <hmx/abi/cpuid.h>). Pure: no KVM calls.
#pragma once

#include <cstdint>
#include <vector>

#include <hmx/abi/hmx.h>

#include "hmx/kvm/cpuid.h"

namespace hmx::kvm {

// What the leaves advertise to one domain.
struct hmx_cpuid_params {
  uint32_t base = HMX_CPUID_DEFAULT_BASE;  // HMX-DISC-003: the default unless something else sits there
  uint32_t version = HMX_VERSION;          // major << 16 | minor
  uint16_t domain_id = 0;
  uint32_t mechanisms = 0;                 // HMX_MECH_*_BIT
  uint32_t features = 0;                   // HMX_FEATURE_*_BIT
  uint32_t max_batch = 0;                  // reported only with HMX_FEATURE_BATCH_BIT (HMX-DISC-010 HMX-DISC-011 HMX-DISC-012)
  uint32_t msr_base = HMX_MSR_DEFAULT_BASE;
  uint32_t msr_count = HMX_MSR_COUNT;
  uint32_t hypercall_nr = 0;               // only with x86_vmcall / x86_vmmcall (HMX-DISC-015 HMX-DISC-016)
};

// The four leaves base+0..base+3 for vCPU `vcpu_index`: IDENTITY (max leaf base+3, signature),
// VERSION (version, domain id, vCPU index), MECHANISMS, MSR. Reserved registers are 0
// (HMX-DISC-008); MSR base and count are 0 unless x86_msr is offered (HMX-DISC-013 HMX-DISC-014); the
// hypercall number is 0 unless a hypercall conduit is offered (HMX-DISC-015 HMX-DISC-016).
std::vector<cpuid_leaf> hmx_cpuid_leaves(const hmx_cpuid_params& params, uint32_t vcpu_index);

}  // namespace hmx::kvm
