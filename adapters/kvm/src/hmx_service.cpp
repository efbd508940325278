// SPDX-License-Identifier: Apache-2.0
// The HMX service: domains, hooks and teardown (hmx_service.h). Statistics: service_stats.cpp.
#include "hmx/kvm/hmx_service.h"

#include <fmt/format.h>

#include <stdexcept>

#include <hmx/abi/hmx.h>

#include "hmx/kvm/hmx_cpuid.h"
#include "hmx/kvm/monitor.h"

namespace hmx::kvm {

namespace {
constexpr const char* kServiceName = "hmx";  // prefix of the service's own console lines
}  // namespace

std::string domain_directory(const std::vector<std::pair<std::string, ref::DomainId>>& domains) {
  std::string out;
  for (const auto& [name, id] : domains) out += fmt::format("{}{}:{}", out.empty() ? "" : ",", name, id);
  return out;
}

hmx_service::hmx_service(console& out) : console_(out), core_(policy_), target_(core_) {
  block_.base = HMX_MSR_DEFAULT_BASE;  // HMX-DISC-003
  // Exposures (spec exposures): the MSR conduit carries expose, fetch, deposit and revoke, and the
  // core copies between the two domains' memory slots, so EXPOSE is advertised (HMX-XPOSE-013).
  core_.offer_exposures(true);
  // Interrupt moderation (spec event-idx): the core decides, msi_injector delivers.
  core_.offer_event_idx(true);
  // hmx-kvm serves submit through its MSR conduit: the drain runs in the exit (spec submit-queue,
  // HMX-ASYNC-030).
  core_.offer_submit_queue(true);
  block_.features = core_.features();
  // Denials go to the console like every other monitor message (HMX-MAC-006; the policy
  // rate-limits them).
  policy_.set_logger([this](std::string_view message) { console_.monitor_message(kServiceName, message); });
}

hmx_service::~hmx_service() { remove_all_domains(); }

void hmx_service::remove_all_domains() {
  for (auto& d : domains_) {
    set_submit_polling(*d, std::nullopt);  // the worker ends before its domain does
    if (d->in_core.exchange(false)) core_.destroy_domain(d->id);
  }
}

void hmx_service::set_submit_polling(service_domain& d, std::optional<uint32_t> idle_us) {
  if (idle_us && (d.core_notifier_override != nullptr || !d.notifier))
    throw std::invalid_argument("domain " + d.name + ": sqpoll= needs the HMX notifier (abi=hmx or both)");
  std::lock_guard lock(d.poller_mu);
  if (d.poller) {
    d.notifier->set_submit_poller(nullptr);  // no doorbell reaches the old worker any more
    d.poller->stop();
    d.sqpoll_entries += d.poller->entries();
    d.sqpoll_sleeps += d.poller->sleeps();
    d.sqpoll_wakeups += d.poller->wakeups();
    d.poller.reset();
  }
  if (!idle_us || !d.in_core.load()) return;
  d.poller = std::make_unique<submit_poller>(core_, d.id, std::chrono::microseconds(*idle_us));
  d.notifier->set_submit_poller(d.poller.get());
}

bool hmx_service::load_policy_file(const std::string& path, std::string* error) {
  return policy_.load_file(path, error);
}

bool hmx_service::load_policy_text(std::string_view text, std::string* error) {
  return policy_.load_text(text, error);
}

domain_hooks hmx_service::hooks_for(service_domain& d) {
  hmx_cpuid_params p;
  p.domain_id = d.id;
  p.mechanisms = kKvmMechanisms;
  p.features = block_.features;
  p.max_batch = core_.max_batch();
  p.msr_base = block_.base;
  p.msr_count = HMX_MSR_COUNT;
  domain_hooks hooks;
  // VERSION.ECX is the executing vCPU's index (HMX-DISC-004): one table per vCPU.
  hooks.vcpu_cpuid = [p](unsigned vcpu) { return hmx_cpuid_leaves(p, vcpu); };
  hooks.msr_exits = msr_range{block_.base, HMX_MSR_COUNT};
  hooks.on_msr = [this, &d](domain&, msr_access& a) { return on_msr(d, a); };
  hooks.on_stopped = [this, &d](domain&) { on_stopped(d); };
  return hooks;
}

void hmx_service::add_domains(monitor& mon, std::vector<domain_config> configs, const hook_customizer& customize) {
  if (!domains_.empty()) throw std::logic_error("hmx_service::add_domains called twice");
  if (configs.size() >= HMX_DOMID_SELF_ASSIGNED_LIMIT) throw std::invalid_argument("too many domains");
  // Ids first: every guest learns all its peers' ids from its command line.
  std::vector<std::pair<std::string, ref::DomainId>> directory;
  for (std::size_t i = 0; i < configs.size(); ++i)
    directory.emplace_back(configs[i].name, static_cast<ref::DomainId>(i + 1));
  for (std::size_t i = 0; i < hosted_names_.size(); ++i) {
    for (const auto& [name, id] : directory)
      if (name == hosted_names_[i]) throw std::invalid_argument("duplicate domain name '" + name + "'");
    directory.emplace_back(hosted_names_[i], static_cast<ref::DomainId>(configs.size() + i + 1));
  }
  if (directory.size() >= HMX_DOMID_SELF_ASSIGNED_LIMIT) throw std::invalid_argument("too many domains");
  const std::string peers = domain_directory(directory);

  for (std::size_t i = 0; i < configs.size(); ++i) {
    auto d = std::make_unique<service_domain>();
    d->id = directory[i].second;
    d->name = configs[i].name;
    d->abi = configs[i].abi;
    domain_config config = std::move(configs[i]);
    const std::optional<uint32_t> sqpoll = config.sqpoll_idle_us;
    config.service_params = fmt::format("domid={} name={} domains={}", d->id, d->name, peers);
    domain_hooks hooks = hooks_for(*d);
    if (customize) customize(*d, hooks);
    domains_.push_back(std::move(d));
    service_domain& sd = *domains_.back();
    try {
      sd.vm = &mon.add_domain(std::move(config), std::move(hooks));
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("domain {}: {}", sd.name, e.what()));
    }
    sd.memory = std::make_unique<core_guest_memory>(sd.vm->memory());
    sd.notifier = std::make_unique<core_notifier>(*sd.vm);
    // A new domain starts with no rings, masked vectors and no event page (HMX-DOM-004).
    ref::Notifier& notifier = sd.core_notifier_override ? *sd.core_notifier_override : *sd.notifier;
    int rc = core_.create_domain(sd.id, sd.name, *sd.memory, sd.vm->vcpu_count(), notifier);
    if (rc != 0)
      throw std::runtime_error(fmt::format("HMX core refused domain {} (id {}): error {}", sd.name, sd.id, rc));
    sd.in_core = true;
    if (sqpoll) set_submit_polling(sd, sqpoll);  // sqpoll=IDLE_US (HMX-ASYNC-041)
  }
}

bool hmx_service::on_msr(service_domain& d, msr_access& a) {
  switch (dispatch_hmx_msr(target_, block_, d.id, *d.memory, a)) {
    case msr_outcome::done:
      if (a.index == block_.base + HMX_MSR_CALL)
        d.calls.fetch_add(1, std::memory_order_relaxed);
      else
        d.register_msrs.fetch_add(1, std::memory_order_relaxed);
      return true;
    case msr_outcome::gp:
    case msr_outcome::not_hmx:
      break;
  }
  d.refused.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void hmx_service::on_stopped(service_domain& d) {
  // The VM is gone for good (exit, crash, time limit): tear its HMX state down so peers see it
  // vanish (HMX-DOM-001/002). Waits for calls in flight; afterwards the core never touches its
  // memory, which stays mapped until the monitor destroys the domain.
  set_submit_polling(d, std::nullopt);  // the worker stops first: it never outlives the domain
  if (!d.in_core.exchange(false)) return;
  const uint32_t rings = core_.ring_count(d.id);
  core_.destroy_domain(d.id);
  console_.monitor_message(d.name, fmt::format("hmx: domain {} removed from the HMX core ({} ring{} torn down)",
                                               d.id, rings, rings == 1 ? "" : "s"));
}

std::vector<ref::DomainId> hmx_service::vm_ids() const {
  std::vector<ref::DomainId> ids;
  for (const auto& d : domains_) ids.push_back(d->id);
  return ids;
}

const service_domain* hmx_service::find(std::string_view name) const {
  for (const auto& d : domains_)
    if (d->name == name) return d.get();
  return nullptr;
}

}  // namespace hmx::kvm
