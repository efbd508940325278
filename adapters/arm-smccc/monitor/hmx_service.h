/* SPDX-License-Identifier: Apache-2.0 */
// The HMX service of the monitor: the reference core (adapters/reference, built freestanding)
// behind the SMCCC functions of spec section "mech-arm-smccc", with each domain's RAM as its guest
// memory and the GIC list registers as its notifier (HMX vectors are PPIs 16..31 on Arm).
#pragma once

#include <stdint.h>

#include "monitor.h"

namespace hmx::arm {

// Boot: the core's memory (an arena in the monitor's reservation), the policy table (a file
// written by hmx-policy-table, read through semihosting; none: default deny), the core and one
// core domain per monitor domain. False, with a message printed, on a setup error.
bool hmx_service_init(const char* policy_path);
// HMX's SMCCC functions (owner 6, numbers 0x4800-0x48FF): true when `fid` is one of them, with
// X0..X3 set.
bool hmx_smccc(vcpu& v, guest_frame& f, uint32_t fid);
// A domain ended: the core forgets it (its rings, the rings naming it, its space waits).
void hmx_domain_stopped(domain& d);
// The core's counters, printed at the end with --stats.
void hmx_print_stats();

}  // namespace hmx::arm
