/* SPDX-License-Identifier: Apache-2.0 */
// The platform of the conformance guest images (PVH on any hypervisor; guest-runtime/): tests run
// at CPL3 (docs/ARCHITECTURE.md "Facts of the machines": CPL0 is emulated here), privileged instructions go
// through the runtime's gate, other vCPUs run jobs from a mailbox, and interrupts are counted
// per vCPU and vector by CPL3 handlers.
#pragma once

#include <hmx/probe.h>

#include "conformance/platform.h"

namespace conformance::guest {

class guest_platform final : public platform {
 public:
  // On the BSP, before anything else: memory map, handlers, the LAPIC safety timer.
  void init();
  // The AP side: never returns.
  [[noreturn]] void ap_loop(unsigned cpu);
  // The MSR conduit at the base the probe found; without HMX, Xen's hypercall conduit when the
  // Argo probe answers "present" (xen_argo.cpp).
  bool configure(hmx::probe_result& p) override;

  unsigned vcpu_count() override;
  const char* cmdline() override;
  hmx::cpuid_regs cpuid(unsigned vcpu, uint32_t leaf, uint32_t subleaf) override;
  bool rdmsr(unsigned vcpu, uint32_t index, uint64_t* value) override;
  bool wrmsr(unsigned vcpu, uint32_t index, uint64_t value) override;
  hmx::status invoke(unsigned vcpu, uint64_t call_block_gpa) override;
  const char* conduit_name() override;
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

 private:
  // Run fn(arg) on `vcpu` and wait (the privileged primitives on another vCPU).
  void run_sync(unsigned vcpu, void (*fn)(void*), void* arg);

  // Xen (xen_argo.cpp): install the hypercall page, probe Argo, learn the domain id and version.
  bool configure_xen(hmx::probe_result& p);
  hmx::status invoke_xen(uint64_t call_block_gpa);

  uint32_t msr_base_ = 0;
  bool msr_ok_ = false;
  bool xen_ok_ = false;
  char xen_version_[32] = {};
  uint64_t ram_end_ = 0;
  uint64_t tsc_per_us_ = 3000;
  bool halt_ok_ = false;
  unsigned char* free_base_ = nullptr;
  size_t free_bytes_ = 0;
};

guest_platform& the_platform();

// On Xen, a PVH domain whose start_info (version 0) has no memory map asks for it with
// XENMEM_memory_map (Xen docs/misc/pvh.pandoc): the end of the RAM region that holds image_end.
// False when not on Xen or no such region (xen_argo.cpp).
bool xen_pvh_ram_end(uint64_t image_end, uint64_t* ram_end);

}  // namespace conformance::guest
