/* SPDX-License-Identifier: Apache-2.0 */
// A domain as the core keeps it (internal).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include <hmx/abi/hmx.h>

#include "hmx/reference/guest_memory.h"
#include "hmx/reference/notifier.h"
#include "hmx/reference/types.h"
#include "port.h"
#include "exposure_table.h"
#include "ring.h"
#include "submit_queue.h"

namespace hmx::ref {

// Rings are keyed by (aport, partner), as Argo's ring_hash (Xen argo.c limits).
constexpr uint64_t ring_key(uint32_t aport, DomainId partner) {
  return (uint64_t{aport} << 16) | partner;
}

struct Domain {
  Domain(DomainId domain_id, GuestMemory& memory, uint32_t nvcpus, Notifier& notify, bool hmx_enabled,
         uint8_t min_vector, uint8_t max_vector)
      : id(domain_id), mem(memory), notifier(notify), vcpus(nvcpus), enabled(hmx_enabled),
        vector_min(min_vector), vector_max(max_vector) {}

  // The parts that allocate (create_domain answers ENOMEM when this is false): the name, the
  // vector registers at their reset value (HMX-DOM-004) and room for every ring.
  bool init(std::string_view domain_name) {
    if (!port::assign(name, domain_name) || !vectors.create(vcpus) ||
        !port::reserve(rings, HMX_MAX_RINGS_PER_DOMAIN))
      return false;
    for (uint32_t v = 0; v < vcpus; ++v) vectors[v].store(HMX_MSR_VECTOR_RESET);
    return true;
  }

  const DomainId id;
  port::string name;  // set once by init()
  GuestMemory& mem;
  Notifier& notifier;
  const uint32_t vcpus;
  const bool enabled;  // HMX enabled for this domain (Argo: d->argo != NULL)
  const uint8_t vector_min;  // lowest vector an unmasked VECTOR register may name (x86: 32, Arm: 16)
  const uint8_t vector_max;  // highest vector an unmasked VECTOR register may name (Arm: 22)

  // Registers (events.cpp). Lock-free: the adapter's MSR path and senders read them concurrently.
  port::array<std::atomic<uint64_t>> vectors;             // VECTOR, per vCPU
  std::atomic<uint64_t> event_page_value{0};              // EVENT_PAGE as written
  std::atomic<std::byte*> event_page{nullptr};            // host view of the page when enabled
  // Leaf lock: bit setters hold it shared while they use `event_page`, set_event_page holds it
  // exclusively, so once a register write returns no bit lands in the old page (spec event-page).
  mutable port::shared_mutex event_mu;

  // L2: guards rings and event_slots. Shared for lookups, exclusive for register/unregister.
  mutable port::shared_mutex rings_mu;
  port::map<uint64_t, port::shared<Ring>> rings;
  port::bitset<HMX_MAX_RINGS_PER_DOMAIN> event_slots;  // event indices in use

  // The submission queue (submit_queue.cpp). submit_mu serializes drains and (re)registration;
  // taken under L1, before any L2/L3 (LOCKING.md).
  mutable port::mutex submit_mu;
  SubmitQueue submit;
  // A host worker polls this domain's queue (Core::submit_poll_begin .. submit_poll_end): the
  // flags word of every queue registered meanwhile says so (HMX-ASYNC-037). Guarded by submit_mu.
  bool submit_polled = false;

  // The exposures this domain made (exposure.cpp, spec exposures); locks of their own (LOCKING.md).
  ExposureTable exposures;

  // Looks up exactly (aport, partner). Requires rings_mu (shared or exclusive).
  port::shared<Ring> find_ring_locked(uint32_t aport, DomainId partner) const {
    auto it = rings.find(ring_key(aport, partner));
    return it == rings.end() ? nullptr : it->second;
  }

  // sendv/notify matching (Xen argo.c sendv): the ring for this sender, else the wildcard ring.
  port::shared<Ring> match_ring(uint32_t aport, DomainId sender) const {
    port::shared_lock l2(rings_mu);
    if (auto r = find_ring_locked(aport, sender)) return r;
    return find_ring_locked(aport, HMX_DOMID_ANY);
  }

  // A stable list of this domain's rings (for notify's pending scan), at most
  // MAX_RINGS_PER_DOMAIN; returns how many.
  size_t ring_list(port::shared<Ring> (&out)[HMX_MAX_RINGS_PER_DOMAIN]) const {
    port::shared_lock l2(rings_mu);
    size_t n = 0;
    for (const auto& [key, ring] : rings)
      if (n < HMX_MAX_RINGS_PER_DOMAIN) out[n++] = ring;
    return n;
  }
};

}  // namespace hmx::ref
