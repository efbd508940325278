/* SPDX-License-Identifier: Apache-2.0 */
// The data every virtio-argo block workload writes: a byte pattern that is a pure function of
// (seed, sector), so any range can be checked on its own, by the guest that reads it back and by
// the host that inspects the backing file after the run (tests/hmx). Freestanding. The checksum
// printed beside each run is FNV-1a 64 (hmx/checksum/fnv1a.h, hmx_checksum).
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/checksum/fnv1a.h>

namespace hmx::virtio_argo::workload {

inline constexpr uint32_t kSector = 512;

// Fills one sector (xorshift64 seeded by seed and sector number).
inline void fill_sector(uint8_t* p, uint64_t seed, uint64_t sector) {
  uint64_t x = (seed * 0x9E3779B97F4A7C15ull) ^ (sector * 0xD1B54A32D192ED03ull) ^ 0x5851F42D4C957F2Dull;
  for (uint32_t i = 0; i < kSector; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    __builtin_memcpy(p + i, &x, 8);
  }
}

// [first_sector, first_sector + len / 512) of the pattern into p; len is a multiple of 512.
inline void fill(uint8_t* p, uint32_t len, uint64_t seed, uint64_t first_sector) {
  for (uint32_t off = 0; off < len; off += kSector) fill_sector(p + off, seed, first_sector + off / kSector);
}

// Whether p holds the pattern of [first_sector, first_sector + len / 512).
inline bool matches(const uint8_t* p, uint32_t len, uint64_t seed, uint64_t first_sector) {
  uint8_t want[kSector];
  for (uint32_t off = 0; off < len; off += kSector) {
    fill_sector(want, seed, first_sector + off / kSector);
    if (__builtin_memcmp(want, p + off, kSector) != 0) return false;
  }
  return true;
}

}  // namespace hmx::virtio_argo::workload
