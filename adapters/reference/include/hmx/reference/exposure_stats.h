/* SPDX-License-Identifier: Apache-2.0 */
// One domain's exposure accounting (spec exposures, HMX-XPOSE-035), from Core::exposure_stats.
#pragma once

#include <cstdint>

namespace hmx::ref {

struct ExposureStats {
  uint32_t live = 0;                   // exposures of this domain alive now
  uint64_t exposes = 0;                // successful expose calls it made
  uint64_t bytes_fetched_from = 0;     // bytes peers fetched out of its exposures
  uint64_t bytes_deposited_into = 0;   // bytes peers deposited into its exposures
  uint64_t bytes_fetched = 0;          // bytes it fetched from others' exposures
  uint64_t bytes_deposited = 0;        // bytes it deposited into others' exposures
};

}  // namespace hmx::ref
