/* SPDX-License-Identifier: Apache-2.0 */
// The HMX MSR conduit on KVM: what an RDMSR/WRMSR of an index in the HMX MSR block means (spec
// 04-mechanisms "x86 MSR conduit", 07-notifications; HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016, HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013, HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019).
// KVM routes the block to userspace through KVM_X86_SET_MSR_FILTER (api.rst 4.126) with
// KVM_CAP_X86_USER_SPACE_MSR (api.rst 7.21); refusing an access there makes KVM inject #GP(0).
#pragma once

#include <cstdint>

#include <hmx/abi/hmx.h>
#include <hmx/reference/core.h>
#include <hmx/reference/guest_memory.h>

#include "hmx/kvm/domain.h"

namespace hmx::kvm {

// What the conduit needs from the HMX core: the reference core in hmx-kvm, a fake in unit tests.
// Return values as hmx::ref::Core's: 0 / a result, or a negated HMX error code.
class hmx_msr_target {
 public:
  virtual ~hmx_msr_target() = default;
  virtual int64_t call(ref::DomainId dom, uint32_t vcpu, uint64_t call_block_gpa) = 0;
  virtual int set_vector(ref::DomainId dom, uint32_t vcpu, uint64_t value) = 0;
  virtual int get_vector(ref::DomainId dom, uint32_t vcpu, uint64_t* value) = 0;
  virtual int set_event_page(ref::DomainId dom, uint64_t value) = 0;
  virtual int get_event_page(ref::DomainId dom, uint64_t* value) = 0;
};

// hmx_msr_target over the reference core.
class core_msr_target final : public hmx_msr_target {
 public:
  explicit core_msr_target(ref::Core& core) : core_(core) {}
  int64_t call(ref::DomainId dom, uint32_t vcpu, uint64_t gpa) override { return core_.call(dom, vcpu, gpa); }
  int set_vector(ref::DomainId dom, uint32_t vcpu, uint64_t v) override { return core_.set_vector(dom, vcpu, v); }
  int get_vector(ref::DomainId dom, uint32_t vcpu, uint64_t* v) override { return core_.get_vector(dom, vcpu, v); }
  int set_event_page(ref::DomainId dom, uint64_t v) override { return core_.set_event_page(dom, v); }
  int get_event_page(ref::DomainId dom, uint64_t* v) override { return core_.get_event_page(dom, v); }

 private:
  ref::Core& core_;
};

// The block of one domain: where it lives and which registers exist (features offered).
struct hmx_msr_block {
  uint32_t base = 0;      // a multiple of HMX_MSR_ALIGNMENT (HMX-DISC-013 HMX-DISC-014)
  uint32_t features = 0;  // HMX_FEATURE_*_BIT offered to the domain
};

enum class msr_outcome {
  not_hmx,  // the index is outside the block: not ours to answer
  done,     // handled (a read sets access.value)
  gp,       // refused: the guest gets #GP(0)
};

// Handles one access to the block on the accessing vCPU's thread:
//   CALL write   one call on the block at GPA `value` (core.call reads it once, HMX-MECH-021 HMX-MECH-022 HMX-MECH-023);
//                #GP and nothing runs when the GPA is not CALL_BLOCK_ALIGN aligned or the block
//                is not entirely in the caller's RAM (HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016). The adapter never reads the
//                block itself.
//   CALL read    #GP (write-only).
//   VECTOR       this vCPU's vector register; an invalid value -> #GP, unchanged (HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013).
//   EVENT_PAGE   the domain's event page register; invalid -> #GP, unchanged (HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019).
//   other        reserved, or a register whose feature is not offered -> #GP (HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016).
msr_outcome dispatch_hmx_msr(hmx_msr_target& core, const hmx_msr_block& block, ref::DomainId dom,
                             ref::GuestMemory& ram, msr_access& access);

}  // namespace hmx::kvm
