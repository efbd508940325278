// SPDX-License-Identifier: Apache-2.0
#include "hmx/kvm/core_adapters.h"

#include <chrono>

#include "hmx/kvm/domain.h"
#include "hmx/kvm/submit_poller.h"

namespace hmx::kvm {

std::span<std::byte> core_guest_memory::map(uint64_t gpa, uint64_t len) {
  if (len == 0) return {};  // GuestMemory contract: an empty range maps to an empty span
  auto view = memory_.translate(gpa, len);
  return view ? *view : std::span<std::byte>{};
}

void core_notifier::raise(ref::DomainId, uint32_t vcpu, uint8_t vector) {
  // Called concurrently by the vCPU threads of any sending domain.
  const auto start = std::chrono::steady_clock::now();
  bool delivered = false;
  try {
    delivered = domain_.inject_interrupt(vcpu, vector);
  } catch (const std::exception&) {
    // KVM_SIGNAL_MSI failed (the VM is going away): never let it unwind through the core.
  }
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start);
  injections_.fetch_add(1, std::memory_order_relaxed);
  injection_ns_.fetch_add(uint64_t(ns.count()), std::memory_order_relaxed);
  if (!delivered) failed_.fetch_add(1, std::memory_order_relaxed);
}

void core_notifier::submit_called(ref::DomainId) {
  // A submit call while the worker sleeps (spec submit-queue-polling): wake it. Only a lock and a
  // condition variable: the core holds its domain table lock here.
  std::lock_guard lock(poller_mu_);
  if (poller_ != nullptr) poller_->wake();
}

void core_notifier::set_submit_poller(submit_poller* poller) {
  std::lock_guard lock(poller_mu_);
  poller_ = poller;
}

}  // namespace hmx::kvm
