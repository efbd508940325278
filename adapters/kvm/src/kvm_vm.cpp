// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/kvm_vm.h"

#include <sys/ioctl.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hmx/kvm/error.h"
#include "hmx/kvm/kvm_system.h"

namespace hmx::kvm {

kvm_vm::kvm_vm(unique_fd fd, const kvm_system& system) : fd_(std::move(fd)), system_(&system) {}

void kvm_vm::set_user_memory_region(uint32_t slot, uint64_t gpa, uint64_t size, void* host) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = gpa;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  checked_ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");
}

void kvm_vm::set_tss_addr(uint64_t gpa) {
  checked_ioctl(fd_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(gpa), "KVM_SET_TSS_ADDR");
}

void kvm_vm::create_irqchip() { checked_ioctl(fd_.get(), KVM_CREATE_IRQCHIP, 0ul, "KVM_CREATE_IRQCHIP"); }

bool kvm_vm::signal_msi(uint32_t apic_id, uint8_t vector) {
  kvm_msi msi{};
  msi.address_lo = 0xfee00000u | ((apic_id & 0xffu) << 12);  // physical destination mode
  msi.address_hi = 0;
  msi.data = vector;  // fixed delivery, edge
  return checked_ioctl(fd_.get(), KVM_SIGNAL_MSI, &msi, "KVM_SIGNAL_MSI") > 0;
}

kvm_irq_routing_entry kvm_vm::msi_route(uint32_t gsi, uint32_t apic_id, uint8_t vector) {
  kvm_irq_routing_entry e{};
  e.gsi = gsi;
  e.type = KVM_IRQ_ROUTING_MSI;
  e.u.msi.address_lo = 0xfee00000u | ((apic_id & 0xffu) << 12);
  e.u.msi.address_hi = 0;
  e.u.msi.data = vector;
  return e;
}

std::vector<kvm_irq_routing_entry> kvm_vm::default_irqchip_routes() {
  std::vector<kvm_irq_routing_entry> routes;
  for (uint32_t gsi = 0; gsi < 24; ++gsi) {
    kvm_irq_routing_entry io{};
    io.gsi = gsi;
    io.type = KVM_IRQ_ROUTING_IRQCHIP;
    io.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
    io.u.irqchip.pin = gsi;
    routes.push_back(io);
    if (gsi < 16) {
      kvm_irq_routing_entry pic = io;
      pic.u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
      pic.u.irqchip.pin = gsi % 8;
      routes.push_back(pic);
    }
  }
  return routes;
}

void kvm_vm::set_gsi_routing(const std::vector<kvm_irq_routing_entry>& entries) {
  std::vector<std::byte> buf(sizeof(kvm_irq_routing) + entries.size() * sizeof(kvm_irq_routing_entry));
  auto* table = reinterpret_cast<kvm_irq_routing*>(buf.data());
  table->nr = uint32_t(entries.size());
  table->flags = 0;
  std::copy(entries.begin(), entries.end(), table->entries);
  checked_ioctl(fd_.get(), KVM_SET_GSI_ROUTING, table, "KVM_SET_GSI_ROUTING");
}

void kvm_vm::assign_irqfd(int eventfd, uint32_t gsi) {
  kvm_irqfd irqfd{};
  irqfd.fd = uint32_t(eventfd);
  irqfd.gsi = gsi;
  checked_ioctl(fd_.get(), KVM_IRQFD, &irqfd, "KVM_IRQFD");
}

namespace {

void check_msr_range(uint32_t base, uint32_t count) {
  if (count == 0 || count > KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8)
    throw kvm_error("KVM_X86_SET_MSR_FILTER: MSR count " + std::to_string(count) + " out of range 1.." +
                        std::to_string(KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8),
                    0);
  if (uint64_t{base} + count > 0x100000000ull)
    throw kvm_error("KVM_X86_SET_MSR_FILTER: MSR range wraps past 0xffffffff", 0);
}

}  // namespace

void kvm_vm::enable_msr_exits(uint32_t base, uint32_t count, uint32_t base2, uint32_t count2) {
  system_->require(KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR");
  system_->require(KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER");
  check_msr_range(base, count);
  if (count2 != 0) check_msr_range(base2, count2);

  kvm_enable_cap cap{};
  cap.cap = KVM_CAP_X86_USER_SPACE_MSR;
  cap.args[0] = KVM_MSR_EXIT_REASON_FILTER;
  checked_ioctl(fd_.get(), KVM_ENABLE_CAP, &cap, "KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR)");

  // A 0 bit denies the access in the range's flags; with KVM_MSR_EXIT_REASON_FILTER a denied
  // access exits to userspace instead of raising #GP. All other MSRs: default allow.
  std::vector<uint8_t> deny((std::max(count, count2) + 7) / 8, 0);
  kvm_msr_filter filter{};
  filter.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
  filter.ranges[0].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
  filter.ranges[0].nmsrs = count;
  filter.ranges[0].base = base;
  filter.ranges[0].bitmap = deny.data();
  if (count2 != 0) {
    filter.ranges[1].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
    filter.ranges[1].nmsrs = count2;
    filter.ranges[1].base = base2;
    filter.ranges[1].bitmap = deny.data();
  }
  checked_ioctl(fd_.get(), KVM_X86_SET_MSR_FILTER, &filter, "KVM_X86_SET_MSR_FILTER");
}

kvm_vcpu kvm_vm::create_vcpu(unsigned id) {
  int fd = checked_ioctl(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(id), "KVM_CREATE_VCPU");
  return kvm_vcpu(unique_fd(fd), system_->vcpu_mmap_size(), id);
}

}  // namespace hmx::kvm
