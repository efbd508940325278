// SPDX-License-Identifier: Apache-2.0
// Domain creation and teardown (Xen argo.c argo_destroy), and table queries.
#include "core_impl.h"

namespace hmx::ref {

int Core::create_domain(DomainId id, std::string_view name, GuestMemory& memory, uint32_t vcpus,
                        Notifier& notifier, bool hmx_enabled, uint8_t vector_max, uint8_t vector_min) {
  // Ids from DOMID_SELF_ASSIGNED_LIMIT up are reserved (DOMID_ANY among them). The vCPU index
  // of REGISTER_FLAG_NOTIFY_VCPU has 8 bits, so 256 vCPUs at most. Names are what the policy
  // matches, so they must be unique and must not look like a pattern.
  if (id >= HMX_DOMID_SELF_ASSIGNED_LIMIT || vcpus == 0 ||
      vcpus > (HMX_REGISTER_FLAG_VCPU_MASK >> HMX_REGISTER_FLAG_VCPU_SHIFT) + 1 || name.empty() ||
      name.find('*') != std::string_view::npos || vector_min < HMX_ARM_PPI_MIN || vector_min > vector_max) {
    return static_cast<int>(err(HMX_EINVAL));
  }
  port::unique_lock l1(st_->table_mu);
  if (st_->find(id) != nullptr) return static_cast<int>(err(HMX_EEXIST));
  for (const auto& [other_id, other] : st_->domains) {
    if (std::string_view(other->name) == name) return static_cast<int>(err(HMX_EEXIST));
  }
  auto d = port::make_unique<Domain>(id, memory, vcpus, notifier, hmx_enabled, vector_min, vector_max);
  if (!d || !d->init(name) || !port::emplace(st_->domains, id, std::move(d))) return static_cast<int>(err(HMX_ENOMEM));
  return 0;
}

namespace {

// A ring's snapshot. Requires ring.mu.
RingInfo snapshot(const Ring& ring) {
  RingInfo info;
  info.owner = ring.owner;
  info.aport = ring.aport;
  info.partner = ring.partner;
  info.len = ring.len;
  info.npages = static_cast<uint32_t>(ring.pages.size());
  info.tx_ptr = ring.tx_ptr;
  info.notify_vcpu = ring.notify_vcpu;
  info.event_index = ring.event_index;
  info.pending = static_cast<uint32_t>(ring.pending.size());
  return info;
}

// Marks a ring dead so that nobody writes its frames again, and hands back its space waits (to
// be signalled, HMX-RING-010) and its event index (to be freed). With L1 exclusive no operation
// is in flight; L3 is still taken so the state change is ordered for every later reader. With no
// memory left for the list, the waiters (other than `skip`) are signalled at once instead.
uint32_t kill_ring(CoreState& core, Ring& ring, port::vector<PendingWaiter>& discarded, DomainId skip) {
  port::lock_guard l3(ring.mu);
  ring.dead = true;
  ring.pages.clear();
  if (!port::try_append(discarded, ring.pending)) signal_discarded(core, ring.pending, skip);
  ring.pending.clear();
  return ring.event_index;
}

}  // namespace

int Core::destroy_domain(DomainId id) {
  // Exclusive L1: waits for every call in flight (of any domain) to finish, and implies every
  // lower lock, so the cross-domain walk below needs no ordering logic (Xen argo.c locking).
  port::unique_lock l1(st_->table_mu);
  auto it = st_->domains.find(id);
  if (it == st_->domains.end()) return static_cast<int>(err(HMX_ESRCH));
  Domain& dying = *it->second;
  port::vector<PendingWaiter> discarded;

  // 1. Its own rings and their space waits (Argo's domain_rings_remove_all; HMX-DOM-005 HMX-DOM-006).
  {
    port::unique_lock l2(dying.rings_mu);
    for (auto& [key, ring] : dying.rings) kill_ring(*st_, *ring, discarded, id);
    dying.rings.clear();
    dying.event_slots.reset();
  }
  // 2. Rings other domains registered naming it as partner (partner_rings_remove; the owners are
  //    not notified, as in Argo), and 3. its space waits on the remaining rings
  //    (wildcard_rings_pending_remove) (HMX-DOM-007 HMX-DOM-008).
  for (auto& [other_id, other] : st_->domains) {
    if (other_id == id) continue;
    end_exposures_naming(*other, id);  // exposures naming it as peer (HMX-XPOSE-034)
    port::unique_lock l2(other->rings_mu);
    for (auto r = other->rings.begin(); r != other->rings.end();) {
      Ring& ring = *r->second;
      if (ring.partner == id) {
        other->event_slots.reset(kill_ring(*st_, ring, discarded, id));
        r = other->rings.erase(r);
        continue;
      }
      {
        port::lock_guard l3(ring.mu);
        port::erase_if(ring.pending, [id](const PendingWaiter& w) { return w.domain == id; });
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
  port::shared_lock l1(st_->table_mu);
  return st_->find(id) != nullptr;
}

std::optional<RingInfo> Core::ring_info(DomainId owner, uint32_t aport, DomainId partner) const {
  port::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(owner);
  if (d == nullptr) return std::nullopt;
  port::shared<Ring> ring;
  {
    port::shared_lock l2(d->rings_mu);
    ring = d->find_ring_locked(aport, partner);
  }
  if (!ring) return std::nullopt;
  port::lock_guard l3(ring->mu);
  if (ring->dead) return std::nullopt;
  return snapshot(*ring);
}

void Core::visit_rings(DomainId owner, RingFrameVisitor fn, void* ctx) const {
  port::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(owner);
  if (d == nullptr) return;
  port::shared<Ring> list[HMX_MAX_RINGS_PER_DOMAIN];
  const size_t n = d->ring_list(list);
  for (size_t i = 0; i < n; ++i) {
    port::lock_guard l3(list[i]->mu);
    if (list[i]->dead) continue;
    fn(ctx, snapshot(*list[i]), list[i]->pages.data(), static_cast<uint32_t>(list[i]->pages.size()));
  }
}

uint32_t Core::ring_count(DomainId owner) const {
  port::shared_lock l1(st_->table_mu);
  Domain* d = st_->find(owner);
  if (d == nullptr) return 0;
  port::shared_lock l2(d->rings_mu);
  return static_cast<uint32_t>(d->rings.size());
}

}  // namespace hmx::ref
