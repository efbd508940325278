// SPDX-License-Identifier: Apache-2.0
// Domain creation and teardown (Xen argo.c argo_destroy), and table queries.
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "core_impl.h"

namespace hmx::ref {

int Core::create_domain(DomainId id, std::string name, GuestMemory& memory, uint32_t vcpus,
                        Notifier& notifier, bool hmx_enabled) {
  // Ids from DOMID_SELF_ASSIGNED_LIMIT up are reserved (DOMID_ANY among them). The vCPU index
  // of REGISTER_FLAG_NOTIFY_VCPU has 8 bits, so 256 vCPUs at most. Names are what the policy
  // matches, so they must be unique and must not look like a pattern.
  if (id >= HMX_DOMID_SELF_ASSIGNED_LIMIT || vcpus == 0 ||
      vcpus > (HMX_REGISTER_FLAG_VCPU_MASK >> HMX_REGISTER_FLAG_VCPU_SHIFT) + 1 || name.empty() ||
      name.find('*') != std::string::npos) {
    return static_cast<int>(err(HMX_EINVAL));
  }
  std::unique_lock l1(st_->table_mu);
  if (st_->find(id) != nullptr) return static_cast<int>(err(HMX_EEXIST));
  for (const auto& [other_id, other] : st_->domains) {
    if (other->name == name) return static_cast<int>(err(HMX_EEXIST));
  }
  st_->domains.emplace(id, std::make_unique<Domain>(id, std::move(name), memory, vcpus, notifier, hmx_enabled));
  return 0;
}

namespace {

// Marks a ring dead so that nobody writes its frames again, and hands back its space waits (to
// be signalled, HMX-RING-010) and its event index (to be freed). With L1 exclusive no operation
// is in flight; L3 is still taken so the state change is ordered for every later reader.
uint32_t kill_ring(Ring& ring, std::vector<PendingWaiter>& discarded) {
  std::lock_guard l3(ring.mu);
  ring.dead = true;
  ring.pages.clear();
  discarded.insert(discarded.end(), ring.pending.begin(), ring.pending.end());
  ring.pending.clear();
  return ring.event_index;
}

}  // namespace

int Core::destroy_domain(DomainId id) {
  // Exclusive L1: waits for every call in flight (of any domain) to finish, and implies every
  // lower lock, so the cross-domain walk below needs no ordering logic (Xen argo.c locking).
  std::unique_lock l1(st_->table_mu);
  auto it = st_->domains.find(id);
  if (it == st_->domains.end()) return static_cast<int>(err(HMX_ESRCH));
  Domain& dying = *it->second;
  std::vector<PendingWaiter> discarded;

  // 1. Its own rings and their space waits (Argo's domain_rings_remove_all; HMX-DOM-001).
  {
    std::unique_lock l2(dying.rings_mu);
    for (auto& [key, ring] : dying.rings) kill_ring(*ring, discarded);
    dying.rings.clear();
    dying.event_slots.reset();
  }
  // 2. Rings other domains registered naming it as partner (partner_rings_remove; the owners are
  //    not notified, as in Argo), and 3. its space waits on the remaining rings
  //    (wildcard_rings_pending_remove) (HMX-DOM-002).
  for (auto& [other_id, other] : st_->domains) {
    if (other_id == id) continue;
    std::unique_lock l2(other->rings_mu);
    for (auto r = other->rings.begin(); r != other->rings.end();) {
      Ring& ring = *r->second;
      if (ring.partner == id) {
        other->event_slots.reset(kill_ring(ring, discarded));
        r = other->rings.erase(r);
        continue;
      }
      {
        std::lock_guard l3(ring.mu);
        std::erase_if(ring.pending, [id](const PendingWaiter& w) { return w.domain == id; });
      }
      ++r;
    }
  }
  // Waiters on the removed rings learn of it as of available space; their retry then answers
  // ECONNREFUSED or ESRCH (HMX-RING-010). The dying domain itself is not signalled.
  signal_discarded(*st_, discarded, id);
  st_->domains.erase(it);
  return 0;
}

bool Core::has_domain(DomainId id) const {
  std::shared_lock l1(st_->table_mu);
  return st_->find(id) != nullptr;
}

std::optional<RingInfo> Core::ring_info(DomainId owner, uint32_t aport, DomainId partner) const {
  std::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(owner);
  if (d == nullptr) return std::nullopt;
  std::shared_ptr<Ring> ring;
  {
    std::shared_lock l2(d->rings_mu);
    ring = d->find_ring_locked(aport, partner);
  }
  if (!ring) return std::nullopt;
  std::lock_guard l3(ring->mu);
  if (ring->dead) return std::nullopt;
  RingInfo info;
  info.owner = ring->owner;
  info.aport = ring->aport;
  info.partner = ring->partner;
  info.len = ring->len;
  info.npages = static_cast<uint32_t>(ring->pages.size());
  info.tx_ptr = ring->tx_ptr;
  info.notify_vcpu = ring->notify_vcpu;
  info.event_index = ring->event_index;
  info.pending = static_cast<uint32_t>(ring->pending.size());
  return info;
}

uint32_t Core::ring_count(DomainId owner) const {
  std::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(owner);
  if (d == nullptr) return 0;
  std::shared_lock l2(d->rings_mu);
  return static_cast<uint32_t>(d->rings.size());
}

}  // namespace hmx::ref
