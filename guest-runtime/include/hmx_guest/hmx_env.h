/* SPDX-License-Identifier: MIT */
// hmx_guest::hmx_env: libhmx's Environment for workloads of this runtime, which run at CPL3
// (libhmx/include/hmx/environment.h; concepts hmx::Environment and hmx::X86Environment).
//
//   to_gpa        identity: the runtime maps the first 4 GiB virtual == guest-physical
//   alloc_pages   zeroed pages from a static arena in the image (hmx::page_arena, no heap)
//   cpuid         privileged_cpuid(): CPUID at CPL0 through the gate. On this project's nested KVM
//                 a CPL3 CPUID returns the outer host's values, never the VMM's table, so probing
//                 the HMX leaves must go through the gate (README.md)
//   rdmsr/wrmsr   privileged_rdmsr()/privileged_wrmsr(): the MSR conduit and the VECTOR /
//                 EVENT_PAGE registers (6 CPL0 instructions for WRMSR, 8 for RDMSR, vectors.S)
//
// WRMSR/RDMSR can raise #GP (an MSR the hypervisor refuses, HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016): the gate turns it into
// a `false`, which this environment counts and remembers per vCPU (take_msr_fault()) because
// libhmx's environment interface has no way to return it; an RDMSR that faulted reads as 0.
//   xen_hypercall privileged_xen_hypercall(): a Xen hypercall-page entry called at CPL0 through
//                 the gate (libhmx's xen_conduit; Xen refuses hypercalls from CPL3)
// No vmcall/vmmcall primitives: hmx-kvm offers only the MSR conduit, and on this machine a VMCALL
// never returns (docs/ARCHITECTURE.md "Facts of the machines").
//
// One environment may serve every vCPU of the image (the arena is lock-free); libhmx clients are
// per vCPU.
#ifndef HMX_GUEST_HMX_ENV_H
#define HMX_GUEST_HMX_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <hmx/cpuid.h>
#include <hmx/environment.h>

#include "hmx_guest/runtime.h"

namespace hmx_guest {

class hmx_env {
 public:
  hmx_env(void* arena, size_t bytes) noexcept : arena_(arena, bytes) {}
  template <size_t N>
  explicit hmx_env(hmx::static_arena<N>& arena) noexcept : arena_(arena.bytes, arena.size()) {}
  hmx_env(const hmx_env&) = delete;
  hmx_env& operator=(const hmx_env&) = delete;

  // The identity map covers [0, 4 GiB); page 0 is unmapped but still has a GPA.
  [[nodiscard]] uint64_t to_gpa(const void* p) const noexcept {
    const uint64_t v = virt_to_phys(p);
    return v < (uint64_t{1} << 32) ? v : hmx::invalid_gpa;
  }
  [[nodiscard]] void* alloc_pages(size_t n) noexcept { return arena_.alloc_pages(n); }
  [[nodiscard]] hmx::page_arena& arena() noexcept { return arena_; }

  [[nodiscard]] hmx::cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf) noexcept {
    const cpuid_result r = privileged_cpuid(leaf, subleaf);
    return hmx::cpuid_regs{r.eax, r.ebx, r.ecx, r.edx};
  }
  [[nodiscard]] uint64_t rdmsr(uint32_t index) noexcept {
    uint64_t value = 0;
    if (!privileged_rdmsr(index, &value)) {
      note_fault();
      return 0;
    }
    return value;
  }
  void wrmsr(uint32_t index, uint64_t value) noexcept {
    if (!privileged_wrmsr(index, value)) note_fault();
  }
  [[nodiscard]] int64_t xen_hypercall(const void* entry, uint64_t cmd, uint64_t a1, uint64_t a2, uint64_t a3,
                                      uint64_t a4) noexcept {
    return privileged_xen_hypercall(entry, cmd, a1, a2, a3, a4);
  }
  [[nodiscard]] hmx::cpu_vendor vendor() noexcept {
    if (!vendor_known_) {
      vendor_ = hmx::decode_vendor(cpuid(0, 0));
      vendor_known_ = true;
    }
    return vendor_;
  }

  // True if an RDMSR/WRMSR of the calling vCPU raised #GP since the last call; clears the flag.
  [[nodiscard]] bool take_msr_fault() noexcept {
    return atomic_exchange(faulted_[cpu_index() % HMX_GUEST_MAX_CPUS], 0u) != 0;
  }
  // RDMSR/WRMSR faults of all vCPUs so far.
  [[nodiscard]] uint64_t msr_faults() const noexcept { return atomic_load(faults_); }

 private:
  void note_fault() noexcept {
    atomic_store(faulted_[cpu_index() % HMX_GUEST_MAX_CPUS], 1u);
    atomic_fetch_add(faults_, uint64_t{1});
  }

  hmx::page_arena arena_;
  hmx::cpu_vendor vendor_ = hmx::cpu_vendor::unknown;
  bool vendor_known_ = false;
  uint32_t faulted_[HMX_GUEST_MAX_CPUS] = {};
  uint64_t faults_ = 0;
};

static_assert(hmx::X86Environment<hmx_env>, "hmx_env must satisfy libhmx's X86Environment");
static_assert(hmx::XenEnvironment<hmx_env>, "hmx_env must satisfy libhmx's XenEnvironment");

}  // namespace hmx_guest

#endif
