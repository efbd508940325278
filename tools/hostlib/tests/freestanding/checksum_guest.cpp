// SPDX-License-Identifier: Apache-2.0
// The checksum as a guest image uses it, for the freestanding check: computed at compile time
// (the published FNV values) and at run time over data the compiler cannot see through.
#include <hmx/checksum/fnv1a.h>

static_assert(hmx::checksum::fnv1a64("", 0) == 0xcbf29ce484222325ull);
static_assert(hmx::checksum::fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
static_assert(hmx::checksum::fnv1a32("foobar", 6) == 0xbf9cf968u);

namespace {
volatile unsigned char g_data[64];
volatile uint64_t g_sink;
}  // namespace

extern "C" [[noreturn]] void hmx_checksum_entry() {
  unsigned char copy[sizeof g_data];
  for (size_t i = 0; i < sizeof copy; ++i) copy[i] = g_data[i];
  g_sink = hmx::checksum::fnv1a64(copy, sizeof copy) ^ hmx::checksum::fnv1a32(copy, sizeof copy);
  for (;;) {
  }
}
