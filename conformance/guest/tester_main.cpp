// SPDX-License-Identifier: Apache-2.0
// The tester image (hmx-conformance-tester.elf): runs the hypervisor-scope tests and reports
// over the serial console (PROTOCOL.md); its exit status goes to port 0xf4 (0 pass, 1 fail,
// 77 nothing applicable, as kvm-unit-tests).
#include <hmx_guest/runtime.h>

#include "conformance/suite.h"
#include "guest_platform.h"

void guest_ap_main(unsigned cpu) { conformance::guest::the_platform().ap_loop(cpu); }

int guest_main(const hmx_guest::start_info&) {
  auto& p = conformance::guest::the_platform();
  p.init();
  static conformance::context ctx(p, conformance::context::role::tester);
  conformance::suite_options o;
  o.target = "guest";
  return conformance::run_tester(ctx, o);
}
