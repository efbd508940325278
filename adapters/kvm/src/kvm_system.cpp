// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/kvm_system.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <memory>
#include <string>

#include "hmx/kvm/error.h"
#include "hmx/kvm/kvm_vm.h"
#include "kvm_abi.h"

namespace hmx::kvm {

kvm_system::kvm_system(const char* path) : fd_(::open(path, O_RDWR | O_CLOEXEC)) {
  if (!fd_) throw_errno(std::string("open ") + path);
  int version = checked_ioctl(fd_.get(), KVM_GET_API_VERSION, 0ul, "KVM_GET_API_VERSION");
  if (version != KVM_API_VERSION)
    throw kvm_error("KVM_GET_API_VERSION returned " + std::to_string(version) + ", hmx-kvm needs " +
                        std::to_string(KVM_API_VERSION),
                    0);
  require(KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY");
  require(KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP");
  require(KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI");
  require(KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT");
  require(KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID");
  require(KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR");
  vcpu_mmap_size_ = std::size_t(checked_ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0ul, "KVM_GET_VCPU_MMAP_SIZE"));
}

int kvm_system::check_extension(long capability) const {
  return checked_ioctl(fd_.get(), KVM_CHECK_EXTENSION, static_cast<unsigned long>(capability),
                       "KVM_CHECK_EXTENSION");
}

void kvm_system::require(long capability, const char* name) const {
  if (check_extension(capability) <= 0)
    throw kvm_error(std::string("KVM capability ") + name + " is not available on this host", 0);
}

std::vector<kvm_cpuid_entry2> kvm_system::supported_cpuid() const {
  // api.rst 4.46: E2BIG means the buffer is too small; grow and retry.
  for (unsigned n = 128; n <= 4096; n *= 2) {
    std::size_t bytes = sizeof(abi::cpuid2_header) + n * sizeof(kvm_cpuid_entry2);
    auto buf = std::make_unique<std::byte[]>(bytes);
    auto* cpuid = new (buf.get()) abi::cpuid2_header{};
    cpuid->nent = n;
    if (::ioctl(fd_.get(), abi::kGetSupportedCpuid, cpuid) == 0)
      return {abi::cpuid_entries(cpuid), abi::cpuid_entries(cpuid) + cpuid->nent};
    if (errno != E2BIG) throw_errno("KVM_GET_SUPPORTED_CPUID");
  }
  throw kvm_error("KVM_GET_SUPPORTED_CPUID: more than 4096 entries", E2BIG);
}

kvm_vm kvm_system::create_vm() const {
  int fd = checked_ioctl(fd_.get(), KVM_CREATE_VM, 0ul, "KVM_CREATE_VM");
  return kvm_vm(unique_fd(fd), *this);
}

}  // namespace hmx::kvm
