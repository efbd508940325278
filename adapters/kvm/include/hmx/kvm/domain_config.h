/* SPDX-License-Identifier: Apache-2.0 */
// What one domain is made of, and the command-line form that describes it:
//   NAME=IMAGE[,vcpus=N][,mem=SIZE][,pin=CPU][,abi=hmx|xen|both][,inject=irqfd|msi|thread][,sqpoll=IDLE_US][,arg=TEXT]...
//     SIZE: a number with an optional unit (K, M, G, KiB, MB, ...; hmx/host/size.h), MiB if none
//     CPU:  pin vCPU i's thread to host CPU (CPU + i) mod the number of host CPUs
//     abi:  what the guest sees of its hypervisor: HMX's CPUID leaves and MSR block (hmx, the
//           default), Xen 4.17's CPUID leaves, hypercall page and hypercalls (xen), or both
//     inject: how an HMX interrupt reaches a vCPU: irqfd (an eventfd routed to an MSI, so the
//           sender's exit only writes the eventfd), msi (KVM_SIGNAL_MSI on the sender's
//           thread, the way of spec 0.2) or thread (the default: a per-domain injector thread
//           runs KVM_SIGNAL_MSI; the sender's exit sets a pending bit and wakes it when it sleeps)
//     sqpoll: a host worker polls the domain's submission queue (submit_poller.h; spec
//           submit-queue-polling), so the guest publishes entries without exits; it sleeps with
//           SUBMIT_QUEUE_NEED_WAKEUP set after IDLE_US microseconds (1..1000000) without work
//     TEXT: appended to the guest's command line (repeatable, in order; no commas)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hmx::kvm {

inline constexpr unsigned kDefaultVcpus = 2;
inline constexpr unsigned kMaxVcpus = 64;
inline constexpr uint64_t kDefaultMemory = 64ull << 20;
inline constexpr uint64_t kMinMemory = 8ull << 20;
// Guest RAM stays below 3 GiB: the 4th GiB holds the LAPIC/IOAPIC and KVM's TSS pages, and
// unbacked addresses there must stay unbacked.
inline constexpr uint64_t kMaxMemory = 3ull << 30;
inline constexpr uint32_t kMaxSqpollIdleUs = 1000000;

enum class guest_abi { hmx, xen, both };
enum class interrupt_injection { irqfd, signal_msi, thread };

struct domain_config {
  std::string name;
  std::string image;
  unsigned vcpus = kDefaultVcpus;
  uint64_t memory = kDefaultMemory;
  std::optional<unsigned> pin_cpu;  // first host CPU of the vCPU threads (pin=CPU)
  guest_abi abi = guest_abi::hmx;
  // thread by default: on this nested host an eventfd write still delivers the MSI and kicks the
  // target vCPU in the writer's context (KVM's irqfd wake-up injects MSIs inline), so only the
  // injector thread takes the cost off the sender's exit (hmx-bench --inject).
  interrupt_injection inject = interrupt_injection::thread;
  // sqpoll=IDLE_US: the submission queue worker's idle time before it sleeps; none: no worker.
  std::optional<uint32_t> sqpoll_idle_us;
  // Set by the HMX service (hmx_service.h): "domid=D name=NAME domains=alpha:1,beta:2,...".
  std::string service_params;
  // User words from `arg=TEXT`, appended last.
  std::vector<std::string> args;
};

// The PVH start_info command line of a domain (README.md "Guest command line"):
//   cpus=N [service_params] [args...]
// The guest runtime reads cpus=N; HMX guests read domid=, name=, domains= and their own args.
std::string guest_cmdline(const domain_config& config);

// Throws std::invalid_argument with a message naming the bad part.
domain_config parse_domain_spec(std::string_view spec);

}  // namespace hmx::kvm
