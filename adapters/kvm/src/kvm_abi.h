/* SPDX-License-Identifier: Apache-2.0 */
// KVM ABI pieces that <linux/kvm.h> gets wrong for C++.
//
// Debian 12's UAPI headers (linux-libc-dev 6.1) declare kvm_cpuid2::entries with
// __DECLARE_FLEX_ARRAY, which in C++ inserts a 1-byte empty struct: sizeof(kvm_cpuid2) becomes
// 12 instead of 8, the entries move to offset 12, and the ioctl numbers that encode the size
// (KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2) no longer match the kernel's (EINVAL). Later kernels
// fixed the macro for C++; until then we use the C layout explicitly.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>

namespace hmx::kvm::abi {

struct cpuid2_header {  // struct kvm_cpuid2 as C sees it; kvm_cpuid_entry2[nent] follows
  uint32_t nent;
  uint32_t padding;
};
static_assert(sizeof(cpuid2_header) == 8);
static_assert(sizeof(kvm_cpuid_entry2) == 40);

inline constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, cpuid2_header);
inline constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, cpuid2_header);

inline kvm_cpuid_entry2* cpuid_entries(cpuid2_header* h) {
  return reinterpret_cast<kvm_cpuid_entry2*>(reinterpret_cast<std::byte*>(h) + sizeof(cpuid2_header));
}

}  // namespace hmx::kvm::abi
