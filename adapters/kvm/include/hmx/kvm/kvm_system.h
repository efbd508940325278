/* SPDX-License-Identifier: Apache-2.0 */
// /dev/kvm: the system-level fd (Documentation/virt/kvm/api.rst 4.1-4.4, 4.46).
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <vector>

#include "hmx/kvm/unique_fd.h"

namespace hmx::kvm {

class kvm_vm;

class kvm_system {
 public:
  // Opens the device, checks KVM_GET_API_VERSION == 12 and the capabilities every hmx-kvm VM
  // relies on (user memory, in-kernel irqchip, KVM_SIGNAL_MSI, KVM_CAP_IMMEDIATE_EXIT,
  // KVM_GET_SUPPORTED_CPUID, KVM_SET_TSS_ADDR). Throws kvm_error naming what is missing.
  explicit kvm_system(const char* path = "/dev/kvm");

  int fd() const { return fd_.get(); }
  int check_extension(long capability) const;  // KVM_CHECK_EXTENSION
  void require(long capability, const char* name) const;
  std::vector<kvm_cpuid_entry2> supported_cpuid() const;  // KVM_GET_SUPPORTED_CPUID
  std::size_t vcpu_mmap_size() const { return vcpu_mmap_size_; }
  kvm_vm create_vm() const;

 private:
  unique_fd fd_;
  std::size_t vcpu_mmap_size_ = 0;
};

}  // namespace hmx::kvm
