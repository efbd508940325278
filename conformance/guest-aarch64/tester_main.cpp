// SPDX-License-Identifier: Apache-2.0
// The aarch64 tester image (hmx-conformance-tester-a64.img): the hypervisor-scope tests,
// reported on the console (PROTOCOL.md); the runtime's exit line carries the status.
#include <hmx_guest/runtime.h>

#include "conformance/suite.h"
#include "guest_platform_a64.h"

void guest_ap_main(unsigned cpu) { conformance::guest::the_a64_platform().ap_loop(cpu); }

int guest_main(const hmx_guest::start_info&) {
  auto& p = conformance::guest::the_a64_platform();
  p.init();
  static conformance::context ctx(p, conformance::context::role::tester);
  conformance::suite_options o;
  o.target = "guest";
  return conformance::run_tester(ctx, o);
}
