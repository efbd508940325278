/* SPDX-License-Identifier: MIT */
// The HMX guest runtime for aarch64: the interface of a freestanding EL1 guest image.
//
// An image defines `int guest_main(const hmx_guest::start_info&)` (runs on vCPU 0 once every
// vCPU is up; its return value is the exit status) and optionally
// `void guest_ap_main(unsigned cpu_index)` (runs on every other vCPU; when it returns the vCPU
// idles, taking interrupts). Everything runs at EL1 with the MMU on: an identity map (virtual ==
// guest-physical), RAM as normal write-back memory (so exclusives, atomics and caches behave),
// the first GiB as device memory except page 0, which faults.
//
// The same image boots as the EL1 guest of the HMX EL2 monitor (adapters/arm-smccc), as a Xen
// dom0less domU and directly under QEMU's virt board (protocol.h, README.md): what differs
// between them comes from the device tree.
//
// The names follow the x86-64 runtime (guest-runtime/include/hmx_guest/runtime.h) so that image
// code that only prints, locks, takes interrupts and exits builds for both. An interrupt "vector"
// here is a GIC INTID below 256 (SGIs 0-15, PPIs 16-31, SPIs from 32).
//
// Freestanding: only <stdint.h>, <stddef.h>, <stdarg.h>; images may include libhmx and the
// generated ABI headers.
#ifndef HMX_GUEST_RUNTIME_H
#define HMX_GUEST_RUNTIME_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <hmx_freestanding/format.h>

#include "hmx_guest/a64.h"
#include "hmx_guest/protocol.h"

#define HMX_GUEST_MAX_CPUS 8

namespace hmx_guest {

// What the device tree (and the boot arguments in /chosen/bootargs) said.
struct start_info {
  uint64_t dtb = 0;             // guest-physical address of the device tree, 0 when none
  const char* cmdline = "";     // /chosen/bootargs
  uint64_t ram_base = 0;        // the RAM bank that holds the image
  uint64_t ram_end = 0;
  uint64_t free_base = 0;       // RAM the image may use: after the image, clear of the tree
  uint64_t free_end = 0;
  uint64_t uart = 0;            // PL011 / SBSA UART base of the console
  unsigned cpus = 1;            // vCPUs brought up
  uint64_t mpidr[HMX_GUEST_MAX_CPUS] = {};  // MPIDR (affinity) of each vCPU, from /cpus
  bool psci_smc = false;        // the PSCI / SMCCC conduit: SMC #0 (true) or HVC #0
  uint64_t gicd = 0;            // GICv3 distributor, 0 when the tree describes none
  uint64_t gicr = 0;            // GICv3 redistributors
  uint32_t vtimer_intid = 27;   // the EL1 virtual timer's PPI
  bool semihosting = false;     // boot argument `semihosting`: exit through semihosting
};

// ---- vCPUs ------------------------------------------------------------------------------------
unsigned cpu_index();           // 0 on the boot vCPU
unsigned cpu_count();
const start_info& boot_info();

// ---- console and exit ------------------------------------------------------------------------
void putc(char c);
void print(const char* s);
// printf subset: %d %i %u %x %X %p %s %c %%, flags '0' '-' '#', width, length l ll z.
void printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char* format, va_list args);
using hmx::freestanding::snprintf;   // hmx_freestanding/format.h
using hmx::freestanding::vsnprintf;
// Ends the domain with a status (protocol.h): prints "exit status=N", then semihosting SYS_EXIT
// (boot argument `semihosting`) or PSCI SYSTEM_OFF carrying the status.
[[noreturn]] void exit(uint32_t status);
[[noreturn]] void panic(const char* format, ...) __attribute__((format(printf, 1, 2)));

// ---- locks -----------------------------------------------------------------------------------
class spinlock {
 public:
  void lock() {
    while (__atomic_exchange_n(&held_, 1u, __ATOMIC_ACQUIRE) != 0)
      while (__atomic_load_n(&held_, __ATOMIC_RELAXED) != 0) cpu_relax();
  }
  bool try_lock() { return __atomic_exchange_n(&held_, 1u, __ATOMIC_ACQUIRE) == 0; }
  void unlock() { __atomic_store_n(&held_, 0u, __ATOMIC_RELEASE); }

 private:
  uint32_t held_ = 0;
};

class lock_guard {
 public:
  explicit lock_guard(spinlock& l) : lock_(l) { lock_.lock(); }
  ~lock_guard() { lock_.unlock(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;

 private:
  spinlock& lock_;
};

template <typename T> T atomic_load(const T& v) { return __atomic_load_n(&v, __ATOMIC_ACQUIRE); }
template <typename T> void atomic_store(T& v, T x) { __atomic_store_n(&v, x, __ATOMIC_RELEASE); }
template <typename T> T atomic_fetch_add(T& v, T x) { return __atomic_fetch_add(&v, x, __ATOMIC_ACQ_REL); }
template <typename T> T atomic_exchange(T& v, T x) { return __atomic_exchange_n(&v, x, __ATOMIC_ACQ_REL); }

// ---- interrupts ------------------------------------------------------------------------------
// The EL1 IRQ handler acknowledges each interrupt at the GIC CPU interface (ICC_IAR1_EL1, the
// virtual interface under a hypervisor), sets its bit in this vCPU's pending set, ends it
// (ICC_EOIR1_EL1) and returns; handlers registered per vCPU run from dispatch_pending().
struct vector_set {
  uint64_t words[4];
  bool test(unsigned vector) const { return (words[(vector >> 6) & 3] >> (vector & 63)) & 1u; }
  bool empty() const { return (words[0] | words[1] | words[2] | words[3]) == 0; }
};

using vector_handler = void (*)(uint8_t vector);
void set_vector_handler(uint8_t vector, vector_handler handler);  // for this vCPU
vector_set take_pending();        // read and clear this vCPU's pending INTIDs
unsigned dispatch_pending();      // take_pending() and call the handlers; returns the count
void wait_for_interrupt();        // WFI unless something is pending (no lost wake-up)
// Enables a PPI or SGI at this vCPU's redistributor when the device tree describes a GIC; a
// hypervisor that injects through list registers (the HMX monitor) needs no enabling.
void enable_ppi(uint32_t intid);
// Software-generated interrupt `intid` (0-15) to vCPU `cpu` (ICC_SGI1R_EL1).
void send_sgi(unsigned cpu, uint8_t intid);

// ---- time ------------------------------------------------------------------------------------
uint64_t counter();               // CNTVCT_EL0
uint64_t counter_hz();            // CNTFRQ_EL0
uint64_t now_us();
// One-shot virtual timer interrupt (boot_info().vtimer_intid) on this vCPU after `us`.
void timer_arm_us(uint64_t us);
void timer_cancel();

// ---- firmware --------------------------------------------------------------------------------
// A PSCI / SMCCC fast call through the conduit the device tree names; returns X0.
int64_t psci_call(uint32_t function, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0);

// ---- memory ----------------------------------------------------------------------------------
inline uint64_t virt_to_phys(const volatile void* p) { return reinterpret_cast<uintptr_t>(p); }
template <typename T> T* phys_to_virt(uint64_t gpa) { return reinterpret_cast<T*>(uintptr_t(gpa)); }

}  // namespace hmx_guest

extern "C" {
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
}

// Defined by the image.
int guest_main(const hmx_guest::start_info& info);
// Optional (the runtime's weak default returns at once; the vCPU then idles).
void guest_ap_main(unsigned cpu_index);

#endif
