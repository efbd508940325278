// SPDX-License-Identifier: MIT
// Start of every vCPU once the MMU is on: constructors, boot facts, vCPU bring-up (PSCI
// CPU_ON), then the image's entry points; exit and panic.
#include "hmx_guest/cmdline.h"
#include "internal.h"

#include <hmx_freestanding/fatal.h>

extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

namespace hmx_guest {

constexpr uint64_t kGuessedRam = uint64_t{32} << 20;

namespace {

start_info g_info;
detail::percpu g_cpus[HMX_GUEST_MAX_CPUS];
unsigned g_cpu_count = 1;
unsigned g_cpus_online = 1;  // vCPU 0
constexpr uint64_t kPage = 4096;
constexpr uint64_t kApTimeoutUs = 5000000;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

uint32_t be32(const void* p) {
  const auto* b = static_cast<const uint8_t*>(p);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}

// RAM around the image, then the largest free piece of it that the device tree does not use.
void find_free_ram(start_info& info) {
  const uint64_t image = reinterpret_cast<uintptr_t>(__image_start);
  const uint64_t image_end = align_up(reinterpret_cast<uintptr_t>(__image_end), kPage);
  for (unsigned b = 0; b < detail::g_ram_bank_count; ++b) {
    const auto& bank = detail::g_ram_banks[b];
    if (image >= bank.base && image - bank.base < bank.size) {
      info.ram_base = bank.base;
      info.ram_end = bank.base + bank.size;
    }
  }
  info.free_base = image_end;
  info.free_end = info.ram_end > image_end ? info.ram_end & ~(kPage - 1) : image_end;
  if (info.dtb != 0) {
    const uint64_t dtb = info.dtb & ~(kPage - 1);
    const uint64_t dtb_end = align_up(info.dtb + be32(phys_to_virt<uint8_t>(info.dtb + 4)), kPage);
    if (dtb < info.free_end && dtb_end > info.free_base) {
      if (dtb - info.free_base >= info.free_end - dtb_end || dtb_end >= info.free_end) {
        info.free_end = dtb > info.free_base ? dtb : info.free_base;
      } else {
        info.free_base = dtb_end;
      }
    }
  }
}

void start_secondaries() {
  const uint64_t entry = reinterpret_cast<uintptr_t>(&hmx_a64_secondary_entry);
  unsigned started = 1;
  for (unsigned i = 1; i < g_info.cpus; ++i) {
    if (!detail::cpu_on(g_info.mpidr[i], entry, i)) {
      printf("hmx-guest: PSCI CPU_ON of vCPU %u (MPIDR %#llx) failed\n", i,
             static_cast<unsigned long long>(g_info.mpidr[i]));
      break;
    }
    ++started;
  }
  const uint64_t deadline = now_us() + kApTimeoutUs;
  while (atomic_load(g_cpus_online) < started) {
    if (now_us() > deadline) panic("only %u of %u vCPUs came up", atomic_load(g_cpus_online), started);
    cpu_relax();
  }
  g_cpu_count = started;
}

[[noreturn]] void boot_cpu_main() {
  for (auto fn = __init_array_start; fn != __init_array_end; ++fn) (*fn)();
  const char* line = g_info.cmdline;
  g_info.uart = cmdline_u64(line, "uart", g_info.uart);
  g_info.semihosting = cmdline_flag(line, "semihosting");
  detail::console_init(g_info.uart);
  if (g_info.dtb == 0) print("hmx-guest: no device tree: one vCPU, RAM guessed\n");
  const uint32_t want = cmdline_uint(line, "cpus", g_info.cpus);
  if (want >= 1 && want < g_info.cpus) g_info.cpus = want;
  find_free_ram(g_info);
  detail::gic_init_distributor(g_info);
  detail::gic_init_this_cpu(g_cpus[0], g_info);
  unmask_irqs();
  start_secondaries();
  exit(static_cast<uint32_t>(guest_main(g_info)));
}

[[noreturn]] void secondary_main(unsigned cpu) {
  detail::gic_init_this_cpu(g_cpus[cpu], g_info);
  atomic_fetch_add(g_cpus_online, 1u);
  unmask_irqs();
  guest_ap_main(cpu);
  for (;;) {
    wait_for_interrupt();
    dispatch_pending();
  }
}

}  // namespace

namespace detail {
percpu& this_cpu() { return *reinterpret_cast<percpu*>(hmx_read_sysreg(tpidr_el1)); }
percpu& cpu(unsigned index) { return g_cpus[index]; }
start_info& mutable_boot_info() { return g_info; }
}  // namespace detail

unsigned cpu_index() { return detail::this_cpu().index; }
unsigned cpu_count() { return g_cpu_count; }
const start_info& boot_info() { return g_info; }

void exit(uint32_t status) {
  printf("exit status=%u\n", status);
  detail::power_off(status);
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

// head.S, MMU off: the device tree and the page tables.
extern "C" void hmx_a64_early_init(uint64_t dtb) {
  using namespace hmx_guest;
  start_info& info = detail::mutable_boot_info();
  info.uart = HMX_A64_UART_BASE;
  if (detail::read_device_tree(dtb, info)) {
    info.dtb = dtb;
  } else {
    // No device tree: assume the smallest RAM any of our loaders gives (booting.rst requires a
    // tree; this only lets the image report the problem).
    detail::g_ram_banks[0] = {HMX_A64_RAM_BASE, kGuessedRam};
    detail::g_ram_bank_count = 1;
    info.cpus = 1;
  }
  detail::build_page_tables(info);
}

// head.S, MMU on, on this vCPU's stack.
extern "C" [[noreturn]] void hmx_a64_cpu_start(unsigned cpu) {
  using namespace hmx_guest;
  detail::percpu& pc = detail::cpu(cpu);
  pc.index = cpu;
  hmx_write_sysreg(tpidr_el1, reinterpret_cast<uintptr_t>(&pc));
  if (cpu == 0) boot_cpu_main();
  secondary_main(cpu);
}
