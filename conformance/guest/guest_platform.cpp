// SPDX-License-Identifier: Apache-2.0
// guest_platform (guest_platform.h) on the HMX guest runtime.
#include "guest_platform.h"

#include <hmx_guest/runtime.h>

#include <hmx/abi.h>

extern "C" char __image_end[];  // guest-runtime/src/linker.ld

namespace conformance::guest {

namespace {

using namespace hmx_guest;

// Wakes an idle AP for a job (an IPI from CPL3 through the xAPIC). Idle vCPUs wait for a real
// interrupt (that kick, or an HMX vector); the runner's time limit is the safety net.
constexpr uint8_t kKickVector = 0xef;
// LVT LINT0 (SDM Vol. 3A 10.5.1). Under QEMU, SeaBIOS leaves the 8259 PIC in virtual-wire mode
// with the PIT's IRQ 0 unmasked at vector 8: each tick then looks like a #DF to the runtime.
// Masking LINT0 (from CPL3: the LAPIC page is user-accessible) keeps legacy interrupts out; the
// runtime should mask the PIC at entry (reported to its owner).
constexpr uintptr_t kLvtLint0 = HMX_GUEST_LAPIC_BASE + 0x350;
constexpr uint32_t kLvtMasked = 1u << 16;

// RAM assumed when the memory map cannot be read: the tester's minimum (vendor guide).
constexpr uint64_t kFallbackRamEnd = uint64_t{128} << 20;

uint32_t g_counts[HMX_GUEST_MAX_CPUS][256];

struct mailbox {
  void (*fn)(void*);
  void* arg;
  uint32_t state;  // 0 idle, 1 posted, 2 running, 3 done
};
mailbox g_mail[HMX_GUEST_MAX_CPUS];

void count_vector(uint8_t vector) { __atomic_fetch_add(&g_counts[cpu_index()][vector], 1u, __ATOMIC_RELAXED); }

void setup_this_cpu() {
  mmio_write32(kLvtLint0, mmio_read32(kLvtLint0) | kLvtMasked);
  for (unsigned v = 32; v < 256; ++v) set_vector_handler(uint8_t(v), count_vector);
}

guest_platform g_platform;

// The first constructor of the image (the runtime runs init_array first thing at CPL3): mask
// LINT0 before a PIT tick can arrive through it.
__attribute__((constructor(101))) void mask_lint0_early() {
  mmio_write32(kLvtLint0, mmio_read32(kLvtLint0) | kLvtMasked);
}

}  // namespace

guest_platform& the_platform() { return g_platform; }

void guest_platform::init() {
  setup_this_cpu();
  // The RAM region that holds the image: the tests use it from the image's end.
  const start_info& si = boot_info();
  const uint64_t image_end = (reinterpret_cast<uintptr_t>(__image_end) + 4095) & ~uint64_t{4095};
  // The runtime leaves page 0 unmapped (null pointers fault): a memory map there (QEMU puts it at
  // 0x5a8) cannot be read, and the RAM size falls back to what the vendor guide requires.
  if (si.version >= 1 && si.memmap_paddr >= 4096) {
    const auto* map = phys_to_virt<const hmx_pvh_memmap_entry>(si.memmap_paddr);
    for (uint32_t i = 0; i < si.memmap_entries; ++i) {
      if (map[i].type != HMX_PVH_MEMMAP_TYPE_RAM) continue;
      const uint64_t end = map[i].addr + map[i].size;
      if (map[i].addr <= image_end && image_end < end) ram_end_ = end;
    }
  }
  if (ram_end_ == 0) (void)xen_pvh_ram_end(image_end, &ram_end_);
  if (ram_end_ == 0) ram_end_ = kFallbackRamEnd;
  // Identity map of the first 4 GiB only (runtime.h).
  if (ram_end_ > (uint64_t{1} << 32)) ram_end_ = uint64_t{1} << 32;
  if (ram_end_ > image_end) {
    free_base_ = phys_to_virt<unsigned char>(image_end);
    free_bytes_ = static_cast<size_t>(ram_end_ - image_end);
  }
  // TSC rate for time limits: CPUID 0x15 (crystal ratio) or 0x16 (base MHz), else 3 GHz.
  const cpuid_result l0 = privileged_cpuid(0);
  if (l0.eax >= 0x15) {
    const cpuid_result t = privileged_cpuid(0x15);
    if (t.eax != 0 && t.ebx != 0 && t.ecx != 0) tsc_per_us_ = uint64_t{t.ecx} * t.ebx / t.eax / 1000000;
  }
  if ((tsc_per_us_ == 0 || tsc_per_us_ == 3000) && l0.eax >= 0x16) {
    const cpuid_result f = privileged_cpuid(0x16);
    if (f.eax != 0) tsc_per_us_ = f.eax;
  }
  if (tsc_per_us_ == 0) tsc_per_us_ = 3000;
}

void guest_platform::ap_loop(unsigned cpu) {
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

bool guest_platform::configure(hmx::probe_result& p) {
  if (!p.hmx_present()) return configure_xen(p);
  if (!p.has_mechanism(HMX_MECH_X86_MSR)) return false;
  msr_base_ = p.msr_base;
  msr_ok_ = true;
  return true;
}

unsigned guest_platform::vcpu_count() { return cpu_count(); }

const char* guest_platform::cmdline() {
  const start_info& si = boot_info();
  return si.cmdline_paddr == 0 ? "" : phys_to_virt<const char>(si.cmdline_paddr);
}

namespace {
struct cpuid_job {
  uint32_t leaf, subleaf;
  cpuid_result r;
};
void do_cpuid(void* p) {
  auto* j = static_cast<cpuid_job*>(p);
  j->r = privileged_cpuid(j->leaf, j->subleaf);
}
struct msr_job {
  uint32_t index;
  uint64_t value;
  bool write, ok;
};
void do_msr(void* p) {
  auto* j = static_cast<msr_job*>(p);
  j->ok = j->write ? privileged_wrmsr(j->index, j->value) : privileged_rdmsr(j->index, &j->value);
}
}  // namespace

void guest_platform::run_sync(unsigned vcpu, void (*fn)(void*), void* arg) {
  if (vcpu == cpu_index()) {
    fn(arg);
    return;
  }
  if (!start_on(vcpu, fn, arg)) return;
  while (!finished_on(vcpu)) cpu_relax();
}

hmx::cpuid_regs guest_platform::cpuid(unsigned vcpu, uint32_t leaf, uint32_t subleaf) {
  // CPL0 CPUID: on this project's nested KVM a CPL3 CPUID never reaches the monitor's table.
  cpuid_job j{leaf, subleaf, {}};
  run_sync(vcpu, do_cpuid, &j);
  return hmx::cpuid_regs{j.r.eax, j.r.ebx, j.r.ecx, j.r.edx};
}

bool guest_platform::rdmsr(unsigned vcpu, uint32_t index, uint64_t* value) {
  msr_job j{index, 0, false, false};
  run_sync(vcpu, do_msr, &j);
  *value = j.value;
  return j.ok;
}

bool guest_platform::wrmsr(unsigned vcpu, uint32_t index, uint64_t value) {
  msr_job j{index, value, true, false};
  run_sync(vcpu, do_msr, &j);
  return j.ok;
}

hmx::status guest_platform::invoke(unsigned vcpu, uint64_t call_block_gpa) {
  if (xen_ok_) return invoke_xen(call_block_gpa);
  if (!msr_ok_) return hmx::errc::nodev;
  // The calling vCPU is the one that traps; a client is only used on its own vCPU.
  (void)vcpu;
  return privileged_wrmsr(msr_base_ + HMX_MSR_CALL, call_block_gpa) ? hmx::status{} : hmx::errc::fault;
}

const char* guest_platform::conduit_name() { return msr_ok_ ? "x86_msr" : xen_ok_ ? "xen_hypercall" : "none"; }

void guest_platform::free_ram(void** base, size_t* bytes) {
  *base = free_base_;
  *bytes = free_bytes_;
}

uint64_t guest_platform::to_gpa(const void* p) { return virt_to_phys(p); }
uint64_t guest_platform::ram_end() { return ram_end_; }
uint64_t guest_platform::non_ram_gpa() { return HMX_GUEST_LAPIC_BASE; }

bool guest_platform::start_on(unsigned vcpu, void (*fn)(void*), void* arg) {
  if (vcpu == 0 || vcpu >= cpu_count() || vcpu >= HMX_GUEST_MAX_CPUS) return false;
  mailbox& m = g_mail[vcpu];
  const uint32_t s = atomic_load(m.state);
  if (s == 1 || s == 2) return false;
  m.fn = fn;
  m.arg = arg;
  atomic_store(m.state, 1u);
  send_ipi(apic_id(vcpu), kKickVector);
  return true;
}

bool guest_platform::finished_on(unsigned vcpu) {
  if (vcpu >= HMX_GUEST_MAX_CPUS) return true;
  const uint32_t s = atomic_load(g_mail[vcpu].state);
  return s == 0 || s == 3;
}

void guest_platform::poll() { dispatch_pending(); }

uint32_t guest_platform::vector_count(unsigned vcpu, uint8_t vector) {
  if (vcpu >= HMX_GUEST_MAX_CPUS) return 0;
  return __atomic_load_n(&g_counts[vcpu][vector], __ATOMIC_RELAXED);
}

void guest_platform::idle(uint32_t max_us) {
  // Halt only when an interrupt will come (the peer agent's HMX vector is registered);
  // otherwise poll for max_us.
  if (halt_ok_) {
    wait_for_interrupt();
    dispatch_pending();
    return;
  }
  const uint64_t until = now_us() + max_us;
  while (dispatch_pending() == 0 && now_us() < until) cpu_relax();
}

uint64_t guest_platform::now_us() { return rdtsc() / tsc_per_us_; }
void guest_platform::relax() { cpu_relax(); }

void guest_platform::write_line(const char* text, size_t len) {
  char buf[700];
  if (len > sizeof buf - 2) len = sizeof buf - 2;
  memcpy(buf, text, len);
  buf[len] = '\n';
  buf[len + 1] = '\0';
  print(buf);
}

}  // namespace conformance::guest
