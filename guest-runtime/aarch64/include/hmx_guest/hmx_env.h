/* SPDX-License-Identifier: MIT */
// hmx_guest::hmx_env: libhmx's Environment for aarch64 images of this runtime
// (libhmx/include/hmx/environment.h; concepts hmx::Environment and hmx::SmcccEnvironment).
//
//   to_gpa       identity: the runtime maps RAM virtual == guest-physical
//   alloc_pages  zeroed pages from a static arena in the image (hmx::page_arena, no heap)
//   smccc        an SMCCC fast call through the conduit the device tree names: HVC #0 (the
//                HMX monitor, Xen, KVM) or SMC #0 (spec section "discovery-arm")
//
// Images run at EL1, so the conduit instruction is issued directly; one environment may serve
// every vCPU (the arena is lock-free); libhmx clients are per vCPU.
#ifndef HMX_GUEST_HMX_ENV_H
#define HMX_GUEST_HMX_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <hmx/arch/aarch64.h>
#include <hmx/environment.h>

#include "hmx_guest/runtime.h"

namespace hmx_guest {

// SMC #0 with the register use of hmx::arch::aarch64::hvc_smccc().
inline void smc_smccc(hmx::smccc_regs& r) noexcept {
  register uint64_t x0 asm("x0") = r.x[0];
  register uint64_t x1 asm("x1") = r.x[1];
  register uint64_t x2 asm("x2") = r.x[2];
  register uint64_t x3 asm("x3") = r.x[3];
  register uint64_t x4 asm("x4") = r.x[4];
  register uint64_t x5 asm("x5") = r.x[5];
  register uint64_t x6 asm("x6") = r.x[6];
  register uint64_t x7 asm("x7") = r.x[7];
  asm volatile("smc #0"
               : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "+r"(x6), "+r"(x7)
               :
               : "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
  r.x[0] = x0; r.x[1] = x1; r.x[2] = x2; r.x[3] = x3;
  r.x[4] = x4; r.x[5] = x5; r.x[6] = x6; r.x[7] = x7;
}

class hmx_env {
 public:
  hmx_env(void* arena, size_t bytes) noexcept : arena_(arena, bytes) {}
  template <size_t N>
  explicit hmx_env(hmx::static_arena<N>& arena) noexcept : arena_(arena.bytes, arena.size()) {}
  hmx_env(const hmx_env&) = delete;
  hmx_env& operator=(const hmx_env&) = delete;

  [[nodiscard]] uint64_t to_gpa(const void* p) const noexcept { return virt_to_phys(p); }
  [[nodiscard]] void* alloc_pages(size_t n) noexcept { return arena_.alloc_pages(n); }
  [[nodiscard]] hmx::page_arena& arena() noexcept { return arena_; }

  void smccc(hmx::smccc_regs& r) noexcept {
    if (boot_info().psci_smc)
      smc_smccc(r);
    else
      hmx::arch::aarch64::hvc_smccc(r);
  }

 private:
  hmx::page_arena arena_;
};

static_assert(hmx::SmcccEnvironment<hmx_env>, "hmx_env must satisfy libhmx's SmcccEnvironment");

}  // namespace hmx_guest

#endif
