// SPDX-License-Identifier: Apache-2.0
// Sizes as people write them on a command line (`mem=64M`, `mem=1G`, `mem=16384K`, `mem=128`).
#pragma once

#include <cstdint>
#include <string_view>

namespace hmx::host {

inline constexpr uint64_t kMiB = uint64_t{1} << 20;

// SIZE: decimal digits, then optionally a unit, case-insensitive: B, K, KB, KiB, M, MB, MiB, G,
// ... up to E, every K being 1024 (CLI11's AsSizeValue(false), the units CLI11 options take).
// A number without a unit counts in `bare_unit` bytes (hmx-kvm's mem= takes MiB, like QEMU's -m).
// No sign, space, fraction or base prefix. Throws std::invalid_argument saying what is wrong,
// including a size that does not fit in 64 bits.
uint64_t parse_size(std::string_view text, uint64_t bare_unit = 1);

}  // namespace hmx::host
