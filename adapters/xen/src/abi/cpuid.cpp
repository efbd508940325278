// SPDX-License-Identifier: Apache-2.0
// The Xen CPUID block (public/arch-x86/cpuid.h) as Xen 4.17 presents it to an HVM/PVH guest
// (xen/arch/x86/traps.c cpuid_hypervisor_leaves).
#include "hmx/xen/guest_abi.h"
#include "xen_public.h"

namespace hmx::xen {

namespace {
constexpr uint32_t kXenMajor = 4, kXenMinor = 17;
}  // namespace

std::vector<cpuid_values> cpuid_leaves(uint16_t domain_id, uint32_t vcpu, uint32_t hypercall_msr) {
  const uint32_t base = XEN_CPUID_FIRST_LEAF;
  std::vector<cpuid_values> out;
  // Leaf 1: the largest leaf and "XenVMMXenVMM".
  out.push_back({base, base + XEN_CPUID_MAX_NUM_LEAVES, XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX,
                 XEN_CPUID_SIGNATURE_EDX});
  // Leaf 2: EAX major << 16 | minor.
  out.push_back({base + 1, kXenMajor << 16 | kXenMinor, 0, 0, 0});
  // Leaf 3: one hypercall page, installed by writing its address to MSR EBX.
  out.push_back({base + 2, 1, hypercall_msr, 0, 0});
  // Leaf 4: no PV features for an HVM guest.
  out.push_back({base + 3, 0, 0, 0, 0});
  // Leaf 5: the vCPU id and the domain id, each flagged present; the per-vCPU upcall vector.
  out.push_back({base + 4,
                 XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT | XEN_HVM_CPUID_UPCALL_VECTOR, vcpu,
                 domain_id, 0});
  // Leaf 6: no PV-specific information for an HVM guest (machine address width 0).
  out.push_back({base + 5, 0, 0, 0, 0});
  return out;
}

bool write_hypercall_page(std::span<std::byte> page, uint8_t port) {
  if (page.size() < kHypercallStubs * kHypercallStubSize) return false;
  for (std::byte& b : page) b = std::byte{0xcc};  // int3
  for (uint32_t nr = 0; nr < kHypercallStubs; ++nr) {
    std::byte* stub = page.data() + nr * kHypercallStubSize;
    const uint8_t code[] = {0xb8,  // mov $nr, %eax
                            uint8_t(nr), uint8_t(nr >> 8), uint8_t(nr >> 16), uint8_t(nr >> 24),
                            0xe7, port,  // out %eax, $port
                            0xc3};       // ret
    for (std::size_t i = 0; i < sizeof code; ++i) stub[i] = std::byte{code[i]};
  }
  return true;
}

}  // namespace hmx::xen
