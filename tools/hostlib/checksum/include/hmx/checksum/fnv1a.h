/* SPDX-License-Identifier: MIT */
// FNV-1a, the checksum the guests print beside the data they moved and the host recomputes over
// the same bytes (a backing file, a ring's payload). One definition for both sides: freestanding
// (the compiler's <stdint.h> and <stddef.h> only, no heap, no exceptions), so guest images
// compile it in, hence MIT like every header a guest includes (LICENSE, "Guest side").
// The primes and offset bases are FNV's (Fowler, Noll, Vo, "The FNV Non-Cryptographic Hash
// Algorithm", IETF draft-eastlake-fnv).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace hmx::checksum {

inline constexpr uint64_t kFnv1a64Offset = 0xcbf29ce484222325ull;
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ull;
inline constexpr uint32_t kFnv1a32Offset = 2166136261u;
inline constexpr uint32_t kFnv1a32Prime = 16777619u;

// FNV-1a 64 over n bytes; pass the previous result as h to continue over a second piece.
template <class Byte>
constexpr uint64_t fnv1a64(const Byte* p, size_t n, uint64_t h = kFnv1a64Offset) {
  static_assert(sizeof(Byte) == 1, "fnv1a64 reads bytes");
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<uint8_t>(p[i])) * kFnv1a64Prime;
  return h;
}

// FNV-1a 32, the same over 32 bits.
template <class Byte>
constexpr uint32_t fnv1a32(const Byte* p, size_t n, uint32_t h = kFnv1a32Offset) {
  static_assert(sizeof(Byte) == 1, "fnv1a32 reads bytes");
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<uint8_t>(p[i])) * kFnv1a32Prime;
  return h;
}

}  // namespace hmx::checksum
