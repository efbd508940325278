/* SPDX-License-Identifier: Apache-2.0 */
// A domain as the core keeps it (internal).
#pragma once

#include <atomic>
#include <bitset>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <hmx/abi/hmx.h>

#include "hmx/reference/guest_memory.h"
#include "hmx/reference/notifier.h"
#include "hmx/reference/types.h"
#include "ring.h"

namespace hmx::ref {

// Rings are keyed by (aport, partner), as Argo's ring_hash (Xen argo.c limits).
constexpr uint64_t ring_key(uint32_t aport, DomainId partner) {
  return (uint64_t{aport} << 16) | partner;
}

struct Domain {
  Domain(DomainId domain_id, std::string domain_name, GuestMemory& memory, uint32_t nvcpus,
         Notifier& notify, bool hmx_enabled)
      : id(domain_id), name(std::move(domain_name)), mem(memory), notifier(notify),
        vcpus(nvcpus), enabled(hmx_enabled), vectors(new std::atomic<uint64_t>[nvcpus]) {
    for (uint32_t v = 0; v < nvcpus; ++v) vectors[v].store(HMX_MSR_VECTOR_RESET);
  }

  const DomainId id;
  const std::string name;
  GuestMemory& mem;
  Notifier& notifier;
  const uint32_t vcpus;
  const bool enabled;  // HMX enabled for this domain (Argo: d->argo != NULL)

  // Registers (events.cpp). Lock-free: the adapter's MSR path and senders read them concurrently.
  std::unique_ptr<std::atomic<uint64_t>[]> vectors;       // VECTOR, per vCPU
  std::atomic<uint64_t> event_page_value{0};              // EVENT_PAGE as written
  std::atomic<std::byte*> event_page{nullptr};            // host view of the page when enabled
  // Leaf lock: bit setters hold it shared while they use `event_page`, set_event_page holds it
  // exclusively, so once a register write returns no bit lands in the old page (spec event-page).
  mutable std::shared_mutex event_mu;

  // L2: guards rings and event_slots. Shared for lookups, exclusive for register/unregister.
  mutable std::shared_mutex rings_mu;
  std::unordered_map<uint64_t, std::shared_ptr<Ring>> rings;
  std::bitset<HMX_MAX_RINGS_PER_DOMAIN> event_slots;  // event indices in use

  // Looks up exactly (aport, partner). Requires rings_mu (shared or exclusive).
  std::shared_ptr<Ring> find_ring_locked(uint32_t aport, DomainId partner) const {
    auto it = rings.find(ring_key(aport, partner));
    return it == rings.end() ? nullptr : it->second;
  }

  // sendv/notify matching (Xen argo.c sendv): the ring for this sender, else the wildcard ring.
  std::shared_ptr<Ring> match_ring(uint32_t aport, DomainId sender) const {
    std::shared_lock l2(rings_mu);
    if (auto r = find_ring_locked(aport, sender)) return r;
    return find_ring_locked(aport, HMX_DOMID_ANY);
  }

  // A stable list of this domain's rings (for notify's pending scan).
  std::vector<std::shared_ptr<Ring>> ring_list() const {
    std::shared_lock l2(rings_mu);
    std::vector<std::shared_ptr<Ring>> out;
    out.reserve(rings.size());
    for (const auto& [key, ring] : rings) out.push_back(ring);
    return out;
  }
};

}  // namespace hmx::ref
