// SPDX-License-Identifier: MIT
// The EL1 virtual timer (Arm ARM D11 "The Generic Timer in AArch64 state"): CNTVCT_EL0 for time,
// CNTV_CVAL_EL0 / CNTV_CTL_EL0 for a one-shot interrupt (the IRQ handler disables it again).
#include "internal.h"

namespace hmx_guest {

uint64_t counter() {
  isb();
  return hmx_read_sysreg(cntvct_el0);
}

uint64_t counter_hz() { return hmx_read_sysreg(cntfrq_el0); }

uint64_t now_us() {
  const uint64_t hz = counter_hz();
  if (hz == 0) return 0;
  const uint64_t c = counter();
  return c / hz * 1000000 + c % hz * 1000000 / hz;
}

void timer_arm_us(uint64_t us) {
  const uint64_t ticks = us * counter_hz() / 1000000;
  hmx_write_sysreg(cntv_cval_el0, counter() + ticks);
  hmx_write_sysreg(cntv_ctl_el0, 1);  // ENABLE, IMASK clear
  isb();
}

void timer_cancel() {
  hmx_write_sysreg(cntv_ctl_el0, 0);
  isb();
}

}  // namespace hmx_guest
