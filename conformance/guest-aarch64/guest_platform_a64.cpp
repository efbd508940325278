// SPDX-License-Identifier: Apache-2.0
// a64_platform (guest_platform_a64.h) on the aarch64 guest runtime.
#include "guest_platform_a64.h"

#include <hmx_guest/runtime.h>

namespace conformance::guest {

namespace {

using namespace hmx_guest;

// Wakes an idle vCPU for a job: an SGI (INTID 1) through ICC_SGI1R_EL1.
constexpr uint8_t kKickSgi = 1;
// A guest-physical address below 4 GiB that no domU has RAM or a device at: Xen/Arm's guest
// memory map (xen/include/public/arch-arm.h) leaves 0x10000000-0x2fffffff to nothing but the
// vpl011 at 0x22000000.
constexpr uint64_t kNonRam = 0x10000000;

uint32_t g_counts[HMX_GUEST_MAX_CPUS][256];

struct mailbox {
  void (*fn)(void*);
  void* arg;
  uint32_t state;  // 0 idle, 1 posted, 2 running, 3 done
};
mailbox g_mail[HMX_GUEST_MAX_CPUS];

void count_vector(uint8_t vector) { __atomic_fetch_add(&g_counts[cpu_index()][vector], 1u, __ATOMIC_RELAXED); }

void setup_this_cpu() {
  for (unsigned v = 0; v < 256; ++v) set_vector_handler(uint8_t(v), count_vector);
  enable_ppi(kKickSgi);
}

a64_platform g_platform;

}  // namespace

a64_platform& the_a64_platform() { return g_platform; }

void a64_platform::init() { setup_this_cpu(); }

void a64_platform::ap_loop(unsigned cpu) {
  setup_this_cpu();
  mailbox& m = g_mail[cpu];
  for (;;) {
    dispatch_pending();
    if (atomic_load(m.state) == 1) {
      atomic_store(m.state, 2u);
      m.fn(m.arg);
      atomic_store(m.state, 3u);
      continue;
    }
    wait_for_interrupt();
  }
}

bool a64_platform::configure(hmx::probe_result& p) {
  if (configure_smccc(p)) return true;
  p.arch = hmx::arch_kind::aarch64;
  return configure_xen(p);
}

hmx::status a64_platform::invoke(unsigned, uint64_t call_block_gpa) {
  if (smccc_ok_) return invoke_smccc(call_block_gpa);
  if (xen_ok_) return invoke_xen(call_block_gpa);
  return hmx::errc::nodev;
}

unsigned a64_platform::vcpu_count() { return cpu_count(); }
const char* a64_platform::cmdline() { return boot_info().cmdline; }

void a64_platform::free_ram(void** base, size_t* bytes) {
  const start_info& si = boot_info();
  *base = phys_to_virt<void>(si.free_base);
  *bytes = static_cast<size_t>(si.free_end - si.free_base);
}

uint64_t a64_platform::to_gpa(const void* p) { return virt_to_phys(p); }
uint64_t a64_platform::ram_end() { return boot_info().ram_end; }
uint64_t a64_platform::non_ram_gpa() { return kNonRam; }

bool a64_platform::start_on(unsigned vcpu, void (*fn)(void*), void* arg) {
  if (vcpu == 0 || vcpu >= cpu_count() || vcpu >= HMX_GUEST_MAX_CPUS) return false;
  mailbox& m = g_mail[vcpu];
  const uint32_t s = atomic_load(m.state);
  if (s == 1 || s == 2) return false;
  m.fn = fn;
  m.arg = arg;
  atomic_store(m.state, 1u);
  send_sgi(vcpu, kKickSgi);
  return true;
}

bool a64_platform::finished_on(unsigned vcpu) {
  if (vcpu >= HMX_GUEST_MAX_CPUS) return true;
  const uint32_t s = atomic_load(g_mail[vcpu].state);
  return s == 0 || s == 3;
}

void a64_platform::poll() { dispatch_pending(); }

uint32_t a64_platform::vector_count(unsigned vcpu, uint8_t vector) {
  if (vcpu >= HMX_GUEST_MAX_CPUS) return 0;
  return __atomic_load_n(&g_counts[vcpu][vector], __ATOMIC_RELAXED);
}

void a64_platform::idle(uint32_t max_us) {
  if (halt_ok_) {
    wait_for_interrupt();
    dispatch_pending();
    return;
  }
  // Sleep on the virtual timer rather than spin: the domains share the host's cores.
  timer_arm_us(max_us);
  wait_for_interrupt();
  timer_cancel();
  dispatch_pending();
}

uint64_t a64_platform::now_us() { return hmx_guest::now_us(); }
void a64_platform::relax() { cpu_relax(); }

void a64_platform::write_line(const char* text, size_t len) {
  char buf[700];
  if (len > sizeof buf - 2) len = sizeof buf - 2;
  memcpy(buf, text, len);
  buf[len] = '\n';
  buf[len + 1] = '\0';
  print(buf);
}

}  // namespace conformance::guest
