// SPDX-License-Identifier: Apache-2.0
// The raw cost of a trap to the EL2 monitor and back: `calls=N` (default 200000) HVC #0 of
// SMCCC_VERSION, which the monitor answers without touching guest memory. Prints the mean round
// trip in counter ticks and nanoseconds ("hvc round_trip_ns=..."), the baseline of R_exit on Arm.
#include <hmx_guest/cmdline.h>
#include <hmx_guest/runtime.h>

using namespace hmx_guest;

namespace {
uint64_t smccc_version() {
  register uint64_t x0 asm("x0") = 0x80000000;
  asm volatile("hvc #0" : "+r"(x0)::"x1", "x2", "x3", "memory");
  return x0;
}
}  // namespace

int guest_main(const start_info& info) {
  const uint32_t calls = cmdline_uint(cmdline_text(info), "calls", 200000);
  if (calls == 0 || smccc_version() >> 31) return 1;
  const uint64_t t0 = counter();
  for (uint32_t i = 0; i < calls; ++i) smccc_version();
  const uint64_t ticks = counter() - t0;
  const uint64_t hz = counter_hz();
  const uint64_t ns = ticks * 1000000000 / hz / calls;
  printf("hvc round_trip_ns=%llu calls=%u ticks=%llu counter_hz=%llu\n", (unsigned long long)ns, calls,
         (unsigned long long)ticks, (unsigned long long)hz);
  return 0;
}
