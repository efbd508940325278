/* SPDX-License-Identifier: MIT */
// Xen conduit (spec mechanism xen_hypercall, preference 4: last resort): Xen's own Argo,
// hypercall 39 (__HYPERVISOR_argo_op), with Argo's five arguments (cmd, arg1..arg4) in
// registers. On x86 the call goes through the hypercall page, installed by writing the page's
// GPA to the MSR that CPUID Xen-base+2 EBX names (Xen public/arch-x86/cpuid.h, 2.3); the entry for hypercall
// 39 is page + 39 * 32. On Arm it is HVC #0xEA1 (no page).
//
// Argo's arguments are guest handles (pointers the hypervisor resolves through the guest's page
// tables), not call blocks: the op layer (marshal.h) writes Argo's argument structs and passes
// their addresses directly for this conduit, and HMX-only operations (null, batch,
// set_event_page, set_vector) are not available on it (spec: their `mechanisms` omit it).
#pragma once

#include <cstdint>

#include <hmx/abi.h>
#include <hmx/conduit/conduit.h>
#include <hmx/environment.h>
#include <hmx/probe.h>
#include <hmx/status.h>

namespace hmx {

// Each hypercall-page stub is 32 bytes (Xen vmx_init_hypercall_page; Xen public/arch-x86/cpuid.h (hypercall page MSR)).
inline constexpr uint32_t xen_hypercall_stub_size = 32;

template <XenEnvironment Env>
class xen_conduit {
 public:
  static constexpr conduit_id id = conduit_id::xen_hypercall;

  // hypercall_page: a 4 KiB page for Xen's stubs (x86; must be executable in the guest's page
  // tables); nullptr on Arm. hypercall_msr: probe_result::xen.hypercall_msr.
  xen_conduit(Env& env, void* hypercall_page, uint32_t hypercall_msr) noexcept
      : env_(&env), page_(static_cast<unsigned char*>(hypercall_page)), msr_(hypercall_msr) {}

  // x86: ask Xen to fill the hypercall page (MSR value = page GPA | page index 0). A no-op
  // without a page (Arm).
  status install() noexcept {
    if (page_ == nullptr) return {};
    if constexpr (X86Environment<Env>) {
      const uint64_t gpa = env_->to_gpa(page_);
      if (gpa == invalid_gpa) return errc::fault;
      if (gpa % page_size != 0) return errc::inval;
      env_->wrmsr(msr_, gpa);
      return {};
    } else {
      return errc::opnotsupp;
    }
  }

  // The operation's result: the hypercall's, with Xen's sendv errors sign-extended
  // (sendv_result()).
  int64_t argo_op(uint32_t cmd, uint64_t arg1, uint64_t arg2, uint64_t arg3,
                  uint64_t arg4) noexcept {
    const int64_t r = env_->xen_hypercall(entry(), cmd, arg1, arg2, arg3, arg4);
    return cmd == HMX_OP_SENDV ? sendv_result(r) : r;
  }

  // Xen's sendv returns the errors it finds from the destination ring on (ECONNREFUSED,
  // EINVAL/EMSGSIZE of the iovs, EAGAIN, EFAULT of a buffer, ENOMEM) as a 32-bit value
  // zero-extended into the 64-bit result register: xen/common/argo.c sendv() ends with
  // `return (ret < 0) ? ret : len;`, where ret is int and len unsigned int, so the conditional is
  // unsigned int (measured on Xen 4.17 x86_64 and arm64: -EAGAIN arrives as 0xfffffff5). A sendv
  // result is at most MAX_MESSAGE_SIZE, so a value in [2^31, 2^32) is such an error; Linux's Argo
  // driver, which keeps the result in an int, reads it the same way.
  [[nodiscard]] static constexpr int64_t sendv_result(int64_t r) noexcept {
    if (r >= int64_t{0x80000000} && r <= int64_t{0xffffffff})
      return static_cast<int32_t>(static_cast<uint32_t>(r));
    return r;
  }

  [[nodiscard]] const void* entry() const noexcept {
    return page_ == nullptr ? nullptr
                            : page_ + HMX_XEN_HYPERCALL_ARGO_OP * xen_hypercall_stub_size;
  }

 private:
  Env* env_;
  unsigned char* page_;
  uint32_t msr_;
};

// How the Argo probe's result reads (HMX-LIB-017 HMX-LIB-018; XTF tests/argo, Xen public/argo.h (hypercall 39)): -EINVAL means
// Argo is there (register_ring with len 1 is always invalid); -ENODEV, -EPERM, -EACCES mean it
// exists but is not enabled for this domain (or XSM refuses it); -ENOSYS (not built),
// -EOPNOTSUPP (disabled at boot) and anything else mean it is absent.
[[nodiscard]] constexpr argo_state classify_argo_probe(int64_t r) noexcept {
  if (r == -HMX_EINVAL) return argo_state::present;
  if (r == -HMX_ENODEV || r == -HMX_EPERM || r == -HMX_EACCES) return argo_state::not_enabled;
  return argo_state::absent;
}

// Confirm Argo behind a Xen conduit the way Xen's own test does: register_ring with a structure
// that is zero except len 1, a null frame list, npages 0 and flags 0. Records the outcome in
// p.xen and returns whether Argo is usable.
template <ArgoConduit C>
bool probe_xen_argo(probe_result& p, C& conduit) noexcept {
  hmx_register_ring_t reg{};
  reg.len = 1;
  const int64_t r = conduit.argo_op(HMX_OP_REGISTER_RING,
                                    static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&reg)), 0,
                                    0, 0);
  p.xen.argo_probe_result = r;
  p.xen.argo_status = classify_argo_probe(r);
  p.xen.argo = p.xen.argo_status == argo_state::present;
  if (p.xen.argo_status != argo_state::absent) p.xen.present = true;  // Arm: known from the DT
  return p.xen.argo;
}

}  // namespace hmx
