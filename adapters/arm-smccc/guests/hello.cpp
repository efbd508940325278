// SPDX-License-Identifier: Apache-2.0
// A domain that exercises the monitor's guest platform: every vCPU checks in, vCPU 0 sends an SGI
// to each other vCPU and waits for the answer, each vCPU takes its own virtual timer interrupt,
// then the domain exits with the status its command line asks for (`status=N`, default 0). With
// `spin` it never ends (for the monitor's time limit).
#include <hmx_guest/cmdline.h>
#include <hmx_guest/runtime.h>

using namespace hmx_guest;

namespace {
constexpr uint8_t kPing = 1, kPong = 2;
uint32_t g_pongs = 0;
uint32_t g_timer_hits[HMX_GUEST_MAX_CPUS];

void on_ping(uint8_t) { send_sgi(0, kPong); }
void on_pong(uint8_t) { atomic_fetch_add(g_pongs, 1u); }
void on_timer(uint8_t) { atomic_fetch_add(g_timer_hits[cpu_index()], 1u); }

bool timer_works() {
  set_vector_handler(static_cast<uint8_t>(boot_info().vtimer_intid), on_timer);
  enable_ppi(boot_info().vtimer_intid);
  timer_arm_us(2000);
  const uint64_t deadline = now_us() + 2000000;
  while (atomic_load(g_timer_hits[cpu_index()]) == 0 && now_us() < deadline) {
    wait_for_interrupt();
    dispatch_pending();
  }
  return atomic_load(g_timer_hits[cpu_index()]) != 0;
}
}  // namespace

void guest_ap_main(unsigned cpu) {
  set_vector_handler(kPing, on_ping);
  printf("vCPU %u up (MPIDR %#llx), timer %s\n", cpu, (unsigned long long)hmx_read_sysreg(mpidr_el1),
         timer_works() ? "ok" : "FAILED");
}

int guest_main(const start_info& info) {
  const char* line = cmdline_text(info);
  printf("hello from %s: %u vCPU(s), RAM [%#llx, %#llx), free [%#llx, %#llx), uart %#llx\n", line, cpu_count(),
         (unsigned long long)info.ram_base, (unsigned long long)info.ram_end, (unsigned long long)info.free_base,
         (unsigned long long)info.free_end, (unsigned long long)info.uart);
  set_vector_handler(kPong, on_pong);
  const bool timer = timer_works();
  printf("vCPU 0 timer %s\n", timer ? "ok" : "FAILED");
  for (unsigned cpu = 1; cpu < cpu_count(); ++cpu) send_sgi(cpu, kPing);
  const uint64_t deadline = now_us() + 2000000;
  while (atomic_load(g_pongs) + 1 < cpu_count() && now_us() < deadline) {
    wait_for_interrupt();
    dispatch_pending();
  }
  printf("SGIs answered: %u of %u\n", atomic_load(g_pongs), cpu_count() - 1);
  if (cmdline_flag(line, "spin"))
    for (;;) cpu_relax();
  if (!timer || atomic_load(g_pongs) + 1 != cpu_count()) return 1;
  return static_cast<int>(cmdline_uint(line, "status", 0));
}
