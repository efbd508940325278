/* SPDX-License-Identifier: MIT */
// Environment for guest code running in kernel mode (x86 CPL0 / Arm EL1) on an identity map:
// a virtual address is its guest-physical address, and privileged instructions execute inline.
// Bare-metal style guest images and the conformance images' CPL0 parts use it; code that runs at
// CPL3 needs an environment that reaches these instructions through the guest runtime's gate.
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/environment.h>

#if defined(__x86_64__)
#include <hmx/arch/x86.h>
#elif defined(__aarch64__)
#include <hmx/arch/aarch64.h>
#endif

namespace hmx::env {

class identity_cpl0 {
 public:
  // Pages come from [arena, arena + bytes) (a static array in the guest image).
  identity_cpl0(void* arena, size_t bytes) noexcept : arena_(arena, bytes) {}
  template <size_t N>
  explicit identity_cpl0(static_arena<N>& arena) noexcept : arena_(arena.bytes, arena.size()) {}

  [[nodiscard]] uint64_t to_gpa(const void* p) const noexcept {
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
  }
  [[nodiscard]] void* alloc_pages(size_t n) noexcept { return arena_.alloc_pages(n); }
  [[nodiscard]] page_arena& arena() noexcept { return arena_; }

#if defined(__x86_64__)
  [[nodiscard]] cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf) noexcept {
    return arch::x86::cpuid(leaf, subleaf);
  }
  [[nodiscard]] uint64_t rdmsr(uint32_t index) noexcept { return arch::x86::rdmsr(index); }
  void wrmsr(uint32_t index, uint64_t value) noexcept { arch::x86::wrmsr(index, value); }
  [[nodiscard]] cpu_vendor vendor() noexcept { return decode_vendor(cpuid(0, 0)); }
  [[nodiscard]] int64_t vmcall(uint64_t nr, uint64_t rdi) noexcept {
    return arch::x86::vmcall(nr, rdi);
  }
  [[nodiscard]] int64_t vmmcall(uint64_t nr, uint64_t rdi) noexcept {
    return arch::x86::vmmcall(nr, rdi);
  }
  [[nodiscard]] int64_t xen_hypercall(const void* entry, uint64_t cmd, uint64_t a1, uint64_t a2,
                                      uint64_t a3, uint64_t a4) noexcept {
    return arch::x86::xen_hypercall_page(entry, cmd, a1, a2, a3, a4);
  }
#elif defined(__aarch64__)
  void smccc(smccc_regs& r) noexcept { arch::aarch64::hvc_smccc(r); }
  // Arm Xen guests trap with HVC #0xEA1; there is no hypercall page, `entry` is ignored.
  [[nodiscard]] int64_t xen_hypercall(const void*, uint64_t cmd, uint64_t a1, uint64_t a2,
                                      uint64_t a3, uint64_t a4) noexcept {
    return arch::aarch64::xen_hvc(HMX_XEN_HYPERCALL_ARGO_OP, cmd, a1, a2, a3, a4);
  }
#endif

 private:
  page_arena arena_;
};

}  // namespace hmx::env
