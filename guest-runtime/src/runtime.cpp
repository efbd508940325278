// SPDX-License-Identifier: MIT
// CPL3 start of every vCPU: constructors, start_info, AP bring-up, then the image's entry points.
#include "percpu.h"

#include <hmx_freestanding/fatal.h>

extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

namespace hmx_guest {

namespace {

const start_info* g_start_info;
unsigned g_cpu_count = 1;
unsigned g_cpus_online = 1;  // the BSP

// "cpus=N" in the PVH command line (hmx-kvm always passes it; under QEMU use -append cpus=N).
unsigned cmdline_cpus(const start_info& si) {
  if (si.cmdline_paddr == 0) return 1;
  const char* s = phys_to_virt<const char>(si.cmdline_paddr);
  for (; *s != '\0'; ++s) {
    if ((s == phys_to_virt<const char>(si.cmdline_paddr) || s[-1] == ' ') && memcmp(s, "cpus=", 5) == 0) {
      unsigned n = 0;
      for (s += 5; *s >= '0' && *s <= '9'; ++s) n = n * 10 + unsigned(*s - '0');
      return n == 0 ? 1 : n;
    }
  }
  return 1;
}

[[noreturn]] void bsp_main(uint32_t start_info_pa) {
  for (auto fn = __init_array_start; fn != __init_array_end; ++fn) (*fn)();
  detail::lapic_enable();
  g_start_info = phys_to_virt<const start_info>(start_info_pa);
  if (start_info_pa == 0 || g_start_info->magic != HMX_PVH_START_MAGIC)
    panic("bad PVH start_info at %#x", start_info_pa);
  unsigned want = cmdline_cpus(*g_start_info);
  if (want > HMX_GUEST_MAX_CPUS) {
    printf("hmx-guest: %u vCPUs requested, the runtime supports %u\n", want, unsigned{HMX_GUEST_MAX_CPUS});
    want = HMX_GUEST_MAX_CPUS;
  }
  detail::start_aps(want);
  g_cpu_count = want;
  exit(uint32_t(guest_main(*g_start_info)));
}

[[noreturn]] void ap_main(unsigned cpu) {
  detail::lapic_enable();
  atomic_fetch_add(g_cpus_online, 1u);
  guest_ap_main(cpu);
  for (;;) {
    wait_for_interrupt();
    dispatch_pending();
  }
}

}  // namespace

namespace detail {
unsigned cpus_online() { return atomic_load(g_cpus_online); }
}  // namespace detail

unsigned cpu_index() { return detail::this_cpu().index; }
unsigned cpu_count() { return g_cpu_count; }
uint32_t apic_id(unsigned cpu) { return cpu < HMX_GUEST_MAX_CPUS ? detail::cpu_data(cpu).apic_id : ~0u; }
const start_info& boot_info() { return *g_start_info; }

void exit(uint32_t status) {
  // Allowed at CPL3 by the TSS I/O bitmap. If no device listens, try the gate, then idle.
  outl(HMX_GUEST_PORT_EXIT, status);
  asm volatile("call hmx_guest_gate_call" ::"D"(uint64_t{HMX_GUEST_GATE_EXIT}), "S"(uint64_t{status}) : "memory");
  for (;;) cpu_relax();
}

void panic(const char* format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  printf("hmx-guest: PANIC on cpu %u: %s\n", cpu_index(), buf);
  exit(HMX_GUEST_EXIT_PANIC);
}

}  // namespace hmx_guest

// The shared freestanding support code stops through here (hmx_freestanding/fatal.h).
extern "C" void hmx_freestanding_fatal(const char* what) { hmx_guest::panic("%s", what); }

__attribute__((weak)) void guest_ap_main(unsigned) {}

// Entered by iretq from long_mode.S on this vCPU's CPL3 stack.
extern "C" [[noreturn]] void hmx_guest_cpl3_entry(unsigned cpu, uint32_t start_info_pa) {
  if (cpu == 0) hmx_guest::bsp_main(start_info_pa);
  hmx_guest::ap_main(cpu);
}
