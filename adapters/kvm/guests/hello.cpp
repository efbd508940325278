// SPDX-License-Identifier: Apache-2.0
// hello: every vCPU prints from CPL3, then proves that an interrupt reaches a handler that CPL3
// code registered: the BSP sends itself a self-IPI and each AP a fixed IPI; each vCPU waits for
// its handler to run, and the BSP exits 0 once all have seen the vector.
#include <hmx_guest/runtime.h>

namespace {

constexpr uint8_t kVector = 0x40;
uint32_t g_seen[HMX_GUEST_MAX_CPUS];
uint32_t g_ready;
uint32_t g_done;

void on_vector(uint8_t vector) {
  if (vector == kVector) hmx_guest::atomic_store(g_seen[hmx_guest::cpu_index()], 1u);
}

void wait_seen() {
  unsigned cpu = hmx_guest::cpu_index();
  while (hmx_guest::atomic_load(g_seen[cpu]) == 0) {
    hmx_guest::wait_for_interrupt();
    hmx_guest::dispatch_pending();
  }
  hmx_guest::printf("hello: cpu %u: vector %#x reached its CPL3 handler\n", cpu, unsigned{kVector});
}

}  // namespace

void guest_ap_main(unsigned cpu) {
  hmx_guest::set_vector_handler(kVector, on_vector);
  hmx_guest::printf("hello from cpu %u (apic id %u) at CPL%u\n", cpu, hmx_guest::lapic_id(),
                    hmx_guest::current_cpl());
  hmx_guest::atomic_fetch_add(g_ready, 1u);
  wait_seen();
  hmx_guest::atomic_fetch_add(g_done, 1u);
}

int guest_main(const hmx_guest::start_info& info) {
  using namespace hmx_guest;
  set_vector_handler(kVector, on_vector);
  printf("hello from cpu %u (apic id %u) at CPL%u: %u vCPUs, start_info v%u, %u memmap entries\n", cpu_index(),
         lapic_id(), current_cpl(), cpu_count(), info.version, info.memmap_entries);
  if (current_cpl() != 3) return 10;

  // The gate's TAKE_PENDING path: nothing is pending yet.
  for (unsigned w = 0; w < 4; ++w)
    if (privileged_take_pending(w) != 0) return 11;

  unsigned aps = cpu_count() - 1;
  while (atomic_load(g_ready) != aps) cpu_relax();
  send_self_ipi(kVector);
  for (unsigned cpu = 1; cpu < cpu_count(); ++cpu) send_ipi(apic_id(cpu), kVector);
  wait_seen();
  while (atomic_load(g_done) != aps) cpu_relax();
  printf("hello: all %u vCPUs took vector %#x at CPL3\n", cpu_count(), unsigned{kVector});
  return 0;
}
