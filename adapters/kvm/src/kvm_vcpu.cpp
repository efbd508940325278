// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/kvm_vcpu.h"

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <memory>
#include <utility>

#include "hmx/kvm/error.h"
#include "kvm_abi.h"

namespace hmx::kvm {

kvm_vcpu::kvm_vcpu(unique_fd fd, std::size_t mmap_size, unsigned id)
    : fd_(std::move(fd)), mmap_size_(mmap_size), id_(id) {
  void* p = ::mmap(nullptr, mmap_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) throw_errno("mmap of the vCPU's kvm_run");
  run_ = static_cast<kvm_run*>(p);
}

kvm_vcpu::kvm_vcpu(kvm_vcpu&& o) noexcept
    : fd_(std::move(o.fd_)), mmap_size_(o.mmap_size_), id_(o.id_), run_(std::exchange(o.run_, nullptr)) {}

kvm_vcpu::~kvm_vcpu() {
  if (run_ != nullptr) ::munmap(run_, mmap_size_);
}

bool kvm_vcpu::run() {
  if (::ioctl(fd_.get(), KVM_RUN, 0) == 0) return true;
  if (errno == EINTR || errno == EAGAIN) return false;
  throw_errno("KVM_RUN");
}

void kvm_vcpu::set_immediate_exit(bool on) {
  __atomic_store_n(&run_->immediate_exit, uint8_t(on ? 1 : 0), __ATOMIC_SEQ_CST);
}

kvm_regs kvm_vcpu::get_regs() const {
  kvm_regs regs{};
  checked_ioctl(fd_.get(), KVM_GET_REGS, &regs, "KVM_GET_REGS");
  return regs;
}

void kvm_vcpu::set_regs(const kvm_regs& regs) {
  checked_ioctl(fd_.get(), KVM_SET_REGS, const_cast<kvm_regs*>(&regs), "KVM_SET_REGS");
}

kvm_sregs kvm_vcpu::get_sregs() const {
  kvm_sregs sregs{};
  checked_ioctl(fd_.get(), KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
  return sregs;
}

void kvm_vcpu::set_sregs(const kvm_sregs& sregs) {
  checked_ioctl(fd_.get(), KVM_SET_SREGS, const_cast<kvm_sregs*>(&sregs), "KVM_SET_SREGS");
}

void kvm_vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  std::size_t bytes = sizeof(abi::cpuid2_header) + entries.size() * sizeof(kvm_cpuid_entry2);
  auto buf = std::make_unique<std::byte[]>(bytes);
  auto* cpuid = new (buf.get()) abi::cpuid2_header{};
  cpuid->nent = static_cast<uint32_t>(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) abi::cpuid_entries(cpuid)[i] = entries[i];
  checked_ioctl(fd_.get(), abi::kSetCpuid2, cpuid, "KVM_SET_CPUID2");
}

std::optional<uint64_t> kvm_vcpu::translate(uint64_t linear) const {
  kvm_translation t{};
  t.linear_address = linear;
  if (::ioctl(fd_.get(), KVM_TRANSLATE, &t) < 0 || !t.valid) return std::nullopt;
  return t.physical_address;
}

}  // namespace hmx::kvm
