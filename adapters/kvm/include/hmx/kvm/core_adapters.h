/* SPDX-License-Identifier: Apache-2.0 */
// The two small interfaces through which the reference core sees a KVM domain (docs/ARCHITECTURE.md
// decision 8): its guest memory by GPA, and interrupt delivery to its vCPUs.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>

#include <hmx/reference/guest_memory.h>
#include <hmx/reference/notifier.h>

#include "hmx/kvm/guest_memory.h"

namespace hmx::kvm {

class domain;
class submit_poller;

// hmx::ref::GuestMemory over a domain's RAM slot. map() is guest_memory::translate(): bounds- and
// overflow-checked, so a hostile gpa/len from a call block yields an empty span, never a pointer
// outside the slot (HMX-SEC-007 HMX-SEC-008). RAM is one slot at GPA 0, so a range is either all RAM or not.
class core_guest_memory final : public ref::GuestMemory {
 public:
  explicit core_guest_memory(const guest_memory& memory) : memory_(memory) {}
  std::span<std::byte> map(uint64_t gpa, uint64_t len) override;

 private:
  const guest_memory& memory_;
};

// hmx::ref::Notifier that injects into the domain's vCPUs: a fixed, edge-triggered MSI to the
// vCPU's local APIC (msi_injector.h: KVM_SIGNAL_MSI, api.rst 4.71, on an injector thread by
// default), which the guest ends with its own EOI (HMX-EVENT-022 HMX-EVENT-023). The core calls it after the message, tx_ptr and event bit are visible
// (HMX-EVENT-024 HMX-EVENT-025); the ioctl is a full barrier on the way into the kernel.
class core_notifier final : public ref::Notifier {
 public:
  explicit core_notifier(domain& d) : domain_(d) {}
  void raise(ref::DomainId dom, uint32_t vcpu, uint8_t vector) override;
  // The doorbell of the domain's submission queue worker (submit_poller.h), when it has one.
  void submit_called(ref::DomainId dom) override;
  // Set or clear (nullptr) the worker the doorbell wakes; after it returns the old one is no
  // longer used.
  void set_submit_poller(submit_poller* poller);
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  // Injections attempted and the host time the sender spent on them (inject=msi: the ioctl with
  // the wake-up of a halted target vCPU; inject=thread: a pending bit and, when the injector
  // sleeps, a futex wake): the part of a sender's exit that notifications cost.
  uint64_t injections() const { return injections_.load(std::memory_order_relaxed); }
  uint64_t injection_ns() const { return injection_ns_.load(std::memory_order_relaxed); }

 private:
  domain& domain_;
  std::atomic<uint64_t> injections_{0};
  std::atomic<uint64_t> injection_ns_{0};
  // Injections the LAPIC refused (e.g. software-disabled) or the ioctl failed: counted, not fatal
  // to the sender (the message is delivered; the receiver finds it when it next looks).
  std::atomic<uint64_t> failed_{0};
  std::mutex poller_mu_;
  submit_poller* poller_ = nullptr;  // guarded by poller_mu_
};

}  // namespace hmx::kvm
