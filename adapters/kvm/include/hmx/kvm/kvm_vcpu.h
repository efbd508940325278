/* SPDX-License-Identifier: Apache-2.0 */
// A vCPU fd and its mmap'd struct kvm_run (Documentation/virt/kvm/api.rst 4.10 KVM_RUN, 5
// "The kvm_run structure").
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "hmx/kvm/unique_fd.h"

namespace hmx::kvm {

class kvm_vcpu {
 public:
  kvm_vcpu(unique_fd fd, std::size_t mmap_size, unsigned id);
  kvm_vcpu(kvm_vcpu&& o) noexcept;
  kvm_vcpu& operator=(kvm_vcpu&&) = delete;
  kvm_vcpu(const kvm_vcpu&) = delete;
  ~kvm_vcpu();

  unsigned id() const { return id_; }
  kvm_run& run_state() { return *run_; }

  // KVM_RUN. Returns false when the run was interrupted (EINTR: a signal or immediate_exit),
  // true when run_state().exit_reason tells why the vCPU exited. Throws on other errors.
  bool run();
  // api.rst 5 "immediate_exit": set from another thread before kicking this vCPU's thread with
  // a signal, so a KVM_RUN about to start returns at once instead of missing the kick.
  void set_immediate_exit(bool on);

  kvm_regs get_regs() const;
  void set_regs(const kvm_regs& regs);
  kvm_sregs get_sregs() const;
  void set_sregs(const kvm_sregs& sregs);
  void set_cpuid(const std::vector<kvm_cpuid_entry2>& entries);  // KVM_SET_CPUID2
  // KVM_TRANSLATE: guest linear address -> guest-physical, through the vCPU's current paging.
  std::optional<uint64_t> translate(uint64_t linear) const;

 private:
  unique_fd fd_;
  std::size_t mmap_size_;
  unsigned id_;
  kvm_run* run_;
};

}  // namespace hmx::kvm
