// SPDX-License-Identifier: Apache-2.0
// Domain set-up, vCPU threads and stopping. Exit handling is in vcpu_exits.cpp.
#include "hmx/kvm/domain.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "hmx/kvm/error.h"
#include "hmx/kvm/kvm_system.h"
#include "hmx/kvm/pvh_loader.h"

namespace hmx::kvm {

namespace {

constexpr uint64_t kKvmTssGpa = 0xfffbd000;  // same place as QEMU: top of the 4th GiB, below the BIOS

// PVH boot ABI register state: 32-bit protected mode, paging off, flat 4 GiB CS (execute/read)
// and DS/ES/SS/FS/GS (read/write), TR a 32-bit TSS with base 0 and limit 0x67, CR0.PE set,
// CR4 = 0, EFLAGS with IF/VM/TF clear, EBX = start_info (Xen docs/misc/pvh.pandoc).
void set_pvh_boot_state(kvm_vcpu& vcpu, uint32_t entry, uint64_t start_info) {
  kvm_sregs s = vcpu.get_sregs();
  kvm_segment code{};
  code.base = 0;
  code.limit = 0xffffffff;
  code.selector = 0x08;
  code.type = 0xb;  // execute/read, accessed
  code.present = 1;
  code.dpl = 0;
  code.db = 1;
  code.s = 1;
  code.g = 1;
  kvm_segment data = code;
  data.selector = 0x10;
  data.type = 0x3;  // read/write, accessed
  s.cs = code;
  s.ds = s.es = s.fs = s.gs = s.ss = data;
  kvm_segment tr{};
  tr.base = 0;
  tr.limit = 0x67;
  tr.selector = 0x18;
  tr.type = 0xb;  // busy 32-bit TSS
  tr.present = 1;
  s.tr = tr;
  s.cr0 = 0x11;  // PE | ET
  s.cr3 = 0;
  s.cr4 = 0;
  s.efer = 0;
  vcpu.set_sregs(s);
  kvm_regs r{};
  r.rflags = 0x2;
  r.rip = entry;
  r.rbx = start_info;
  vcpu.set_regs(r);
}

void kick_handler(int) {}

unsigned host_cpus() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? unsigned(n) : 1;
}

}  // namespace

void install_kick_signal() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = kick_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
    if (sigaction(SIGUSR1, &sa, nullptr) != 0) throw_errno("sigaction(SIGUSR1)");
  });
}

const char* to_string(domain_state state) {
  switch (state) {
    case domain_state::created: return "created";
    case domain_state::running: return "running";
    case domain_state::exited: return "exited";
    case domain_state::crashed: return "crashed";
    case domain_state::timed_out: return "timed out";
    case domain_state::failed: return "failed";
  }
  return "?";
}

domain::domain(const kvm_system& system, domain_config config, domain_hooks hooks, console& out)
    : config_(std::move(config)),
      hooks_(std::move(hooks)),
      console_(out),
      vm_(std::make_unique<kvm_vm>(system.create_vm())),
      memory_(config_.memory),
      serial_(out, config_.name, config_.vcpus) {
  vm_->set_tss_addr(kKvmTssGpa);
  vm_->create_irqchip();
  vm_->set_user_memory_region(0, 0, memory_.size(), memory_.host_base());
  if (hooks_.msr_exits)
    vm_->enable_msr_exits(hooks_.msr_exits->base, hooks_.msr_exits->count,
                          hooks_.more_msr_exits ? hooks_.more_msr_exits->base : 0,
                          hooks_.more_msr_exits ? hooks_.more_msr_exits->count : 0);

  std::vector<std::byte> file = read_image_file(config_.image);
  pvh_image image = load_pvh_image(file, memory_);
  uint64_t start_info = write_start_info(memory_, guest_cmdline(config_));

  std::vector<kvm_cpuid_entry2> supported = system.supported_cpuid();
  vcpus_.reserve(config_.vcpus);
  for (unsigned i = 0; i < config_.vcpus; ++i) {
    // vCPU i gets APIC ID i (KVM's default), which inject_interrupt() relies on.
    vcpus_.push_back(vm_->create_vcpu(i));
    std::vector<cpuid_leaf> leaves = hooks_.cpuid;
    if (hooks_.vcpu_cpuid) {
      std::vector<cpuid_leaf> own = hooks_.vcpu_cpuid(i);
      leaves.insert(leaves.end(), own.begin(), own.end());
    }
    vcpus_.back().set_cpuid(build_cpuid(supported, leaves, i));
  }
  injector_ = std::make_unique<msi_injector>(*vm_, config_.vcpus, config_.inject);
  // The BSP (vCPU 0) starts at the PVH entry; with the in-kernel LAPIC the APs wait in the
  // kernel for INIT-SIPI-SIPI (api.rst 4.38 KVM_GET_MP_STATE: KVM_MP_STATE_UNINITIALIZED).
  set_pvh_boot_state(vcpus_[0], image.entry, start_info);
  console_.monitor_message(name(), fmt::format("boot {}: {} vCPUs, {} MiB, PVH entry {:#x}, image [{:#x}, {:#x})",
                                               config_.image, config_.vcpus, config_.memory >> 20, image.entry,
                                               image.load_low, image.load_high));
}

domain::~domain() {
  stop(domain_state::failed);
  join();
}

bool domain::inject_interrupt(unsigned vcpu, uint8_t vector) {
  if (vcpu >= vcpus_.size() || !injector_) return false;
  return injector_->inject(vcpu, vector);
}

void domain::start(std::function<void(domain&)> on_finished) {
  install_kick_signal();
  on_finished_ = std::move(on_finished);
  {
    std::lock_guard lock(result_mutex_);
    result_.state = domain_state::running;
  }
  running_threads_ = unsigned(vcpus_.size());
  threads_.reserve(vcpus_.size());
  // Threads wait on threads_ready_ so that stop() never sees a half-built threads_ vector.
  for (unsigned i = 0; i < vcpus_.size(); ++i) threads_.emplace_back([this, i] { vcpu_main(i); });
  threads_ready_.store(true);
  threads_ready_.notify_all();
}

void domain::stop(domain_state why) {
  {
    std::lock_guard lock(result_mutex_);
    if (result_.state == domain_state::running) result_.state = why;
  }
  stop_requested_.store(true);
  stop_requested_.notify_all();
  if (!threads_ready_.load()) return;
  // api.rst 5 "immediate_exit": a vCPU about to enter KVM_RUN returns at once; one inside it is
  // kicked out by the signal (KVM_RUN returns EINTR), even if the guest spins at CPL3 forever.
  // Joined threads are skipped: their pthread_t is no longer valid.
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    vcpus_[i].set_immediate_exit(true);
    if (threads_[i].joinable()) pthread_kill(threads_[i].native_handle(), SIGUSR1);
  }
}

void domain::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

// pin=CPU: vCPU `index` runs on host CPU (CPU + index) mod the host's CPUs. Where a sender's exit
// wakes a halted receiver, unpinned threads may share a CPU and the wake-up preempts the sender
// (hmx-bench --pin measures both). A failure is reported, not fatal.
void domain::pin_thread(unsigned index) {
  const unsigned cpu = (*config_.pin_cpu + index) % host_cpus();
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0)
    console_.monitor_message(name(),
                             fmt::format("vCPU {}: cannot pin to host CPU {}: {}", index, cpu, std::strerror(rc)));
}

domain_result domain::result() const {
  std::lock_guard lock(result_mutex_);
  return result_;
}

void domain::finish(domain_result r) {
  {
    std::lock_guard lock(result_mutex_);
    if (result_.state == domain_state::running) result_ = std::move(r);
  }
  stop(domain_state::failed);  // state already final: only stops the vCPUs
}

void domain::vcpu_main(unsigned index) {
  threads_ready_.wait(false);
  if (config_.pin_cpu) pin_thread(index);
  kvm_vcpu& vcpu = vcpus_[index];
  try {
    while (!stop_requested_.load()) {
      if (!vcpu.run()) continue;  // interrupted: re-check the stop flag
      handle_exit(index, vcpu);
    }
  } catch (const std::exception& e) {
    std::string message = fmt::format("vCPU {}: {}", index, e.what());
    console_.monitor_message(name(), "host error: " + message);
    finish({domain_state::failed, 0, message});
  }
  if (running_threads_.fetch_sub(1) == 1) {
    finished_at_ = std::chrono::steady_clock::now();
    serial_.flush_all();
    if (hooks_.on_stopped) {
      try {
        hooks_.on_stopped(*this);
      } catch (const std::exception& e) {
        console_.monitor_message(name(), std::string("host error while stopping: ") + e.what());
        finish({domain_state::failed, 0, e.what()});
      }
    }
    if (on_finished_) on_finished_(*this);
  }
}

}  // namespace hmx::kvm
