/* SPDX-License-Identifier: MIT */
// Conduit selection: one function, select_conduit(probe_result), decides which conduit carries
// HMX operations. The order is the data's `preference` (HMX_MECH_*_PREFERENCE, lower first), with
// these usability rules (README.md "Conduit selection"):
//
//   1. x86_msr (1)        x86, HMX present, bit set, MSR base aligned to HMX_MSR_ALIGNMENT and
//                         the block reaching CALL.
//      arm_smccc_hvc (1)  aarch64, HMX present, bit set.
//   2. x86_vmcall (2)     x86, HMX present, bit set, hypercall_nr != 0, vendor GenuineIntel.
//      x86_vmmcall (2)    the same with vendor AuthenticAMD or HygonGenuine. The other vendor's
//                         instruction raises #UD unless the hypervisor patches it (Linux Documentation/virt/kvm/x86/hypercalls.rst).
//   3. xen_hypercall (4)  Xen found and Argo confirmed by probe_xen_argo().
//
// Equal preferences keep the data's mechanism-id order. No usable conduit: -ENODEV, "HMX not
// present".
#pragma once

#include <cstdint>

#include <hmx/abi.h>
#include <hmx/conduit/conduit.h>
#include <hmx/conduit/msr.h>
#include <hmx/conduit/smccc.h>
#include <hmx/conduit/vmcall.h>
#include <hmx/conduit/xen.h>
#include <hmx/environment.h>
#include <hmx/probe.h>
#include <hmx/status.h>

namespace hmx {

struct conduit_choice {
  conduit_id id = conduit_id::none;
  uint32_t msr_base = 0;           // x86_msr
  uint32_t hypercall_nr = 0;       // x86_vmcall / x86_vmmcall
  uint32_t xen_hypercall_msr = 0;  // xen_hypercall (x86)
};

namespace detail {

struct conduit_candidate {
  conduit_id id;
  uint32_t mechanism;
  uint32_t preference;
};

struct conduit_order_t {
  conduit_candidate c[5];
};

// The candidates in mechanism-id order, stably sorted by the data's preference at compile time.
[[nodiscard]] constexpr conduit_order_t make_conduit_order() noexcept {
  conduit_order_t o{{
      {conduit_id::x86_msr, HMX_MECH_X86_MSR, HMX_MECH_X86_MSR_PREFERENCE},
      {conduit_id::x86_vmcall, HMX_MECH_X86_VMCALL, HMX_MECH_X86_VMCALL_PREFERENCE},
      {conduit_id::x86_vmmcall, HMX_MECH_X86_VMMCALL, HMX_MECH_X86_VMMCALL_PREFERENCE},
      {conduit_id::xen_hypercall, HMX_MECH_XEN_HYPERCALL, HMX_MECH_XEN_HYPERCALL_PREFERENCE},
      {conduit_id::arm_smccc_hvc, HMX_MECH_ARM_SMCCC_HVC, HMX_MECH_ARM_SMCCC_HVC_PREFERENCE},
  }};
  for (int i = 1; i < 5; ++i)
    for (int j = i; j > 0 && o.c[j].preference < o.c[j - 1].preference; --j) {
      const conduit_candidate t = o.c[j];
      o.c[j] = o.c[j - 1];
      o.c[j - 1] = t;
    }
  return o;
}

[[nodiscard]] constexpr bool usable(const conduit_candidate& k, const probe_result& p,
                                    conduit_choice& out) noexcept {
  const bool x86 = p.arch == arch_kind::x86_64;
  switch (k.id) {
    case conduit_id::x86_msr:
      if (!x86 || !p.has_mechanism(k.mechanism)) return false;
      if (p.msr_base % HMX_MSR_ALIGNMENT != 0 || p.msr_count <= HMX_MSR_CALL) return false;
      out.msr_base = p.msr_base;
      return true;
    case conduit_id::x86_vmcall:
      if (!x86 || !p.has_mechanism(k.mechanism) || p.hypercall_nr == 0) return false;
      if (p.vendor != cpu_vendor::intel) return false;
      out.hypercall_nr = p.hypercall_nr;
      return true;
    case conduit_id::x86_vmmcall:
      if (!x86 || !p.has_mechanism(k.mechanism) || p.hypercall_nr == 0) return false;
      if (p.vendor != cpu_vendor::amd && p.vendor != cpu_vendor::hygon) return false;
      out.hypercall_nr = p.hypercall_nr;
      return true;
    case conduit_id::arm_smccc_hvc:
      return p.arch == arch_kind::aarch64 && p.has_mechanism(k.mechanism);
    case conduit_id::xen_hypercall:
      if (!p.xen.argo) return false;
      out.xen_hypercall_msr = p.xen.hypercall_msr;
      return true;
    default:
      return false;
  }
}

}  // namespace detail

inline constexpr detail::conduit_order_t conduit_order = detail::make_conduit_order();

// HMX-LIB-007: the usable conduit with the lowest preference value; HMX-LIB-006: only conduits
// discovery found offered are candidates, and none found is -ENODEV ("HMX not present").
[[nodiscard]] constexpr result<conduit_choice> select_conduit(const probe_result& p) noexcept {
  for (const detail::conduit_candidate& k : conduit_order.c) {
    conduit_choice c;
    if (detail::usable(k, p, c)) {
      c.id = k.id;
      return c;
    }
  }
  return errc::nodev;
}

// probe(), and when Xen is found without native HMX, install the hypercall page and confirm
// Argo (probe_xen_argo). xen_hypercall_page may be nullptr to skip Xen.
template <class Env>
[[nodiscard]] probe_result probe_with_xen(Env& env, void* xen_hypercall_page) noexcept {
  probe_result p = probe(env);
  if constexpr (XenEnvironment<Env>) {
    if (!p.hmx_present() && p.xen.present && xen_hypercall_page != nullptr) {
      xen_conduit<Env> xc(env, xen_hypercall_page, p.xen.hypercall_msr);
      if (xc.install().ok()) (void)probe_xen_argo(p, xc);
    }
  }
  return p;
}

// Construct the chosen conduit over `env` and call f(conduit), which returns a status (all
// conduit types are distinct, so f is generic: `[&](auto& c) { hmx::client cl(c, env); ... }`).
// A choice the environment cannot serve (e.g. vmcall without a vmcall primitive) gives -ENODEV.
template <class Env, class F>
status visit_conduit(const conduit_choice& choice, Env& env, void* xen_hypercall_page,
                     F&& f) noexcept {
  switch (choice.id) {
    case conduit_id::x86_msr:
      if constexpr (X86Environment<Env>) {
        msr_conduit<Env> c(env, choice.msr_base);
        return f(c);
      }
      break;
    case conduit_id::x86_vmcall:
      if constexpr (VmcallEnvironment<Env>) {
        vmcall_conduit<Env> c(env, choice.hypercall_nr);
        return f(c);
      }
      break;
    case conduit_id::x86_vmmcall:
      if constexpr (VmmcallEnvironment<Env>) {
        vmmcall_conduit<Env> c(env, choice.hypercall_nr);
        return f(c);
      }
      break;
    case conduit_id::xen_hypercall:
      if constexpr (XenEnvironment<Env>) {
        xen_conduit<Env> c(env, xen_hypercall_page, choice.xen_hypercall_msr);
        const status s = c.install();
        if (!s.ok()) return s;
        return f(c);
      }
      break;
    case conduit_id::arm_smccc_hvc:
      if constexpr (SmcccEnvironment<Env>) {
        smccc_conduit<Env> c(env);
        return f(c);
      }
      break;
    default:
      break;
  }
  return errc::nodev;
}

}  // namespace hmx
