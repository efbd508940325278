/* SPDX-License-Identifier: MIT */
// x86 hypercall-instruction conduits (spec mechanisms x86_vmcall / x86_vmmcall, preference 2):
// RAX = the HMX hypercall number from the MSR leaf (ECX), RDI = call block GPA; RAX returns the
// conduit status, the operation's result is in the call block. VMCALL is Intel VMX's, VMMCALL
// AMD SVM's: select_conduit() only picks the one matching the CPU vendor, because the other one
// raises #UD unless the hypervisor rewrites it (Linux Documentation/virt/kvm/x86/hypercalls.rst). Both are CPL0-only; the
// environment executes them.
#pragma once

#include <cstdint>

#include <hmx/conduit/conduit.h>
#include <hmx/environment.h>
#include <hmx/status.h>

namespace hmx {

template <VmcallEnvironment Env>
class vmcall_conduit {
 public:
  static constexpr conduit_id id = conduit_id::x86_vmcall;
  vmcall_conduit(Env& env, uint32_t hypercall_nr) noexcept : env_(&env), nr_(hypercall_nr) {}
  status invoke(uint64_t call_block_gpa) noexcept {
    return hypercall_status(env_->vmcall(nr_, call_block_gpa));
  }
  [[nodiscard]] uint32_t hypercall_nr() const noexcept { return nr_; }

 private:
  Env* env_;
  uint32_t nr_;
};

template <VmmcallEnvironment Env>
class vmmcall_conduit {
 public:
  static constexpr conduit_id id = conduit_id::x86_vmmcall;
  vmmcall_conduit(Env& env, uint32_t hypercall_nr) noexcept : env_(&env), nr_(hypercall_nr) {}
  status invoke(uint64_t call_block_gpa) noexcept {
    return hypercall_status(env_->vmmcall(nr_, call_block_gpa));
  }
  [[nodiscard]] uint32_t hypercall_nr() const noexcept { return nr_; }

 private:
  Env* env_;
  uint32_t nr_;
};

}  // namespace hmx
