/* SPDX-License-Identifier: Apache-2.0 */
// abi=xen domains of hmx-kvm (issue 11): a domain that sees Xen 4.17 instead of HMX (abi=both:
// beside HMX, Xen's leaves at 0x40000000 and HMX's where HMX's scan finds them). The HMX
// service still creates it (a KVM VM, a domain of the reference core, the MAC policy); these
// hooks replace its HMX CPUID leaves and MSR block by Xen's CPUID leaves, the hypercall-page MSR
// and the hypercall port, and hand every hypercall to adapters/xen (guest_abi.h).
//
// The hypercall stubs enter hmx-kvm with `out %eax, $kHypercallPort`, not vmcall/vmmcall: on
// the nested KVM this project runs on, vmcall/vmmcall never come back to a userspace monitor,
// and KVM forwards no hypercall but KVM_HC_MAP_GPA_RANGE anyway. A port write exits to
// userspace everywhere, leaves every argument register (RDI, RSI, RDX, R10, R8) untouched, and
// the stub stays Xen's shape (mov $nr, %eax; trap; ret). wrmsr, the HMX conduit's instruction,
// would need ECX and EDX, and RDX is Xen's third argument.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <hmx/xen/guest_abi.h>

#include "hmx/kvm/console.h"
#include "hmx/kvm/domain_config.h"
#include "hmx/kvm/hmx_service.h"

namespace hmx::kvm::xen_abi {

// The I/O port of the hypercall stubs (no PC device decodes 0xe4).
inline constexpr uint16_t kHypercallPort = 0xe4;
// The MSR that installs the hypercall page: Xen's base without Viridian (CPUID 0x40000002.EBX).
inline constexpr uint32_t kHypercallPageMsr = 0x40000000;

class xen_domains {
 public:
  // `configs`: every domain of the run, before they go to the service.
  xen_domains(const std::vector<domain_config>& configs, ref::Core& core, console& out);
  ~xen_domains();

  // The service's hook customizer: turns an abi=xen domain into a Xen guest, leaves others alone.
  void customize(service_domain& d, domain_hooks& hooks);
  // After hmx_service::add_domains: gives each Xen domain its memory and VM, and routes the
  // core's events for its rings to its event channels.
  void attach(hmx_service& service);

  bool empty() const { return domains_.empty(); }
  std::vector<std::string> stats_lines() const;

 private:
  struct xen_domain;
  ref::Core& core_;
  console& out_;
  std::map<std::string, domain_config> configs_;  // abi=xen only
  std::vector<std::unique_ptr<xen_domain>> domains_;
};

}  // namespace hmx::kvm::xen_abi
