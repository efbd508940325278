// SPDX-License-Identifier: MIT
// PSCI (Arm DEN0022) through the conduit the device tree names, and the runtime's exit path.
#include "internal.h"

namespace hmx_guest::detail {

namespace {
constexpr uint32_t kPsciCpuOn = 0xC4000003;
constexpr uint32_t kPsciSystemOff = 0x84000008;

// Semihosting SYS_EXIT (Arm "Semihosting for AArch32 and AArch64", 6.5.2): on AArch64 X1 points
// at {reason, subcode}; ADP_Stopped_ApplicationExit with the status as subcode.
[[noreturn]] void semihosting_exit(uint32_t status) {
  static uint64_t block[2];
  block[0] = 0x20026;
  block[1] = status;
  register uint64_t x0 asm("x0") = 0x18;
  register uint64_t x1 asm("x1") = reinterpret_cast<uintptr_t>(block);
  asm volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
  for (;;) asm volatile("wfi");
}
}  // namespace

int64_t firmware_call(uint64_t function, uint64_t a1, uint64_t a2, uint64_t a3) {
  // Before the register variables: a call in between would clobber them.
  const bool smc = boot_info().psci_smc;
  register uint64_t x0 asm("x0") = function;
  register uint64_t x1 asm("x1") = a1;
  register uint64_t x2 asm("x2") = a2;
  register uint64_t x3 asm("x3") = a3;
  if (smc)
    asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "x4", "x5", "x6", "x7", "x8", "x9", "x10",
                 "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
  else
    asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "x4", "x5", "x6", "x7", "x8", "x9", "x10",
                 "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
  return static_cast<int64_t>(x0);
}

bool cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context) {
  return firmware_call(kPsciCpuOn, mpidr, entry, context) == 0;
}

[[noreturn]] void power_off(uint32_t status) {
  if (boot_info().semihosting) semihosting_exit(status);
  firmware_call(kPsciSystemOff, status, HMX_A64_EXIT_MAGIC, 0);
  for (;;) asm volatile("wfi");
}

}  // namespace hmx_guest::detail

namespace hmx_guest {

int64_t psci_call(uint32_t function, uint64_t a1, uint64_t a2, uint64_t a3) {
  return detail::firmware_call(function, a1, a2, a3);
}

}  // namespace hmx_guest
