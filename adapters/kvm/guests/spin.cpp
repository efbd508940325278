// SPDX-License-Identifier: Apache-2.0
// spin: every vCPU spins forever at CPL3; only the monitor's time limit stops it.
#include <hmx_guest/runtime.h>

namespace {
[[noreturn]] void spin() {
  volatile uint64_t counter = 0;
  for (;;) counter = counter + 1;
}
}  // namespace

void guest_ap_main(unsigned cpu) {
  hmx_guest::printf("spin: cpu %u spinning at CPL%u\n", cpu, hmx_guest::current_cpl());
  spin();
}

int guest_main(const hmx_guest::start_info&) {
  hmx_guest::printf("spin: cpu 0 spinning at CPL%u\n", hmx_guest::current_cpl());
  spin();
}
