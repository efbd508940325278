// SPDX-License-Identifier: Apache-2.0
// The HMX MSR block (spec 04-mechanisms "x86 MSR conduit"; HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016, HMX-EVENT-001/003).
#include "hmx/kvm/msr_dispatch.h"

#include <hmx/abi/hmx.h>

namespace hmx::kvm {

msr_outcome dispatch_hmx_msr(hmx_msr_target& core, const hmx_msr_block& block, ref::DomainId dom,
                             ref::GuestMemory& ram, msr_access& a) {
  if (a.index < block.base || a.index - block.base >= HMX_MSR_COUNT) return msr_outcome::not_hmx;
  const uint32_t offset = a.index - block.base;
  auto verdict = [](int rc) { return rc == 0 ? msr_outcome::done : msr_outcome::gp; };

  switch (offset) {
    case HMX_MSR_CALL: {
      if (!a.write) return msr_outcome::gp;  // write-only
      // The conduit's own status (spec "The call block"): an unusable block runs nothing. These
      // checks need only the address, never the block's contents.
      if (a.value % HMX_CALL_BLOCK_ALIGN != 0) return msr_outcome::gp;
      if (!ram.contains(a.value, sizeof(hmx_call_block_t))) return msr_outcome::gp;
      // The operation's result, whatever it is, is in the call block (core.call wrote it).
      (void)core.call(dom, a.vcpu, a.value);
      return msr_outcome::done;
    }
    case HMX_MSR_VECTOR:
      if ((block.features & HMX_FEATURE_VECTOR_BIT) == 0) return msr_outcome::gp;
      // Per vCPU: the accessing vCPU's own register (spec "Vector registers").
      return verdict(a.write ? core.set_vector(dom, a.vcpu, a.value) : core.get_vector(dom, a.vcpu, &a.value));
    case HMX_MSR_EVENT_PAGE:
      if ((block.features & HMX_FEATURE_EVENT_PAGE_BIT) == 0) return msr_outcome::gp;
      return verdict(a.write ? core.set_event_page(dom, a.value) : core.get_event_page(dom, &a.value));
    default:
      return msr_outcome::gp;  // base+3..base+15 are reserved
  }
}

}  // namespace hmx::kvm
