/* SPDX-License-Identifier: MIT */
// What a conduit is: the one instruction (or call) that carries an HMX operation to the
// hypervisor (spec `mechanisms`, kind "call").
//
// Two shapes exist:
//   CallBlockConduit  invoke(call_block_gpa) -> status. The operation, its arguments and its
//                     result travel in a call block in guest memory; the returned status is the
//                     conduit's own (e.g. SMCCC NOT_SUPPORTED), the operation's result is in the
//                     block. x86 MSR, vmcall, vmmcall, Arm SMCCC and the in-process loopback.
//   ArgoConduit       argo_op(cmd, arg1..arg4) -> result. Xen's hypercall 39: Argo's five
//                     arguments in registers, guest handles (pointers) instead of call blocks.
// The typed operations (client.h) marshal for either shape.
#pragma once

#include <concepts>
#include <cstdint>

#include <hmx/status.h>

namespace hmx {

// How a conduit names guest memory in arguments: guest-physical addresses, or pointers (Xen's
// guest handles, resolved through the guest's page tables).
enum class handle_mode : uint8_t { gpa, pointer };

enum class conduit_id : uint8_t {
  none,
  x86_msr,
  x86_vmcall,
  x86_vmmcall,
  xen_hypercall,
  arm_smccc_hvc,
  loopback,
};

[[nodiscard]] constexpr const char* conduit_name(conduit_id id) noexcept {
  switch (id) {
    case conduit_id::x86_msr: return "x86_msr";
    case conduit_id::x86_vmcall: return "x86_vmcall";
    case conduit_id::x86_vmmcall: return "x86_vmmcall";
    case conduit_id::xen_hypercall: return "xen_hypercall";
    case conduit_id::arm_smccc_hvc: return "arm_smccc_hvc";
    case conduit_id::loopback: return "loopback";
    default: return "none";
  }
}

template <class C>
concept CallBlockConduit = requires(C& c, uint64_t gpa) {
  { c.invoke(gpa) } -> std::same_as<status>;
};

template <class C>
concept ArgoConduit = requires(C& c, uint32_t cmd, uint64_t a) {
  { c.argo_op(cmd, a, a, a, a) } -> std::same_as<int64_t>;
};

template <class C>
concept Conduit = CallBlockConduit<C> || ArgoConduit<C>;

// The conduit status of a hypercall instruction's RAX: 0, or a negated error of the conduit
// itself. KVM answers an unknown hypercall number with -KVM_ENOSYS (-1000; Linux Documentation/virt/kvm/x86/hypercalls.rst), which
// means the same as HMX's ENOSYS: the conduit exists, HMX does not live behind it.
[[nodiscard]] constexpr status hypercall_status(int64_t rax) noexcept {
  constexpr int64_t kvm_enosys = -1000;
  if (rax == kvm_enosys) return errc::nosys;
  return status::from_raw(rax);
}

}  // namespace hmx
