/* SPDX-License-Identifier: Apache-2.0 */
// One run of the bench guests in real VMs under hmx-kvm's HMX service, in this process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "figures.h"

namespace hmx::kvm::bench {

// Host time spent in the HMX service (MSR dispatch + reference core) per phase of the sender.
struct phase_cost {
  std::string figure;             // the guest figure the phase times
  uint64_t sender_calls = 0;      // CALL writes of the sender
  uint64_t sender_ns = 0;         // host time in the service for them
  uint64_t receiver_calls = 0;    // CALL writes of the receiver (pong replies, notify)
  uint64_t receiver_ns = 0;
  uint64_t interrupts = 0;        // vectors the core raised (both domains)
  uint64_t injection_ns = 0;      // host time of those injections (eventfd write or KVM_SIGNAL_MSI)
  uint64_t moderated = 0;         // injections the core skipped by rx_event (spec event-idx)
  double sender_us_per_call() const { return sender_calls ? double(sender_ns) / 1e3 / double(sender_calls) : 0; }
};

struct vm_run_result {
  int exit_code = 0;                  // monitor exit code (0: both guests exited with status 0)
  std::vector<guest_figure> figures;  // the sender's result lines
  std::string output;                 // everything the guests and the monitor printed
  uint64_t raw_msr_exits = 0;         // writes to the ignored MSR seen by the monitor
  uint64_t messages = 0, bytes = 0;   // delivered by the core
  double tsc_hz = 0;                  // host TSC rate measured across the run
  std::vector<phase_cost> phases;     // indexed like the guest's phase numbers
  std::string sender_summary, receiver_summary;  // the guests' last lines (retries, wake-ups)
};

// Two domains, bench-tx (role=sender) and bench-rx (role=receiver), one vCPU each, a policy that
// lets them talk, and one extra MSR right after the HMX block that the monitor accepts and
// ignores: the guest's raw-exit baseline. Throws on setup errors.
// pin: pin the sender's vCPU thread to host CPU 0 and the receiver's to CPU 1 (--domain pin=).
// inject: the domains' interrupt injection (domain spec inject=irqfd|msi, adapters/kvm/msi_injector.h).
// event_idx: the receiver moderates its ring by rx_event when the monitor offers EVENT_IDX.
vm_run_result run_bench_vms(const std::string& image, uint32_t iterations, double timeout_seconds, bool pin,
                            const std::string& inject = "thread", bool event_idx = true);

}  // namespace hmx::kvm::bench
