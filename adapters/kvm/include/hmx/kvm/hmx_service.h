/* SPDX-License-Identifier: Apache-2.0 */
// The HMX service of hmx-kvm: serves HMX to the KVM domains of one monitor through one reference
// core (docs/ARCHITECTURE.md "From spec data to report" 4, decision 8).
//
// Per domain it supplies the domain_hooks of the VM: the HMX CPUID leaves at the default base
// (per vCPU: VERSION carries the vCPU index), the MSR block at the default base routed to
// userspace, the MSR conduit (msr_dispatch.h) into the core, and the teardown of the domain in
// the core when its VM stops (HMX-DOM-001/002). Domains get ids 1, 2, 3... in the order given,
// and learn their id, name and their peers' ids from the guest command line (README.md "Guest
// command line"). The MAC policy starts empty (default deny between domains, docs/ARCHITECTURE.md
// decision 9) until a policy file is loaded.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <hmx/abi/hmx.h>
#include <hmx/reference/core.h>
#include <hmx/reference/policy.h>

#include "hmx/kvm/console.h"
#include "hmx/kvm/core_adapters.h"
#include "hmx/kvm/domain.h"
#include "hmx/kvm/msr_dispatch.h"
#include "hmx/kvm/submit_poller.h"

namespace hmx::kvm {

class monitor;

// Mechanisms hmx-kvm offers. Not x86_vmcall/x86_vmmcall: KVM handles VMCALL/VMMCALL in the kernel
// and forwards only KVM_HC_MAP_GPA_RANGE to userspace (spec "Why the MSR conduit is preferred").
inline constexpr uint32_t kKvmMechanisms = HMX_MECH_X86_MSR_BIT | HMX_MECH_X86_VECTOR_BIT;

// One domain as the service knows it.
struct service_domain {
  ref::DomainId id = 0;
  std::string name;
  domain* vm = nullptr;
  std::unique_ptr<core_guest_memory> memory;
  std::unique_ptr<core_notifier> notifier;
  // Set by a hook customizer when the core is to raise this domain's events through another
  // notifier (abi=xen: event channels instead of the HMX vector); it must outlive the domain.
  ref::Notifier* core_notifier_override = nullptr;
  guest_abi abi = guest_abi::hmx;
  std::atomic<bool> in_core{false};
  std::atomic<uint64_t> calls{0};          // CALL writes that ran a call
  std::atomic<uint64_t> register_msrs{0};  // VECTOR / EVENT_PAGE accesses served
  std::atomic<uint64_t> refused{0};        // accesses answered with #GP
  // The submission queue worker (sqpoll=, submit_poller.h), guarded by poller_mu.
  std::mutex poller_mu;
  std::unique_ptr<submit_poller> poller;
  // What the domain's stopped workers did: entries drained, times they slept and were woken.
  std::atomic<uint64_t> sqpoll_entries{0}, sqpoll_sleeps{0}, sqpoll_wakeups{0};
};

class hmx_service {
 public:
  // Lets a caller (hmx-bench) adjust a domain's hooks before its VM is created.
  using hook_customizer = std::function<void(service_domain&, domain_hooks&)>;

  explicit hmx_service(console& out);
  ~hmx_service();  // remove_all_domains()
  hmx_service(const hmx_service&) = delete;
  hmx_service& operator=(const hmx_service&) = delete;

  // Replace the MAC policy (adapters/reference/POLICY.md). On error the old rules stay and
  // *error names the file, line, column and rule.
  bool load_policy_file(const std::string& path, std::string* error);
  bool load_policy_text(std::string_view text, std::string* error);

  // Domains hosted in this process rather than in VMs (hosted_services.h): they get the ids after
  // the VMs' and appear in every guest's domains= list. Call before add_domains.
  void set_hosted_names(std::vector<std::string> names) { hosted_names_ = std::move(names); }
  // The first hosted domain's id (VM count + 1), and the VMs' ids.
  ref::DomainId first_hosted_id() const { return static_cast<ref::DomainId>(domains_.size() + 1); }
  std::vector<ref::DomainId> vm_ids() const;

  // Creates every domain, in order, with ids 1, 2, 3...: its VM in the monitor (throws like
  // monitor::add_domain) and its HMX domain in the core. Call once, before monitor::run.
  void add_domains(monitor& mon, std::vector<domain_config> configs, const hook_customizer& customize = {});
  // Tears down, in the core, every domain still there. Call it before the monitor (which owns
  // the domains' memory) is destroyed, if that happens first.
  void remove_all_domains();

  // Start (idle_us set: a new worker with that idle time) or stop (nullopt) the submission queue
  // worker of `d` (domain option sqpoll=; spec submit-queue-polling). Any thread; a stop joins
  // the worker and leaves the queue's SUBMIT_QUEUE_NEED_WAKEUP set. Throws std::invalid_argument
  // for a domain whose events go through another notifier (abi=xen): no doorbell reaches it.
  void set_submit_polling(service_domain& d, std::optional<uint32_t> idle_us);

  // The hooks of one domain (exposed for tests).
  domain_hooks hooks_for(service_domain& d);

  // Statistics as text lines (calls, operations, messages, bytes, interrupts, denials per hook
  // and domain pair, per-domain calls): what `hmx-kvm --stats` prints.
  std::vector<std::string> stats_lines() const;

  ref::Core& core() { return core_; }
  ref::Policy& policy() { return policy_; }
  const service_domain* find(std::string_view name) const;
  const std::vector<std::unique_ptr<service_domain>>& domains() const { return domains_; }

 private:
  bool on_msr(service_domain& d, msr_access& a);
  void on_stopped(service_domain& d);

  console& console_;
  ref::Policy policy_;
  ref::Core core_;
  core_msr_target target_;
  hmx_msr_block block_;
  std::vector<std::unique_ptr<service_domain>> domains_;
  std::vector<std::string> hosted_names_;
};

// Removes every domain from the service's core when it goes out of scope. Declare it right after
// the monitor whose domains the service added: the core must forget the domains before the monitor
// unmaps their memory, also when an exception unwinds.
class core_domains_guard {
 public:
  explicit core_domains_guard(hmx_service& service) : service_(service) {}
  ~core_domains_guard() { service_.remove_all_domains(); }
  core_domains_guard(const core_domains_guard&) = delete;
  core_domains_guard& operator=(const core_domains_guard&) = delete;

 private:
  hmx_service& service_;
};

// "alpha:1,beta:2": the domains= value of the guest command line.
std::string domain_directory(const std::vector<std::pair<std::string, ref::DomainId>>& domains);

}  // namespace hmx::kvm
