/* SPDX-License-Identifier: MIT */
// x86 MSR conduit (spec mechanism x86_msr, preference 1 on x86): one WRMSR of the call block's
// guest-physical address to MSR base + HMX_MSR_CALL runs the call; the operation completes before
// WRMSR retires and its result is in the call block (docs/ARCHITECTURE.md decision 3: the base is
// relocatable and read from the MSR CPUID leaf). Also the direct VECTOR / EVENT_PAGE MSR helpers.
#pragma once

#include <cstdint>

#include <hmx/abi.h>
#include <hmx/conduit/conduit.h>
#include <hmx/environment.h>
#include <hmx/events.h>
#include <hmx/status.h>

namespace hmx {

template <X86Environment Env>
class msr_conduit {
 public:
  static constexpr conduit_id id = conduit_id::x86_msr;

  msr_conduit(Env& env, uint32_t msr_base) noexcept : env_(&env), msr_base_(msr_base) {}

  // WRMSR either completes the call or raises #GP (an unhandled MSR): there is no conduit
  // status to report, so this always returns ok.
  status invoke(uint64_t call_block_gpa) noexcept {
    env_->wrmsr(msr_base_ + HMX_MSR_CALL, call_block_gpa);
    return {};
  }

  [[nodiscard]] uint32_t msr_base() const noexcept { return msr_base_; }

 private:
  Env* env_;
  uint32_t msr_base_;
};

namespace x86 {

// Write this vCPU's VECTOR MSR directly (what set_vector does for another vCPU).
template <X86Environment Env>
void write_vector_msr(Env& env, uint32_t msr_base, vector_reg v) noexcept {
  env.wrmsr(msr_base + HMX_MSR_VECTOR, v.encode());
}

template <X86Environment Env>
[[nodiscard]] vector_reg read_vector_msr(Env& env, uint32_t msr_base) noexcept {
  return vector_reg::decode(env.rdmsr(msr_base + HMX_MSR_VECTOR));
}

// Enable the domain's event page at `page` (nullptr disables), zeroing it first
// (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029). The page must be 4 KiB aligned and have a GPA: otherwise EINVAL / EFAULT, as
// the hypervisor would answer (it raises #GP for the MSR).
template <X86Environment Env>
status write_event_page_msr(Env& env, uint32_t msr_base, hmx_event_page_t* page) noexcept {
  if (page == nullptr) {
    env.wrmsr(msr_base + HMX_MSR_EVENT_PAGE, 0);
    return {};
  }
  const uint64_t gpa = env.to_gpa(page);
  if (gpa == invalid_gpa) return errc::fault;
  if (gpa % page_size != 0) return errc::inval;
  clear_event_page(page);
  env.wrmsr(msr_base + HMX_MSR_EVENT_PAGE, event_page_value(gpa, true));
  return {};
}

}  // namespace x86
}  // namespace hmx
