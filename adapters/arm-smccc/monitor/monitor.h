/* SPDX-License-Identifier: Apache-2.0 */
// The HMX EL2 monitor: static partitioning of QEMU virt's CPUs and RAM into domains, each an EL1
// guest with its own stage-2 tables, one physical CPU per vCPU (like Jailhouse and Bao).
//
// Everything a guest can reach goes through the traps of traps.cpp: HVC/SMC (SMCCC: the
// architecture calls, PSCI, the vendor hypervisor service, HMX), stage-2 aborts on the emulated
// PL011, the trapped GIC SGI register, and physical interrupts (the kick SGI between the
// monitor's CPUs, the guest's virtual timer, the ICH maintenance interrupt, the time limit).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "platform.h"

namespace hmx::arm {

// Saved by vectors.S on every exception from EL1; restored on the way back.
struct guest_frame {
  uint64_t x[31];
  uint64_t elr, spsr, pad;
};
static_assert(sizeof(guest_frame) == 272, "vectors.S frame size");

enum vcpu_state : uint32_t { kVcpuOff, kVcpuStarting, kVcpuRunning, kVcpuStopped };

struct domain;

struct vcpu {
  domain* dom = nullptr;
  unsigned index = 0;
  unsigned pcpu = 0;
  uint32_t state = kVcpuOff;     // vcpu_state, changed under g_monitor.lock
  uint64_t entry = 0, context = 0;  // of a pending start (PSCI CPU_ON)
  uint64_t virq_pending = 0;     // virtual INTIDs 0..63 to put into the list registers (atomic)
  uint64_t traps = 0;            // exceptions taken to EL2
  uint64_t smccc_calls = 0;
};

enum domain_state : uint32_t { kDomainRunning, kDomainExited, kDomainCrashed, kDomainTimedOut };

enum vendor_personality : uint32_t { kVendorNone, kVendorKvm, kVendorXen };

struct domain {
  unsigned slot = 0;
  uint16_t id = 0;               // HMX domain id: 1, 2, 3... in command-line order
  char name[32] = {};
  char image[256] = {};
  char args[256] = {};           // appended to the guest command line
  uint64_t mem_pa = 0, mem_size = 0;
  unsigned nr_vcpus = 1;
  vcpu vcpus[kMaxVcpusPerDomain];
  uint64_t stage2_root = 0;      // physical address of the level-1 table
  uint16_t vmid = 0;
  uint64_t dtb_ipa = 0;

  uint32_t state = kDomainRunning;
  uint32_t exit_status = 0;
  uint64_t finished_at = 0;      // counter ticks
  char reason[96] = {};          // for crashed

  // The emulated PL011 (vpl011.cpp).
  spinlock uart_lock;
  char line[512] = {};
  size_t line_len = 0;
  uint32_t uart_regs[8] = {};    // CR, IBRD, FBRD, LCR_H, IFLS, IMSC as written
};

enum pcpu_request : uint32_t { kRequestStart = 1u << 0, kRequestStop = 1u << 1 };

struct pcpu {
  unsigned index = 0;
  uint64_t mpidr = 0;
  vcpu* assigned = nullptr;
  uint32_t requests = 0;         // pcpu_request bits (atomic)
  uintptr_t redistributor = 0;
  unsigned nr_lrs = 0;
  bool vtimer_waiting = false;   // a forwarded virtual-timer interrupt found no list register
  bool uie = false;              // ICH_HCR_EL2.UIE is set: entries wait for a free list register
  uint32_t online = 0;
};

struct monitor_state {
  spinlock lock;
  domain domains[kMaxDomains];
  unsigned nr_domains = 0;
  pcpu cpus[kMaxCpus];
  unsigned nr_cpus = 0;
  uint64_t start = 0;            // counter ticks at the first guest entry
  uint64_t deadline = 0;         // counter ticks; 0: no limit
  uint32_t timeout_s = 0;
  vendor_personality vendor = kVendorNone;
  const char* policy = nullptr;  // --policy: a table written by hmx-policy-table
  bool stats = false;            // --stats
  uint32_t finished = 0;         // domains no longer running (atomic)
  uint32_t ending = 0;           // the run is ending (atomic flag)
  uint64_t ram_base = 0, ram_size = 0;
};

extern monitor_state g_monitor;

// ---- boot.cpp / config.cpp -------------------------------------------------------------------
// Parses the command line into g_monitor.domains; false with a message printed on error.
bool parse_config(const char* line);
bool load_domains();

// ---- mmu.cpp, stage2.cpp ---------------------------------------------------------------------
void build_el2_tables(uint64_t ram_base, uint64_t ram_size);
extern "C" void hmx_mon_enable_mmu();
bool build_stage2(domain& d);
// The host physical address of guest [ipa, ipa + len), or 0 when not all of it is guest RAM.
uint64_t guest_pa(const domain& d, uint64_t ipa, uint64_t len);
template <class T>
T* guest_ptr(const domain& d, uint64_t ipa, uint64_t len = sizeof(T)) {
  const uint64_t pa = guest_pa(d, ipa, len);
  return pa == 0 ? nullptr : reinterpret_cast<T*>(static_cast<uintptr_t>(pa));
}

// ---- gic.cpp ---------------------------------------------------------------------------------
void gic_init_distributor();
void gic_init_this_cpu(pcpu& c);
void gic_send_kick(const pcpu& target);
// Acknowledges one physical interrupt (kSpurious when none); gic_end() ends it.
uint32_t gic_acknowledge();
void gic_end(uint32_t intid, bool deactivate);
void gic_disable_ppi(pcpu& c, uint32_t intid);
// Moves the vCPU's pending virtual interrupts into free list registers.
void flush_virqs(pcpu& c, vcpu& v);
// The physical virtual-timer interrupt, forwarded as a hardware-mapped list register entry.
void forward_vtimer(pcpu& c);

// ---- vcpu.cpp --------------------------------------------------------------------------------
pcpu& this_pcpu();
[[noreturn]] void enter_vcpu(pcpu& c, vcpu& v);
// Waits for work on this CPU (a start request) and never returns.
[[noreturn]] void idle(pcpu& c);
// Sets virtual INTID `intid` pending on `v` and makes its CPU notice.
void inject(vcpu& v, uint32_t intid);
void request(pcpu& target, uint32_t bits);
// Handles this CPU's requests on the way back to the guest; returns false when the vCPU must not
// run any more (its domain stopped).
bool handle_requests(pcpu& c);

// ---- run.cpp ---------------------------------------------------------------------------------
// Ends a domain (exit, crash, time limit): stops its other vCPUs, records the result; the last
// domain to end ends the run. Idempotent: the first reason wins.
void stop_domain(domain& d, domain_state state, uint32_t status, const char* reason);
void check_time_limit();
[[noreturn]] void fatal(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// ---- traps.cpp, smccc.cpp, vpl011.cpp, fault.cpp ---------------------------------------------
extern "C" void hmx_mon_lower_sync(guest_frame* f);
extern "C" void hmx_mon_lower_irq(guest_frame* f);
// SMCCC dispatch (HVC #0 and SMC #0): fills X0..X3; returns false when the vCPU stopped.
bool handle_smccc(pcpu& c, vcpu& v, guest_frame& f);
// A stage-2 data abort on the emulated PL011; false when it is not one.
bool handle_vpl011(vcpu& v, guest_frame& f, uint64_t esr, uint64_t ipa);
void flush_console(domain& d);
// Prints a crash report for an exception the monitor cannot handle and stops the domain.
void report_fault(vcpu& v, const guest_frame& f, uint64_t esr, const char* what);

}  // namespace hmx::arm

extern "C" [[noreturn]] void hmx_mon_enter_guest(hmx::arm::guest_frame* frame);
