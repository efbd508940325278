// SPDX-License-Identifier: MIT
// CPL3 side of interrupt handling: take the pending bitmap that the CPL0 stub fills, run the
// handlers this vCPU registered, and halt through the gate.
#include "percpu.h"

namespace hmx_guest {

void set_vector_handler(uint8_t vector, vector_handler handler) {
  atomic_store(detail::this_cpu().handlers[vector], handler);
}

vector_set take_pending() {
  // The per-CPU page is user-accessible, so a native atomic exchange does what the gate's
  // TAKE_PENDING does without 14 emulated CPL0 instructions.
  auto& pc = detail::this_cpu();
  vector_set s;
  for (unsigned i = 0; i < 4; ++i) s.words[i] = atomic_exchange(pc.pending[i], uint64_t{0});
  return s;
}

unsigned dispatch_pending() {
  vector_set s = take_pending();
  auto& pc = detail::this_cpu();
  unsigned n = 0;
  for (unsigned w = 0; w < 4; ++w) {
    for (uint64_t bits = s.words[w]; bits != 0; bits &= bits - 1) {
      unsigned vector = w * 64 + unsigned(__builtin_ctzll(bits));
      if (vector_handler h = atomic_load(pc.handlers[vector])) h(uint8_t(vector));
      ++n;
    }
  }
  return n;
}

void wait_for_interrupt() {
  asm volatile("call hmx_guest_gate_call" ::"D"(uint64_t{HMX_GUEST_GATE_HALT}) : "rax", "rdx", "memory");
}

}  // namespace hmx_guest
