/* SPDX-License-Identifier: Apache-2.0 */
// Host-side baselines measured in the same process as the VM runs:
//   memcpy      single-thread memcpy of S bytes into a 4 MiB destination walked like a ring
//               (docs/ARCHITECTURE.md R_copy's denominator: the same sizes the guests send)
//   in_process  the reference core alone, called through libhmx's loopback conduit without any
//               VM exit: what the HMX service itself costs per null call and per sendv
#pragma once

#include <vector>

#include "figures.h"

namespace hmx::kvm::bench {

std::vector<host_figure> measure_memcpy(const std::vector<uint64_t>& sizes, double seconds_each);
std::vector<host_figure> measure_in_process(const std::vector<uint64_t>& sizes, double seconds_each);

}  // namespace hmx::kvm::bench
