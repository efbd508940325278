// SPDX-License-Identifier: Apache-2.0
// hooks: exercises the monitor hooks the HMX service uses (see hooks_protocol.h): a CPUID leaf
// added by the monitor, MSR accesses that exit to a monitor callback (through the runtime's
// privileged gate), guest memory read and written by GPA, #GP for a refused MSR, and interrupts
// injected into each vCPU. Exits 0 when all checks pass, else the number of the failed check.
#include <hmx_guest/runtime.h>

#include "hooks_protocol.h"

namespace {

using namespace hmx_guest;
uint32_t g_seen[HMX_GUEST_MAX_CPUS];
char g_buffer[64] = "ping";

void on_vector(uint8_t) { atomic_store(g_seen[cpu_index()], 1u); }

void wait_seen(unsigned cpu) {
  while (atomic_load(g_seen[cpu]) == 0) {
    if (cpu == cpu_index()) {
      wait_for_interrupt();
      dispatch_pending();
    } else {
      cpu_relax();
    }
  }
}

}  // namespace

void guest_ap_main(unsigned) {
  set_vector_handler(hooks_test::kVectorAp, on_vector);
  if ((privileged_cpuid(1).ebx >> 24) != lapic_id()) panic("CPUID.1:EBX[31:24] is not this vCPU's APIC ID");
  wait_seen(cpu_index());
  printf("hooks: cpu %u took injected vector %#x at CPL3\n", cpu_index(), unsigned{hooks_test::kVectorAp});
}

int guest_main(const start_info&) {
  // CPUID at CPL0 (privileged_cpuid): on this project's nested KVM a CPL3 CPUID never reaches the
  // VMM's table (runtime.h).
  cpuid_result basic = privileged_cpuid(1);
  if ((basic.ecx & (1u << 31)) == 0 || (basic.ebx >> 24) != lapic_id()) return 1;
  cpuid_result leaf = privileged_cpuid(hooks_test::kLeaf);
  if (leaf.eax != hooks_test::kLeafEax || leaf.ebx != hooks_test::kLeafEbx || leaf.ecx != hooks_test::kLeafEcx ||
      leaf.edx != hooks_test::kLeafEdx) {
    printf("hooks: CPUID %#x = %#x %#x %#x %#x\n", hooks_test::kLeaf, leaf.eax, leaf.ebx, leaf.ecx, leaf.edx);
    return 2;
  }

  set_vector_handler(hooks_test::kVectorBsp, on_vector);
  if (!privileged_wrmsr(hooks_test::kMsrPing, virt_to_phys(g_buffer))) return 3;
  if (memcmp(g_buffer, "pong", 5) != 0) return 4;
  wait_seen(0);
  printf("hooks: cpu 0 took injected vector %#x at CPL3\n", unsigned{hooks_test::kVectorBsp});

  uint64_t value = 0;
  if (!privileged_rdmsr(hooks_test::kMsrValue, &value) || value != hooks_test::kValue) return 5;
  if (privileged_wrmsr(hooks_test::kMsrRefuse, 1)) return 6;
  if (privileged_rdmsr(hooks_test::kMsrRefuse, &value)) return 7;

  if (cpu_count() > 1) {
    if (!privileged_wrmsr(hooks_test::kMsrKickAp, 1)) return 8;
    wait_seen(1);
  }

  uint64_t start = rdtsc();
  for (unsigned i = 0; i < hooks_test::kNullCalls; ++i)
    if (!privileged_wrmsr(hooks_test::kMsrNull, i)) return 9;
  uint64_t cycles = rdtsc() - start;
  printf("hooks: %u gate+WRMSR round trips, %lu TSC cycles each\n", hooks_test::kNullCalls,
         (unsigned long)(cycles / hooks_test::kNullCalls));
  // The same gate without an exit: an unknown function number takes the gate's -ENOSYS path
  // (18 CPL0 instructions, vectors.S).
  start = rdtsc();
  for (unsigned i = 0; i < hooks_test::kNullCalls; ++i) {
    int64_t r;
    asm volatile("call hmx_guest_gate_call" : "=a"(r) : "D"(uint64_t{99}) : "memory");
    if (r != -38) return 10;
  }
  printf("hooks: %u gate round trips without an exit (-ENOSYS path), %lu TSC cycles each\n",
         hooks_test::kNullCalls, (unsigned long)((rdtsc() - start) / hooks_test::kNullCalls));
  printf("hooks: all checks passed\n");
  return 0;
}
