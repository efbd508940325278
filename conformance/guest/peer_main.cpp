// SPDX-License-Identifier: Apache-2.0
// The peer image (hmx-conformance-peer.elf): the agent of peer_protocol.h. It runs as the peer
// domain and as the denied domain (policy.textproto tells them apart).
#include <hmx_guest/runtime.h>

#include "conformance/suite.h"
#include "guest_platform.h"

void guest_ap_main(unsigned cpu) { conformance::guest::the_platform().ap_loop(cpu); }

int guest_main(const hmx_guest::start_info&) {
  auto& p = conformance::guest::the_platform();
  p.init();
  static conformance::context ctx(p, conformance::context::role::peer);
  return conformance::run_peer_agent(ctx);
}
