// SPDX-License-Identifier: Apache-2.0
// Boot of the EL2 monitor: QEMU's device tree (RAM, CPUs), the EL2 MMU, the command line, the
// GIC, the domains (RAM carve-outs, stage 2, images, device trees), the other CPUs (PSCI
// CPU_ON through SMC, which QEMU's firmware emulation serves at EL3's place), then vCPU 0 of
// every domain.
#include "console.h"
#include "fdt.h"
#include "hmx_service.h"
#include "monitor.h"
#include "semihosting.h"

extern "C" void hmx_mon_secondary_entry();

namespace hmx::arm {

monitor_state g_monitor;

namespace {
constexpr const char* kMe = "hmx-arm-monitor";
constexpr uint64_t kTwoMiB = uint64_t{1} << 21;
constexpr uint32_t kPsciCpuOn64 = 0xC4000003;
constexpr uint64_t kImageMagic = 0x644d5241;  // "ARM\x64" at offset 56

int64_t firmware_smc(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3) {
  register uint64_t x0 asm("x0") = fid;
  register uint64_t x1 asm("x1") = a1;
  register uint64_t x2 asm("x2") = a2;
  register uint64_t x3 asm("x3") = a3;
  asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)::"x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
               "x12", "x13", "x14", "x15", "x16", "x17", "memory");
  return static_cast<int64_t>(x0);
}

void set_this_cpu(pcpu& c) { write_sysreg(tpidr_el2, reinterpret_cast<uintptr_t>(&c)); }

// The guest's device tree: RAM, its vCPUs (MPIDR aff0 = vCPU index), PSCI through HVC, the
// virtual timer's PPIs, the PL011 and the command line. No GIC node: the virtual CPU interface
// needs none, and interrupts arrive through list registers.
bool write_guest_tree(domain& d, void* buf, size_t size) {
  fdt_writer w(buf, size);
  char text[512];
  w.begin_node("");
  w.prop_u32("#address-cells", 2);
  w.prop_u32("#size-cells", 2);
  w.prop_string("compatible", "hmx,arm-monitor-domain");
  w.prop_string("model", "HMX EL2 monitor domain");

  w.begin_node("chosen");
  size_t n = snprintf(text, sizeof text, "cpus=%u domid=%u name=%s domains=", d.nr_vcpus, d.id, d.name);
  for (unsigned i = 0; i < g_monitor.nr_domains && n < sizeof text; ++i)
    n += snprintf(text + n, sizeof text - n, "%s%s:%u", i == 0 ? "" : ",", g_monitor.domains[i].name,
                g_monitor.domains[i].id);
  if (d.args[0] != '\0' && n < sizeof text) n += snprintf(text + n, sizeof text - n, " %s", d.args);
  if (n >= sizeof text) return false;
  w.prop_string("bootargs", text);
  w.end_node();

  snprintf(text, sizeof text, "memory@%llx", (unsigned long long)kGuestRamBase);
  w.begin_node(text);
  w.prop_string("device_type", "memory");
  w.prop_reg(kGuestRamBase, d.mem_size);
  w.end_node();

  w.begin_node("cpus");
  w.prop_u32("#address-cells", 1);
  w.prop_u32("#size-cells", 0);
  for (unsigned i = 0; i < d.nr_vcpus; ++i) {
    snprintf(text, sizeof text, "cpu@%u", i);
    w.begin_node(text);
    w.prop_string("device_type", "cpu");
    w.prop_string("compatible", "arm,armv8");
    w.prop_u32("reg", i);
    w.prop_string("enable-method", "psci");
    w.end_node();
  }
  w.end_node();

  static const char kPsciCompatible[] = "arm,psci-1.0\0arm,psci-0.2";
  w.begin_node("psci");
  w.prop("compatible", kPsciCompatible, sizeof kPsciCompatible);
  w.prop_string("method", "hvc");
  w.end_node();

  // interrupts: <PPI number flags> for the secure, non-secure physical, virtual and hypervisor
  // timers (PPIs 13, 14, 11, 10 = INTIDs 29, 30, 27, 26), level-high (4) on all CPUs (0xf00).
  static const uint32_t kTimerIrqs[12] = {1, 13, 0xf04, 1, 14, 0xf04, 1, 11, 0xf04, 1, 10, 0xf04};
  w.begin_node("timer");
  w.prop_string("compatible", "arm,armv8-timer");
  w.prop_u32s("interrupts", kTimerIrqs, 12);
  w.prop("always-on", nullptr, 0);
  w.end_node();

  static const char kUartCompatible[] = "arm,pl011\0arm,primecell";
  snprintf(text, sizeof text, "pl011@%llx", (unsigned long long)kGuestUart);
  w.begin_node(text);
  w.prop("compatible", kUartCompatible, sizeof kUartCompatible);
  w.prop_reg(kGuestUart, 0x1000);
  w.end_node();

  w.end_node();
  return w.finish();
}

bool load_domain(domain& d, uint64_t& next_pa, uint64_t ram_end) {
  d.mem_pa = (next_pa + kTwoMiB - 1) & ~(kTwoMiB - 1);
  if (d.mem_pa + d.mem_size > ram_end) {
    console_printf(kMe, "setup error: not enough RAM for domain %s (%llu MiB); give QEMU more with -m", d.name,
                   (unsigned long long)(d.mem_size >> 20));
    return false;
  }
  next_pa = d.mem_pa + d.mem_size;
  auto* ram = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(d.mem_pa));
  memset(ram, 0, static_cast<size_t>(d.mem_size));
  const int64_t len = semihosting::read_file(d.image, ram, static_cast<size_t>(d.mem_size - kGuestDtbSpace));
  if (len < 0) {
    console_printf(kMe, "setup error: domain %s: cannot %s image %s", d.name, len == -2 ? "fit" : "read", d.image);
    return false;
  }
  uint64_t magic, text_offset, image_size;
  memcpy(&magic, ram + 56, 4);
  magic &= 0xffffffff;
  memcpy(&text_offset, ram + 8, 8);
  memcpy(&image_size, ram + 16, 8);
  if (len < 64 || magic != kImageMagic) {
    console_printf(kMe, "setup error: domain %s: %s is not an arm64 Image (no ARM\\x64 magic)", d.name, d.image);
    return false;
  }
  if (image_size < static_cast<uint64_t>(len)) image_size = static_cast<uint64_t>(len);
  if (text_offset % 4096 != 0 || text_offset + image_size > d.mem_size - kGuestDtbSpace) {
    console_printf(kMe, "setup error: domain %s: the Image (text_offset %#llx, size %#llx) does not fit %llu MiB",
                   d.name, (unsigned long long)text_offset, (unsigned long long)image_size,
                   (unsigned long long)(d.mem_size >> 20));
    return false;
  }
  if (text_offset != 0) {
    memmove(ram + text_offset, ram, static_cast<size_t>(len));
    memset(ram, 0, static_cast<size_t>(text_offset));
  }
  if (!build_stage2(d)) {
    console_printf(kMe, "setup error: domain %s: stage-2 tables", d.name);
    return false;
  }
  d.dtb_ipa = kGuestRamBase + d.mem_size - kGuestDtbSpace;
  if (!write_guest_tree(d, ram + (d.dtb_ipa - kGuestRamBase), kGuestDtbSpace)) {
    console_printf(kMe, "setup error: domain %s: device tree too large", d.name);
    return false;
  }
  for (unsigned i = 0; i < d.nr_vcpus; ++i) {
    d.vcpus[i].dom = &d;
    d.vcpus[i].index = i;
  }
  d.vcpus[0].entry = kGuestRamBase + text_offset;
  d.vcpus[0].context = d.dtb_ipa;
  return true;
}
}  // namespace

bool load_domains() {
  uint64_t next = g_monitor.ram_base + kMonitorReserved;
  const uint64_t ram_end = g_monitor.ram_base + g_monitor.ram_size;
  unsigned cpu = 0;
  for (unsigned i = 0; i < g_monitor.nr_domains; ++i) {
    domain& d = g_monitor.domains[i];
    if (!load_domain(d, next, ram_end)) return false;
    for (unsigned v = 0; v < d.nr_vcpus; ++v) {
      if (cpu == g_monitor.nr_cpus) {
        console_printf(kMe, "setup error: the domains need more CPUs than the %u QEMU has (-smp)", g_monitor.nr_cpus);
        return false;
      }
      d.vcpus[v].pcpu = cpu;
      g_monitor.cpus[cpu++].assigned = &d.vcpus[v];
    }
    console_printf(kMe, "domain %s: id %u, %u vCPU(s) on CPU %u..%u, %llu MiB at %#llx, image %s", d.name, d.id,
                   d.nr_vcpus, d.vcpus[0].pcpu, d.vcpus[d.nr_vcpus - 1].pcpu, (unsigned long long)(d.mem_size >> 20),
                   (unsigned long long)d.mem_pa, d.image);
  }
  return true;
}

}  // namespace hmx::arm

using namespace hmx::arm;

extern "C" {
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
}

extern "C" [[noreturn]] void hmx_mon_primary() {
  for (auto fn = __init_array_start; fn != __init_array_end; ++fn) (*fn)();
  pcpu& boot = g_monitor.cpus[0];
  set_this_cpu(boot);
  host_facts host;
  if (!read_host_tree(kHostDtb, host)) fatal("no device tree from QEMU at %#llx", (unsigned long long)kHostDtb);
  g_monitor.ram_base = host.ram_base;
  g_monitor.ram_size = host.ram_size;
  g_monitor.nr_cpus = host.cpus == 0 ? 1 : host.cpus;
  for (unsigned i = 0; i < g_monitor.nr_cpus; ++i) {
    g_monitor.cpus[i].index = i;
    g_monitor.cpus[i].mpidr = host.mpidr[i];
  }
  build_el2_tables(host.ram_base, host.ram_size);
  hmx_mon_enable_mmu();
  console_printf(kMe, "EL2 monitor: %u CPUs, %llu MiB RAM at %#llx", g_monitor.nr_cpus,
                 (unsigned long long)(host.ram_size >> 20), (unsigned long long)host.ram_base);

  static char line[4096];
  if (!semihosting::command_line(line, sizeof line)) fatal("no command line: run QEMU with -semihosting");
  if (!parse_config(line) || !load_domains() || !hmx_service_init(g_monitor.policy)) semihosting::exit(4);
  gic_init_distributor();
  gic_init_this_cpu(boot);
  boot.online = 1;

  for (unsigned i = 1; i < g_monitor.nr_cpus; ++i) {
    if (g_monitor.cpus[i].assigned == nullptr) continue;
    const int64_t r = firmware_smc(kPsciCpuOn64, g_monitor.cpus[i].mpidr,
                                   reinterpret_cast<uintptr_t>(&hmx_mon_secondary_entry), i);
    if (r != 0) fatal("PSCI CPU_ON of CPU %u failed (%lld)", i, (long long)r);
    while (__atomic_load_n(&g_monitor.cpus[i].online, __ATOMIC_ACQUIRE) == 0) cpu_relax();
  }

  if (g_monitor.timeout_s != 0) {
    g_monitor.deadline = counter() + uint64_t{g_monitor.timeout_s} * counter_hz();
    write_sysreg(cnthp_cval_el2, g_monitor.deadline);
    write_sysreg(cnthp_ctl_el2, 1);
  }
  g_monitor.start = counter();
  for (unsigned i = 0; i < g_monitor.nr_domains; ++i) {
    vcpu& v = g_monitor.domains[i].vcpus[0];
    v.state = kVcpuStarting;
    request(g_monitor.cpus[v.pcpu], kRequestStart);
  }
  idle(boot);
}

extern "C" [[noreturn]] void hmx_mon_secondary(unsigned index) {
  pcpu& c = g_monitor.cpus[index];
  set_this_cpu(c);
  gic_init_this_cpu(c);
  __atomic_store_n(&c.online, 1u, __ATOMIC_RELEASE);
  idle(c);
}
