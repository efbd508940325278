/* SPDX-License-Identifier: Apache-2.0 */
// What a target gives the conformance tests: the role of kvm-unit-tests' lib/<ARCH> and of the
// Arm ACS's Platform Abstraction Layer (Arm ACS, github.com/ARM-software/sbsa-acs "pal" layer). One implementation
// per target: guest/guest_platform.cpp (a PVH guest on any hypervisor, --target kvm|qemu) and
// hosted/hosted_platform.cpp (an in-process reference core, --target reference).
//
// Freestanding: the tests and this interface compile into guest images (no heap, no exceptions,
// no hosted library). Every call is made from the vCPU it names unless the comment says so.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <hmx/abi.h>
#include <hmx/cpuid.h>
#include <hmx/environment.h>
#include <hmx/probe.h>
#include <hmx/status.h>

namespace conformance {

class platform {
 public:
  // --- the domain ---
  virtual unsigned vcpu_count() = 0;
  // The start_info command line ("" when none): the tester reads optional peer ids from it.
  virtual const char* cmdline() = 0;

  // --- privileged instructions, executed on `vcpu` (x86; Arm platforms would add SMCCC) ---
  virtual hmx::cpuid_regs cpuid(unsigned vcpu, uint32_t leaf, uint32_t subleaf) = 0;
  // false: the access raised #GP (HMX-MECH-012 HMX-MECH-013 HMX-MECH-014 HMX-MECH-015 HMX-MECH-016, HMX-EVENT-011 HMX-EVENT-012 HMX-EVENT-013, HMX-EVENT-017 HMX-EVENT-018 HMX-EVENT-019 test for it).
  virtual bool rdmsr(unsigned vcpu, uint32_t index, uint64_t* value) = 0;
  virtual bool wrmsr(unsigned vcpu, uint32_t index, uint64_t value) = 0;

  // --- the conduit the tests' libhmx clients use ---
  // Called once HMX or Xen is found: choose the conduit. False: none this platform can use. On
  // Xen it completes the probe (the Argo probe needs the hypercall conduit installed, spec 3.2)
  // and fills in the domain id.
  virtual bool configure(hmx::probe_result& probe) = 0;
  // Trap with a call block GPA on `vcpu`. Set up by the target after probing (guest: the MSR
  // conduit at the advertised base; hosted: a loopback into the reference core).
  virtual hmx::status invoke(unsigned vcpu, uint64_t call_block_gpa) = 0;
  virtual const char* conduit_name() = 0;
  // The Xen version the xen_version hypercall reports ("4.17.5"), "" when not on Xen's conduit.
  virtual const char* xen_version() { return ""; }
  // On Xen's conduit: hypercall 39 made on vCPU 0 with these five arguments, and the result
  // register exactly as Xen left it (HMX-MECH-017 HMX-MECH-018 HMX-MECH-019 HMX-MECH-020); -ENOSYS elsewhere.
  virtual int64_t xen_argo_raw(uint32_t cmd, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) {
    (void)cmd, (void)a1, (void)a2, (void)a3, (void)a4;
    return -HMX_ENOSYS;
  }
  // On Arm: an SMCCC fast call on `vcpu` through HVC #0 (smc false) or SMC #0, X0..X7 in and
  // out as the callee left them (HMX-DISC-017 HMX-DISC-018 HMX-DISC-019 HMX-DISC-020, HMX-MECH-003). False where the platform has no
  // SMCCC conduit (x86, the in-process target).
  virtual bool smccc(unsigned vcpu, hmx::smccc_regs& r, bool smc) {
    (void)vcpu, (void)r, (void)smc;
    return false;
  }

  // --- memory ---
  // RAM the tests may use: page aligned, identity of guest-physical addresses via to_gpa().
  virtual void free_ram(void** base, size_t* bytes) = 0;
  virtual uint64_t to_gpa(const void* p) = 0;
  // One past the last byte of the domain's RAM (the GPA just beyond it is not RAM).
  virtual uint64_t ram_end() = 0;
  // A page-aligned GPA below 4 GiB that is not RAM (e.g. the local APIC page).
  virtual uint64_t non_ram_gpa() = 0;

  // --- other vCPUs: run fn(arg) once on `vcpu` (vcpu > 0), asynchronously ---
  virtual bool start_on(unsigned vcpu, void (*fn)(void*), void* arg) = 0;
  virtual bool finished_on(unsigned vcpu) = 0;

  // --- interrupts ---
  // Deliver the pending interrupts of the calling vCPU to the counters (guest: dispatch the
  // runtime's pending bitmap). Cheap; call it while polling.
  virtual void poll() = 0;
  // Interrupts with `vector` taken by `vcpu` since the start (a lower bound: interrupts that
  // arrive between two polls merge into one).
  virtual uint32_t vector_count(unsigned vcpu, uint8_t vector) = 0;
  // Sleep the calling vCPU until an interrupt arrives or about `max_us` pass.
  virtual void idle(uint32_t max_us) = 0;
  // The caller will be interrupted when there is work (its HMX vector is registered): idle()
  // may then halt the vCPU instead of polling.
  virtual void idle_by_interrupt(bool on) = 0;

  // --- time and output ---
  virtual uint64_t now_us() = 0;
  virtual void relax() = 0;
  // One protocol line, without the newline (conformance/PROTOCOL.md).
  virtual void write_line(const char* text, size_t len) = 0;
  // The peer agent returns when this becomes true (hosted: the harness stops it; guest: never).
  virtual bool stop_requested() = 0;

  // Whether a domain that ends (exit, power off) is destroyed, so that the hypervisor tears its
  // HMX state down (HMX-DOM-005 HMX-DOM-006, HMX-DOM-007 HMX-DOM-008); "" when it is, else why not.
  virtual const char* exit_keeps_domain() { return ""; }

  // --- host introspection, where the target has it (HMX-MAC-005, HMX-MAC-006); false: not
  // available. count: denials counted by the hypervisor; logged: denial lines it logged.
  virtual bool denial_count(uint64_t* count, uint64_t* logged) = 0;

 protected:
  ~platform() = default;
};

}  // namespace conformance
