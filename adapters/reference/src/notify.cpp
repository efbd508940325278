// SPDX-License-Identifier: Apache-2.0
// notify (Xen argo.c notify; spec op-notify): wake senders waiting for space in the caller's rings, and
// describe rings of others. Space-available signals and discarded waits.
#include <algorithm>

#include "core_impl.h"
#include "switches.h"

namespace hmx::ref {

void wake_space_waiters(CallCtx& ctx, Domain& owner) {
  port::vector<PendingWaiter> wakes;
  port::shared<Ring> rings[HMX_MAX_RINGS_PER_DOMAIN];
  const size_t nrings = owner.ring_list(rings);
  for (size_t i = 0; i < nrings; ++i) {
    const port::shared<Ring>& ring = rings[i];
    port::lock_guard l3(ring->mu);
    if (ring->dead || ring->pending.empty()) continue;
    const uint32_t space = ring_payload_space(ring->len, ring_read_rx(*ring), ring->tx_ptr);
    // A wait completes when its message would fit now: 16 + roundup16(len) < free bytes, i.e.
    // len <= payload space (HMX-NOTIFY-001). Every eligible waiter is woken, as in Argo (its
    // known thundering herd, Xen argo.c notify).
    // With no memory for the list a waiter is signalled at once, under this ring's lock
    // (signalling takes only the leaf lock of an event page).
    port::erase_if(ring->pending, [&](const PendingWaiter& w) {
      if (w.len > space) return false;
      if (!port::try_push_back(wakes, w)) {
        if (Domain* d = ctx.core.find(w.domain)) signal_space_available(ctx.core, *d, w.vcpu, ctx.deferred);
      }
      return true;
    });
  }
  // Signalled with no ring lock held; L1 (shared) keeps every waiter's domain alive.
  for (const PendingWaiter& w : wakes) {
    if (Domain* d = ctx.core.find(w.domain)) signal_space_available(ctx.core, *d, w.vcpu, ctx.deferred);
  }
}

void signal_discarded(CoreState& core, const port::vector<PendingWaiter>& waiters, DomainId skip) {
  for (const PendingWaiter& w : waiters) {
    if (w.domain == skip) continue;
    if (Domain* d = core.find(w.domain)) signal_space_available(core, *d, w.vcpu, nullptr);
  }
}

namespace {

// Describe one ring for the caller (HMX-NOTIFY-003/004). Returns the flags; sets max_message.
// Sets *out_of_memory (and describes nothing) when the caller's space wait found no memory.
uint16_t describe_ring(CallCtx& ctx, Ring& ring, uint32_t space_required, uint32_t& max_message,
                       bool* out_of_memory) {
  port::lock_guard l3(ring.mu);
  if (ring.dead) return 0;  // unregistered since the lookup: as if never found
  uint16_t flags = HMX_RING_EXISTS;
  if (ring.partner == HMX_DOMID_ANY) flags |= HMX_RING_SHARED;
  max_message = ring_max_message(ring.len);
  const uint32_t space = ring_payload_space(ring.len, ring_read_rx(ring), ring.tx_ptr);
  if (space_required > max_message) {
    flags |= HMX_RING_EMSGSIZE;  // can never fit: no wait
  } else if (space_required <= space) {
    flags |= HMX_RING_SUFFICIENT;
    port::erase_if(ring.pending, [&](const PendingWaiter& w) { return w.domain == ctx.caller.id; });
  } else {
    // Queue or raise the caller's wait, so it hears when space_required fits.
    auto it = std::find_if(ring.pending.begin(), ring.pending.end(),
                           [&](const PendingWaiter& w) { return w.domain == ctx.caller.id; });
    if (it != ring.pending.end()) {
      it->len = std::max(it->len, space_required);
      it->vcpu = ctx.vcpu;
    } else if (ring.pending.size() >= HMX_MAX_PENDING_PER_RING) {
      flags |= HMX_RING_EBUSY;
    } else if (!bookkeeping_allowed() ||
               !port::push_back(ring.pending, PendingWaiter{ctx.caller.id, space_required, ctx.vcpu})) {
      *out_of_memory = true;  // the list stops here with ENOMEM (hosted: bad_alloc in run_op)
      return 0;
    }
  }
  if (space == max_message) flags |= HMX_RING_EMPTY;  // rx == tx
  return flags;
}

}  // namespace

int64_t op_notify(CallCtx& ctx, uint64_t ring_data_gpa, uint64_t arg2, uint64_t arg3,
                  uint64_t arg4) {
  // Rows of the spec's notify error table (HMX-MECH-008).
  Domain& self = ctx.caller;
  if ((arg2 | arg3 | arg4) != 0) return err(HMX_EINVAL);  // 1. unused arguments
  if (!self.enabled) return err(HMX_ENODEV);              // 2.

  // 3. Always first: space that the caller's consumption freed (the hypervisor does not watch
  //    rx_ptr; HMX-NOTIFY-001).
  wake_space_waiters(ctx, self);
  if (ring_data_gpa == 0) return 0;

  hmx_ring_data_t head;
  if (!self.mem.read_once(ring_data_gpa, head)) return err(HMX_EFAULT);  // 4.
  if (head.nent > HMX_MAX_NOTIFY_COUNT && detail::check_enabled(testing::check::notify_entry_limit)) return err(HMX_EACCES);  // 5. Argo's code
  // 6. The entries, read once (HMX-SEC-002). Pad fields are not checked, as in Argo.
  const uint64_t ents_gpa = ring_data_gpa + offsetof(hmx_ring_data_t, data);
  port::vector<hmx_ring_data_ent_t> ents;
  if (!port::resize(ents, head.nent)) return err(HMX_ENOMEM);
  if (!self.mem.read_bytes(ents_gpa, ents.data(),
                           uint64_t{head.nent} * sizeof(hmx_ring_data_ent_t))) {
    return err(HMX_EFAULT);
  }

  // 7. The entries in order. Only flags and max_message_size are written back, and an entry with
  //    flags 0 keeps its max_message_size (HMX-NOTIFY-009 HMX-NOTIFY-010).
  for (uint32_t i = 0; i < head.nent; ++i) {
    const hmx_ring_data_ent_t& e = ents[i];
    uint16_t flags = 0;
    uint32_t max_message = 0;
    Domain* dst = ctx.core.find(e.ring.domain_id);
    if (dst != nullptr && dst->enabled) {
      // "Don't describe rings that cannot be sent to": a denial stops the list, leaving this
      // entry and the rest unwritten (HMX-MAC-002).
      if (int rc = ctx.core.check_send(self, *dst, e.ring.aport); rc != 0) return rc;
      if (auto ring = dst->match_ring(e.ring.aport, self.id)) {
        bool out_of_memory = false;
        flags = describe_ring(ctx, *ring, e.space_required, max_message, &out_of_memory);
        if (out_of_memory) return err(HMX_ENOMEM);
      }
    }
    const uint64_t at = ents_gpa + uint64_t{i} * sizeof(hmx_ring_data_ent_t);
    self.mem.write(at + offsetof(hmx_ring_data_ent_t, flags), flags);
    if (flags != 0) self.mem.write(at + offsetof(hmx_ring_data_ent_t, max_message_size), max_message);
  }
  return 0;
}

}  // namespace hmx::ref
