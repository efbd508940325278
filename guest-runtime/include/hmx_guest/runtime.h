/* SPDX-License-Identifier: MIT */
// The HMX guest runtime: the CPL3 interface of a freestanding x86-64 PVH guest image.
//
// An image defines `int guest_main(const hmx_guest::start_info&)` (runs on the BSP at CPL3 after
// the other vCPUs are up; its return value is the exit status) and optionally
// `void guest_ap_main(unsigned cpu_index)` (runs on every AP at CPL3). All workload code runs at
// CPL3 because on this project's nested KVM CPL0 is emulated (~1.2 us per instruction) while CPL3
// runs natively (docs/ARCHITECTURE.md "Facts of the machines"). The few privileged operations go through one
// DPL3 gate (`int3` at the runtime's gate site, layout.h), see privileged_* below and vectors.S.
//
// Memory: the first 4 GiB are identity mapped (virtual == guest-physical) and user-accessible,
// except page 0, which faults. Use virt_to_phys() where an ABI wants a guest-physical address.
//
// Freestanding: only <stdint.h>, <stddef.h>, <stdarg.h>. Images may also include libhmx and the
// generated abi headers (include paths set by hmx_guest_image()).
#ifndef HMX_GUEST_RUNTIME_H
#define HMX_GUEST_RUNTIME_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <hmx_freestanding/format.h>

#include "hmx_guest/layout.h"
#include "hmx_guest/protocol.h"
#include "hmx_guest/pvh.h"
#include "hmx_guest/x86.h"

extern "C" void hmx_guest_gate_call();  // the gate site; use the wrappers below

namespace hmx_guest {

using start_info = hmx_pvh_start_info;

// ---- vCPUs ------------------------------------------------------------------------------------
unsigned cpu_index();              // 0 on the BSP
unsigned cpu_count();              // vCPUs brought up (start_info cmdline "cpus=N", default 1)
uint32_t apic_id(unsigned cpu);    // xAPIC ID of a vCPU (valid once it is online)
const start_info& boot_info();     // the PVH start_info the loader passed

// ---- console and exit ------------------------------------------------------------------------
void putc(char c);
void print(const char* s);
// printf subset: %d %i %u %x %X %p %s %c %%, flags '0' '-' '#', width, length l ll z.
void printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char* format, va_list args);
using hmx::freestanding::snprintf;   // hmx_freestanding/format.h
using hmx::freestanding::vsnprintf;
// Ends the whole VM: `outl status, 0xf4` (protocol.h).
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
// Every external interrupt (vectors 32..255) is taken by a CPL0 stub that sets the vector's bit
// in this vCPU's pending bitmap, writes the LAPIC EOI and returns. CPL3 code then takes the
// bitmap and runs handlers registered per vCPU.
struct vector_set {
  uint64_t words[4];
  bool test(unsigned vector) const { return (words[(vector >> 6) & 3] >> (vector & 63)) & 1u; }
  bool empty() const { return (words[0] | words[1] | words[2] | words[3]) == 0; }
};

using vector_handler = void (*)(uint8_t vector);
void set_vector_handler(uint8_t vector, vector_handler handler);  // for this vCPU
vector_set take_pending();        // read and clear this vCPU's pending vectors (native, CPL3)
unsigned dispatch_pending();      // take_pending() and call the handlers; returns the count
void wait_for_interrupt();        // halt this vCPU until a vector is pending (gate HALT)

// xAPIC, from CPL3 (the LAPIC page is mapped user-accessible).
uint32_t lapic_id();
void send_ipi(uint32_t apic_id, uint8_t vector);
void send_self_ipi(uint8_t vector);

// ---- privileged calls (DPL3 gate `int3` at hmx_guest_gate_call; CPL0 dispatcher in vectors.S) ---
// Returns false if the MSR access raised #GP (e.g. the hypervisor does not know the MSR).
[[nodiscard]] inline bool privileged_wrmsr(uint32_t msr, uint64_t value) {
  register uint64_t faulted asm("r8") = 0;
  asm volatile("call hmx_guest_gate_call"
               : "+r"(faulted)
               : "D"(uint64_t{HMX_GUEST_GATE_WRMSR}), "c"(msr), "a"(uint32_t(value)), "d"(uint32_t(value >> 32))
               : "memory");
  return faulted == 0;
}

[[nodiscard]] inline bool privileged_rdmsr(uint32_t msr, uint64_t* value) {
  register uint64_t faulted asm("r8") = 0;
  uint32_t lo, hi;
  asm volatile("call hmx_guest_gate_call"
               : "+r"(faulted), "=a"(lo), "=d"(hi)
               : "D"(uint64_t{HMX_GUEST_GATE_RDMSR}), "c"(msr)
               : "memory");
  *value = (uint64_t{hi} << 32) | lo;
  return faulted == 0;
}

// The same bitmap word read-and-clear as take_pending(), done at CPL0 through the gate.
inline uint64_t privileged_take_pending(unsigned word) {
  uint64_t bits;
  uint64_t w = word;
  asm volatile("call hmx_guest_gate_call" : "=a"(bits), "+S"(w) : "D"(uint64_t{HMX_GUEST_GATE_TAKE_PENDING}) : "rdx", "memory");
  return bits;
}

// CPUID executed at CPL0. Where CPL3 runs natively without a VM exit for CPUID (this project's
// nested KVM: CPL3 CPUID returns the outer host's values, never the VMM's table), only CPL0
// CPUID reaches the hypervisor's CPUID table: probe hypervisor leaves (HMX) with this one.
inline cpuid_result privileged_cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  cpuid_result r;
  asm volatile("call hmx_guest_gate_call"
               : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
               : "D"(uint64_t{HMX_GUEST_GATE_CPUID}), "a"(leaf), "c"(subleaf)
               : "memory");
  return r;
}

// A Xen hypercall through the hypercall page, at CPL0 (Xen answers CPL3 callers with -EPERM).
// entry = page + 32 * hypercall number (Xen fills the page when its GPA is written to the MSR
// that CPUID Xen-base+2 EBX names); a1..a5 go in RDI RSI RDX R10 R8; returns RAX. The argument
// registers are treated as clobbered, as a debug Xen clobbers them.
inline int64_t privileged_xen_hypercall(const void* entry, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                                        uint64_t a5) {
  register uint64_t r8 asm("r8") = a5;
  register uint64_t r9 asm("r9") = a1;
  register uint64_t r10 asm("r10") = a4;
  register uint64_t r11 asm("r11") = reinterpret_cast<uintptr_t>(entry);
  uint64_t rax;
  uint64_t fn = HMX_GUEST_GATE_XEN_HYPERCALL;
  asm volatile("call hmx_guest_gate_call"
               : "=a"(rax), "+D"(fn), "+S"(a2), "+d"(a3), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11)
               :
               : "rcx", "memory", "cc");
  return static_cast<int64_t>(rax);
}

inline void privileged_eoi() {
  asm volatile("call hmx_guest_gate_call" ::"D"(uint64_t{HMX_GUEST_GATE_EOI}) : "rax", "memory");
}

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
// Optional (the runtime's weak default returns at once; the AP then idles).
void guest_ap_main(unsigned cpu_index);

#endif
