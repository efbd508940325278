// SPDX-License-Identifier: Apache-2.0
// abi=xen domains: the KVM side of Xen's guest ABI (xen_domains.h).
#include "xen_domains.h"

#include <fmt/format.h>

#include "hmx/kvm/domain.h"

namespace hmx::kvm::xen_abi {

namespace {
// public/sched.h SHUTDOWN_poweroff and SHUTDOWN_crash.
constexpr unsigned kShutdownPoweroff = 0;
constexpr unsigned kShutdownCrash = 3;
}  // namespace

struct xen_domains::xen_domain final : hmx::xen::guest_host {
  xen_domain(console& out, const domain_config& c, ref::DomainId id, ref::Core& core)
      : name(c.name), abi(core, id, c.vcpus, c.memory), console_lines(out, c.name, 1), out_(out) {}

  void console_write(std::string_view text) override {
    console_lines.write(0, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  }
  void shutdown(unsigned reason) override {
    // The vCPU that asked is the one whose hook runs: current_vcpu.
    if (reason == kShutdownCrash) {
      vm->crash_vcpu(current_vcpu, "the guest shut itself down with SHUTDOWN_crash (sched_op)");
      return;
    }
    out_.monitor_message(name, fmt::format("sched_op shutdown, reason {}", reason));
    vm->exit_with_status(reason == kShutdownPoweroff ? 0 : reason);
  }
  void inject(uint32_t vcpu, uint8_t vector) override { vm->inject_interrupt(vcpu, vector); }

  // abi=both: the core's events go to the HMX vector the guest set (if it did) and to VIRQ_ARGO.
  struct both_notifier final : ref::Notifier {
    explicit both_notifier(xen_domain& x) : x(x) {}
    void raise(ref::DomainId dom, uint32_t vcpu, uint8_t vector) override {
      if (vector != hmx::xen::guest_domain::kCoreVector && x.vm != nullptr) x.vm->inject_interrupt(vcpu, vector);
      x.abi.raise(dom, vcpu, vector);
    }
    xen_domain& x;
  };

  bool on_msr(msr_access& a) {
    // Xen's hypercall MSR (guest_wrmsr_xen): write-only, bits 11:0 the page index (one page).
    if (!a.write || a.index != kHypercallPageMsr || (a.value & 0xfff) != 0) return false;
    const std::span<std::byte> page = memory->map(a.value, 4096);
    if (page.empty()) return false;
    hmx::xen::write_hypercall_page(page, uint8_t(kHypercallPort));
    return true;
  }

  bool on_io(kvm_vcpu& vcpu, io_access& a) {
    if (a.port != kHypercallPort) return false;
    if (!a.out) {
      a.value = ~0u;
      return true;
    }
    kvm_regs regs = vcpu.get_regs();
    const kvm_sregs sregs = vcpu.get_sregs();
    hmx::xen::hypercall_args args;
    args.number = regs.rax;
    args.arg[0] = regs.rdi;
    args.arg[1] = regs.rsi;
    args.arg[2] = regs.rdx;
    args.arg[3] = regs.r10;
    args.arg[4] = regs.r8;
    current_vcpu = a.vcpu;
    regs.rax = uint64_t(abi.hypercall(a.vcpu, sregs.cs.selector & 3u, args));
    vcpu.set_regs(regs);
    return true;
  }

  std::string name;
  hmx::xen::guest_domain abi;
  serial_lines console_lines;
  console& out_;
  domain* vm = nullptr;
  ref::GuestMemory* memory = nullptr;
  both_notifier both{*this};
  static thread_local unsigned current_vcpu;
};

thread_local unsigned xen_domains::xen_domain::current_vcpu = 0;

xen_domains::xen_domains(const std::vector<domain_config>& configs, ref::Core& core, console& out)
    : core_(core), out_(out) {
  for (const auto& c : configs)
    if (c.abi != guest_abi::hmx) configs_.emplace(c.name, c);
}

xen_domains::~xen_domains() = default;

void xen_domains::customize(service_domain& d, domain_hooks& hooks) {
  const auto it = configs_.find(d.name);
  if (it == configs_.end()) return;
  const bool both = it->second.abi == guest_abi::both;
  domains_.push_back(std::make_unique<xen_domain>(out_, it->second, d.id, core_));
  xen_domain& x = *domains_.back();
  // What a Xen HVM/PVH guest sees: Xen's leaves, not HMX's; Xen's MSR, not the HMX block.
  // abi=both keeps HMX's leaves (at 0x40000f00, found by HMX's scan) beside Xen's at 0x40000000.
  auto hmx_leaves = both ? std::move(hooks.vcpu_cpuid) : nullptr;
  hooks.vcpu_cpuid = [id = d.id, hmx_leaves](unsigned vcpu) {
    std::vector<cpuid_leaf> leaves;
    if (hmx_leaves) leaves = hmx_leaves(vcpu);
    for (const auto& l : hmx::xen::cpuid_leaves(uint16_t(id), vcpu, kHypercallPageMsr))
      leaves.push_back({l.function, 0, false, l.eax, l.ebx, l.ecx, l.edx});
    return leaves;
  };
  if (both) {
    hooks.more_msr_exits = msr_range{kHypercallPageMsr, 1};
    hooks.on_msr = [&x, hmx_msr = std::move(hooks.on_msr)](domain& vm, msr_access& a) {
      return a.index == kHypercallPageMsr ? x.on_msr(a) : hmx_msr && hmx_msr(vm, a);
    };
  } else {
    hooks.msr_exits = msr_range{kHypercallPageMsr, 1};
    hooks.on_msr = [&x](domain&, msr_access& a) { return x.on_msr(a); };
  }
  hooks.on_io = [&x](domain&, kvm_vcpu& vcpu, io_access& a) { return x.on_io(vcpu, a); };
  auto stopped = std::move(hooks.on_stopped);
  hooks.on_stopped = [&x, stopped](domain& vm) {
    x.console_lines.flush_all();
    if (stopped) stopped(vm);
  };
  // The core raises this domain's ring events through its event channels (VIRQ_ARGO).
  d.core_notifier_override = both ? static_cast<ref::Notifier*>(&x.both) : &x.abi;
}

void xen_domains::attach(hmx_service& service) {
  for (auto& x : domains_) {
    const service_domain* d = service.find(x->name);
    if (d == nullptr || d->vm == nullptr || d->memory == nullptr) continue;
    x->vm = d->vm;
    x->memory = d->memory.get();
    x->abi.attach(*d->memory, *x);
    // The core calls a domain's notifier only for an unmasked vector register: unmask vCPU 0's
    // (rings notify vCPU 0) with a vector the guest never receives (guest_domain::raise injects
    // the guest's own upcall vector instead). With abi=both a guest that writes its HMX VECTOR
    // register takes the register over: its events then come as that vector and as VIRQ_ARGO,
    // and masking it stops both.
    core_.set_vector(d->id, 0, hmx::xen::guest_domain::kCoreVector);
  }
}

std::vector<std::string> xen_domains::stats_lines() const {
  std::vector<std::string> out;
  for (const auto& x : domains_)
    for (const auto& line : x->abi.stats_lines()) out.push_back(x->name + ": " + line);
  return out;
}

}  // namespace hmx::kvm::xen_abi
