// SPDX-License-Identifier: Apache-2.0
// `hmx-kvm --stats`: the core's counters, per-domain conduit counters and the policy's denial
// counts per hook and domain pair (HMX-MAC-005: counts available to the host administrator).
#include <fmt/format.h>

#include "hmx/kvm/hmx_service.h"

namespace hmx::kvm {

std::vector<std::string> hmx_service::stats_lines() const {
  std::vector<std::string> lines;
  const ref::CoreStats s = core_.stats();
  lines.push_back(fmt::format("stats: core: {} calls, {} operations, {} batches, {} messages, {} bytes, "
                              "{} EAGAIN, {} space wake-ups, {} interrupts, {} skipped by rx_event, {} denials, "
                              "{} errors",
                              s.calls, s.ops, s.batches, s.messages, s.bytes, s.eagain, s.wakeups, s.interrupts,
                              s.interrupts_moderated, s.denials, s.errors));
  for (const auto& d : domains_) {
    const uint64_t injections = d->notifier ? d->notifier->injections() : 0;
    lines.push_back(fmt::format("stats: domain {} (id {}): {} calls, {} VECTOR/EVENT_PAGE accesses, {} #GP, "
                                "{} interrupts injected ({:.1f} us each, {} refused)",
                                d->name, d->id, d->calls.load(), d->register_msrs.load(), d->refused.load(),
                                injections,
                                injections ? double(d->notifier->injection_ns()) / 1e3 / double(injections) : 0.0,
                                d->notifier ? d->notifier->failed() : 0));
    if (d->sqpoll_wakeups.load() != 0)
      lines.push_back(fmt::format("stats: domain {} (id {}): sqpoll worker drained {} entries, woken {} times, slept {} times",
                                  d->name, d->id, d->sqpoll_entries.load(), d->sqpoll_wakeups.load(),
                                  d->sqpoll_sleeps.load()));
  }
  const ref::Policy& policy = policy_;
  std::vector<ref::DenialCount> table = policy.denial_table();
  lines.push_back(fmt::format("stats: denials: {} total (SEND {}, REGISTER_SINGLE_SOURCE {}, REGISTER_ANY_SOURCE {})",
                              policy.denials(), policy.denials(ref::PolicyHook::kSend),
                              policy.denials(ref::PolicyHook::kRegisterSingleSource),
                              policy.denials(ref::PolicyHook::kRegisterAnySource)));
  for (const auto& c : table) {
    lines.push_back(fmt::format("stats: denied {} {} (id {}) -> {} (id {}): {}", ref::to_string(c.hook),
                                c.source_name, c.source, c.destination_name, c.destination, c.count));
  }
  return lines;
}

}  // namespace hmx::kvm
