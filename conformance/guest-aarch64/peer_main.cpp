// SPDX-License-Identifier: Apache-2.0
// The aarch64 peer image (hmx-conformance-peer-a64.img): the agent of peer_protocol.h.
#include <hmx_guest/runtime.h>

#include "conformance/suite.h"
#include "guest_platform_a64.h"

void guest_ap_main(unsigned cpu) { conformance::guest::the_a64_platform().ap_loop(cpu); }

int guest_main(const hmx_guest::start_info&) {
  auto& p = conformance::guest::the_a64_platform();
  p.init();
  static conformance::context ctx(p, conformance::context::role::peer);
  return conformance::run_peer_agent(ctx);
}
