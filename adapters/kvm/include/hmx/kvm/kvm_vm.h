/* SPDX-License-Identifier: Apache-2.0 */
// A VM fd (Documentation/virt/kvm/api.rst): memory slots, in-kernel irqchip, MSI injection,
// userspace MSR exits, vCPU creation.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "hmx/kvm/kvm_vcpu.h"
#include "hmx/kvm/unique_fd.h"

namespace hmx::kvm {

class kvm_system;

class kvm_vm {
 public:
  kvm_vm(unique_fd fd, const kvm_system& system);

  int fd() const { return fd_.get(); }
  // api.rst 4.35 KVM_SET_USER_MEMORY_REGION.
  void set_user_memory_region(uint32_t slot, uint64_t gpa, uint64_t size, void* host);
  // api.rst 4.48 KVM_SET_TSS_ADDR: three pages KVM needs for real-mode emulation on Intel hosts
  // without unrestricted guest (the AP trampoline runs in real mode). Outside guest RAM.
  void set_tss_addr(uint64_t gpa);
  // api.rst 4.24 KVM_CREATE_IRQCHIP: in-kernel PIC, IOAPIC and one LAPIC per vCPU. Must precede
  // vCPU creation; then APs wait in the kernel for INIT-SIPI-SIPI.
  void create_irqchip();
  // api.rst 4.71 KVM_SIGNAL_MSI: an edge MSI with fixed delivery of `vector` to the LAPIC whose
  // ID is `apic_id` (MSI address 0xfee00000 | id << 12, SDM Vol. 3A 10.11). Returns true if
  // delivered, false if the guest blocked it (e.g. LAPIC software-disabled).
  bool signal_msi(uint32_t apic_id, uint8_t vector);
  // The MSI message of signal_msi, as a routing entry for `gsi`.
  static kvm_irq_routing_entry msi_route(uint32_t gsi, uint32_t apic_id, uint8_t vector);
  // api.rst 4.52 KVM_SET_GSI_ROUTING: replaces the whole routing table with `entries`.
  void set_gsi_routing(const std::vector<kvm_irq_routing_entry>& entries);
  // The routes KVM_CREATE_IRQCHIP installs (virt/kvm/irqchip.c default routing): GSIs 0-15 to the
  // PIC pins and IOAPIC pins 0-15, GSIs 16-23 to IOAPIC pins 16-23. Kept when routes are added.
  static std::vector<kvm_irq_routing_entry> default_irqchip_routes();
  // api.rst 4.75 KVM_IRQFD: a write to `eventfd` raises `gsi` (no resample).
  void assign_irqfd(int eventfd, uint32_t gsi);
  // api.rst 7.21 KVM_CAP_X86_USER_SPACE_MSR with KVM_MSR_EXIT_REASON_FILTER, then 4.126
  // KVM_X86_SET_MSR_FILTER: reads and writes of MSRs [base, base + count) exit to userspace
  // (KVM_EXIT_X86_RDMSR/WRMSR); every other MSR keeps KVM's default handling. A second range
  // [base2, base2 + count2) exits too when count2 is not 0.
  void enable_msr_exits(uint32_t base, uint32_t count, uint32_t base2 = 0, uint32_t count2 = 0);
  kvm_vcpu create_vcpu(unsigned id);

 private:
  unique_fd fd_;
  const kvm_system* system_;
};

}  // namespace hmx::kvm
