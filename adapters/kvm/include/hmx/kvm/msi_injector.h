/* SPDX-License-Identifier: Apache-2.0 */
// How a domain's HMX interrupts reach its vCPUs. With irqfd, each (vCPU, vector) pair the core
// raises gets, on first use, a GSI routed to the MSI of that vector at that vCPU's LAPIC
// (api.rst 4.52 KVM_SET_GSI_ROUTING) and an eventfd bound to the GSI (api.rst 4.75 KVM_IRQFD):
// an injection is then one 8-byte write() of the eventfd, and the sender's exit does not run
// KVM_SIGNAL_MSI itself (spec event-idx-async, HMX-EVENT-051). With signal_msi, or when a route
// cannot be made (no free GSI, an ioctl refused), the injection is KVM_SIGNAL_MSI on the caller's
// thread. With thread, a per-domain injector thread runs KVM_SIGNAL_MSI: the sender's exit sets the
// pair's pending bit and wakes the thread only when it sleeps (a futex wake); pairs raised again
// before the thread gets to them merge into one edge interrupt, as on a real LAPIC. All of them
// are full barriers on the way into the kernel (HMX-EVENT-024); the thread's scan starts after the
// bit it finds was set, so the interrupt still follows the message.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "hmx/kvm/domain_config.h"
#include "hmx/kvm/kvm_vm.h"
#include "hmx/kvm/unique_fd.h"

namespace hmx::kvm {

class msi_injector {
 public:
  // First GSI handed to HMX routes: 0-23 keep the irqchip's default routes.
  static constexpr uint32_t kFirstGsi = 24;
  // KVM_MAX_IRQ_ROUTES on x86 (4096) less the default routes and some room.
  static constexpr uint32_t kMaxRoutes = 1024;

  msi_injector(kvm_vm& vm, unsigned vcpus, interrupt_injection how);
  ~msi_injector();
  msi_injector(const msi_injector&) = delete;
  msi_injector& operator=(const msi_injector&) = delete;

  // Inject `vector` at vCPU `vcpu` (APIC ID == vCPU index). Safe from any thread. False when the
  // vCPU index is out of range, the eventfd write failed, or KVM_SIGNAL_MSI reported the MSI
  // blocked. Throws kvm_error only from KVM_SIGNAL_MSI failing (as signal_msi does).
  bool inject(unsigned vcpu, uint8_t vector);

  interrupt_injection how() const { return how_; }
  // Injections that went through an eventfd, and routes that could not be made (those pairs use
  // KVM_SIGNAL_MSI).
  uint64_t irqfd_injections() const { return irqfd_injections_.load(std::memory_order_relaxed); }
  uint64_t route_failures() const { return route_failures_.load(std::memory_order_relaxed); }
  // thread: futex wakes the senders paid, and interrupts the thread delivered.
  uint64_t thread_wakes() const { return thread_wakes_.load(std::memory_order_relaxed); }
  uint64_t thread_injections() const { return thread_injections_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kNone = -1;
  static constexpr int kFailed = -2;
  int route(unsigned vcpu, uint8_t vector);
  bool post(unsigned vcpu, uint8_t vector);
  void worker_main();

  kvm_vm& vm_;
  const interrupt_injection how_;
  // eventfd per (vCPU, vector): kNone until the first injection, kFailed when no route could be made.
  std::vector<std::unique_ptr<std::array<std::atomic<int>, 256>>> fds_;
  std::mutex mu_;  // guards routes_, eventfds_, next_gsi_ and the creation of a route
  std::vector<kvm_irq_routing_entry> routes_;
  std::vector<unique_fd> eventfds_;
  uint32_t next_gsi_ = kFirstGsi;
  std::atomic<uint64_t> irqfd_injections_{0};
  std::atomic<uint64_t> route_failures_{0};
  // thread mode: a pending bit per (vCPU, vector), the wake word and the worker.
  std::vector<std::unique_ptr<std::array<std::atomic<uint64_t>, 4>>> pending_;
  std::atomic<uint32_t> work_{0};
  std::atomic<bool> sleeping_{false};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> thread_wakes_{0};
  std::atomic<uint64_t> thread_injections_{0};
  std::thread worker_;
};

}  // namespace hmx::kvm
