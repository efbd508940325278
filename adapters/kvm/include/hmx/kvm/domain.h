/* SPDX-License-Identifier: Apache-2.0 */
// A domain: one KVM VM with its own guest memory, loaded PVH image and N vCPU threads.
//
// Hooks (the HMX service, hmx_service.h, plugs in here; spec "Conduits", the trap path):
//   domain_hooks::cpuid      extra CPUID leaves (the HMX signature/feature leaves)
//   domain_hooks::msr_exits  + msr_handler: every RDMSR/WRMSR of [base, base+count) comes to the
//                            handler on the vCPU's thread; returning false injects #GP
//   domain::memory()         guest memory by GPA with bounds checks
//   domain::inject_interrupt(vcpu, vector)   deliver a vector to a vCPU (KVM_SIGNAL_MSI)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hmx/kvm/console.h"
#include "hmx/kvm/cpuid.h"
#include "hmx/kvm/crash_report.h"
#include "hmx/kvm/domain_config.h"
#include "hmx/kvm/guest_memory.h"
#include "hmx/kvm/kvm_vcpu.h"
#include "hmx/kvm/kvm_vm.h"
#include "hmx/kvm/msi_injector.h"

namespace hmx::kvm {

class kvm_system;
class domain;

struct msr_access {
  unsigned vcpu = 0;
  bool write = false;
  uint32_t index = 0;
  uint64_t value = 0;  // the value written, or the value to return for a read
};

// Runs on the vCPU's thread while that vCPU is stopped in userspace; may use domain.memory()
// and domain.inject_interrupt(). Return false to refuse the access (the guest gets #GP).
using msr_handler = std::function<bool(domain&, msr_access&)>;

// A port I/O exit on a port outside the guest contract's (serial, exit port), for domain_hooks::on_io.
struct io_access {
  unsigned vcpu = 0;
  bool out = false;
  uint16_t port = 0;
  uint8_t size = 0;    // 1, 2 or 4
  uint32_t value = 0;  // the value written, or the value to return for a read
};

// Runs on the vCPU's thread while that vCPU is stopped in userspace; may read and write the
// vCPU's registers (KVM completes the instruction afterwards: leave RIP alone). Return false
// when the port is not the hook's (a read then floats high, a write is dropped).
using io_handler = std::function<bool(domain&, kvm_vcpu&, io_access&)>;

struct msr_range {
  uint32_t base = 0;
  uint32_t count = 0;
};

struct domain_hooks {
  std::vector<cpuid_leaf> cpuid;
  // Leaves that differ per vCPU (e.g. HMX's VERSION leaf carries the vCPU index, HMX-DISC-004);
  // applied after `cpuid` when each vCPU's table is built (KVM_SET_CPUID2 is per vCPU).
  std::function<std::vector<cpuid_leaf>(unsigned vcpu)> vcpu_cpuid;
  std::optional<msr_range> msr_exits;
  std::optional<msr_range> more_msr_exits;  // a second range (abi=both: Xen's hypercall MSR)
  msr_handler on_msr;  // without one, every access in msr_exits raises #GP
  io_handler on_io;    // port I/O beyond the contract's ports (abi=xen: the hypercall port)
  // Runs once when the domain has stopped for good (exit, crash, time limit, host error), on the
  // thread of its last vCPU, after every vCPU thread left KVM_RUN and before the monitor hears of
  // it: the HMX service tears the domain down there (HMX-DOM-001/002). The domain's memory stays
  // mapped until the domain object is destroyed.
  std::function<void(domain&)> on_stopped;
};

enum class domain_state { created, running, exited, crashed, timed_out, failed };
const char* to_string(domain_state state);

struct domain_result {
  domain_state state = domain_state::created;
  uint32_t exit_status = 0;  // for exited
  std::string message;       // crash report or host error, for crashed/failed
};

class domain {
 public:
  // Creates the VM, memory, irqchip, MSR exits, vCPUs (CPUID, PVH boot state) and loads the
  // image. Throws (kvm_error, pvh_error) on any setup failure.
  domain(const kvm_system& system, domain_config config, domain_hooks hooks, console& out);
  ~domain();
  domain(const domain&) = delete;
  domain& operator=(const domain&) = delete;

  const std::string& name() const { return config_.name; }
  const domain_config& config() const { return config_; }
  unsigned vcpu_count() const { return unsigned(vcpus_.size()); }
  guest_memory& memory() { return memory_; }

  // Deliver `vector` to vCPU `vcpu` as an edge MSI to its LAPIC (APIC ID == vCPU index). Safe from
  // any thread. Returns false if the vCPU index is out of range or the LAPIC refused it.
  bool inject_interrupt(unsigned vcpu, uint8_t vector);
  // The injection path (config().inject) and its counters.
  const msi_injector* injector() const { return injector_.get(); }

  // End the domain from a hook as the guest asked: exited with `status`, or crashed with a report
  // of vCPU `vcpu` (call crash_vcpu only on that vCPU's thread, inside its hook).
  void exit_with_status(uint32_t status);
  void crash_vcpu(unsigned vcpu, std::string reason, std::vector<std::string> details = {});

  // Starts one thread per vCPU; on_finished runs once, on the thread of the last vCPU to stop.
  void start(std::function<void(domain&)> on_finished);
  // Asks every vCPU to stop (immediate_exit + signal); the result becomes `why` unless the domain
  // already finished. Safe from any thread.
  void stop(domain_state why);
  void join();
  domain_result result() const;
  // When the last vCPU thread stopped (valid once on_finished has run).
  std::chrono::steady_clock::time_point finished_at() const { return finished_at_; }

 private:
  void vcpu_main(unsigned index);
  void pin_thread(unsigned index);
  void handle_exit(unsigned index, kvm_vcpu& vcpu);
  void handle_io(unsigned index, kvm_vcpu& vcpu);
  void handle_msr(unsigned index, kvm_vcpu& vcpu, bool write);
  void finish(domain_result result);
  void crash(unsigned index, kvm_vcpu& vcpu, std::string reason, std::vector<std::string> details = {});
  void crash_from_guest_exception(unsigned index, kvm_vcpu& vcpu);
  crash_report snapshot(unsigned index, kvm_vcpu& vcpu, std::string reason);

  domain_config config_;
  domain_hooks hooks_;
  console& console_;
  std::unique_ptr<kvm_vm> vm_;
  guest_memory memory_;
  std::vector<kvm_vcpu> vcpus_;
  std::unique_ptr<msi_injector> injector_;  // after vcpus_: routes name their APIC IDs
  serial_lines serial_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> threads_ready_{false};
  std::atomic<unsigned> running_threads_{0};
  std::chrono::steady_clock::time_point finished_at_;
  std::function<void(domain&)> on_finished_;
  mutable std::mutex result_mutex_;
  domain_result result_;
};

// Installs the no-op SIGUSR1 handler used to kick vCPU threads out of KVM_RUN (no SA_RESTART:
// KVM_RUN must return EINTR). Idempotent.
void install_kick_signal();

}  // namespace hmx::kvm
