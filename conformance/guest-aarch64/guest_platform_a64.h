/* SPDX-License-Identifier: Apache-2.0 */
// The platform of the conformance images for aarch64 (guest-runtime/aarch64: EL1, identity map,
// GICv3, Linux arm64 Image). The tests run at EL1; other vCPUs run jobs from a mailbox, woken by
// an SGI; interrupts are counted per vCPU and INTID.
//
// Conduit: HMX's SMCCC functions when libhmx's SMCCC probe finds HMX (smccc_a64.cpp: the HMX
// EL2 monitor); else Xen's hypercall (HVC #0xEA1) when the device tree names Xen (a `xen,xen`
// node, spec 3.2) and the Argo probe answers "present" (xen_argo_a64.cpp). x86 instructions
// (CPUID, MSRs) do not exist here: cpuid() reads zeros and MSR accesses fail.
#pragma once

#include <hmx/probe.h>

#include "conformance/platform.h"

namespace conformance::guest {

class a64_platform final : public platform {
 public:
  void init();
  [[noreturn]] void ap_loop(unsigned cpu);
  bool configure(hmx::probe_result& p) override;

  unsigned vcpu_count() override;
  const char* cmdline() override;
  hmx::cpuid_regs cpuid(unsigned, uint32_t, uint32_t) override { return {}; }
  bool rdmsr(unsigned, uint32_t, uint64_t* value) override {
    *value = 0;
    return false;
  }
  bool wrmsr(unsigned, uint32_t, uint64_t) override { return false; }
  hmx::status invoke(unsigned vcpu, uint64_t call_block_gpa) override;
  const char* conduit_name() override {
    return smccc_ok_ ? "arm_smccc_hvc" : xen_ok_ ? "xen_hypercall" : "none";
  }
  bool smccc(unsigned vcpu, hmx::smccc_regs& r, bool smc) override;
  const char* xen_version() override { return xen_version_; }
  int64_t xen_argo_raw(uint32_t cmd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) override;
  void free_ram(void** base, size_t* bytes) override;
  uint64_t to_gpa(const void* p) override;
  uint64_t ram_end() override;
  uint64_t non_ram_gpa() override;
  bool start_on(unsigned vcpu, void (*fn)(void*), void* arg) override;
  bool finished_on(unsigned vcpu) override;
  void poll() override;
  uint32_t vector_count(unsigned vcpu, uint8_t vector) override;
  void idle(uint32_t max_us) override;
  uint64_t now_us() override;
  void relax() override;
  void write_line(const char* text, size_t len) override;
  bool stop_requested() override { return false; }
  void idle_by_interrupt(bool on) override { halt_ok_ = on; }
  bool denial_count(uint64_t*, uint64_t*) override { return false; }
  // Xen shuts a dom0less domU down on PSCI SYSTEM_OFF but destroys it (and tears down its Argo
  // rings) only when a toolstack asks (XEN_DOMCTL_destroydomain); a dom0less system has none.
  const char* exit_keeps_domain() override {
    return xen_ok_ ? "Xen destroys a domU that powered off only at a toolstack's request; dom0less has none" : "";
  }

 private:
  // Xen (xen_argo_a64.cpp): find it in the device tree, probe Argo, learn the version.
  bool configure_xen(hmx::probe_result& p);
  hmx::status invoke_xen(uint64_t call_block_gpa);
  // HMX's SMCCC conduit (smccc_a64.cpp).
  bool configure_smccc(hmx::probe_result& p);
  hmx::status invoke_smccc(uint64_t call_block_gpa);

  bool smccc_ok_ = false;
  bool xen_ok_ = false;
  bool halt_ok_ = false;
  char xen_version_[32] = {};
};

a64_platform& the_a64_platform();

// A node of the flattened device tree at `dtb` is compatible with `compatible` (Devicetree
// Specification v0.4, 5 "Flattened Devicetree (DTB) Format").
bool device_tree_compatible(uint64_t dtb, const char* compatible);

}  // namespace conformance::guest
