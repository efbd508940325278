// SPDX-License-Identifier: Apache-2.0
// register_ring and unregister_ring (Xen argo.c register_ring; spec op-register-ring, op-unregister-ring).
// Each function evaluates its operation's error table top to bottom (HMX-MECH-008); the row
// numbers below are the table's.
#include "core_impl.h"

namespace hmx::ref {
namespace {

// tx_ptr at (re-)registration (HMX-RING-033 HMX-RING-034, Xen argo.c register_ring): keep the guest's value when it is a
// valid offset, else restart at the sanitized rx_ptr. Either way publish it; from now on the
// hypervisor's copy is authoritative and guest writes to the header's tx_ptr are ignored
// (HMX-RING-015). The event index goes into the header too (HMX-EVENT-020 HMX-EVENT-021).
void init_tx(Ring& ring) {
  uint32_t tx = ring_read_guest_tx(ring);
  if (tx % kSlot != 0 || tx >= ring.len) tx = ring_read_rx(ring);
  ring_publish_tx(ring, tx);
  ring_publish_event_index(ring);
}

// Map each listed frame separately: frames need not be contiguous. Returns false when one is not
// a writable RAM frame of the caller (row 15). Frames may repeat or overlap other rings, the
// event page or call blocks: that only scrambles the guest's own memory, never ours.
bool map_frames(Domain& self, const port::vector<uint64_t>& gfns, port::vector<std::byte*>& pages) {
  for (size_t i = 0; i < gfns.size(); ++i) {
    if (gfns[i] > (UINT64_MAX >> 12)) return false;  // gfn << 12 would overflow
    auto frame = self.mem.map(gfns[i] << 12, kPageSize);
    if (frame.size() != kPageSize) return false;
    pages[i] = frame.data();
  }
  // The header words are accessed atomically: the adapter must map frames 8-aligned.
  return !pages.empty() && reinterpret_cast<uintptr_t>(pages[0]) % 8 == 0;
}

}  // namespace

int64_t op_register_ring(CallCtx& ctx, uint64_t reg_gpa, uint64_t gfns_gpa, uint64_t npages64,
                         uint64_t flags64) {
  Domain& self = ctx.caller;
  // run_op has checked that npages and flags fit 32 bits. All four arguments are used.
  const auto npages = static_cast<uint32_t>(npages64);
  const auto flags = static_cast<uint32_t>(flags64);

  // 1-2. The frame list: bounded, then read once into hypervisor memory (HMX-SEC-002).
  if (npages > HMX_MAX_RING_PAGES) return err(HMX_EINVAL);
  port::vector<uint64_t> gfns;
  if (!port::resize(gfns, npages)) return err(HMX_ENOMEM);
  if (!self.mem.read_bytes(gfns_gpa, gfns.data(), uint64_t{npages} * sizeof(uint64_t))) {
    return err(HMX_EFAULT);
  }
  // 3. Flags. REGISTER_FLAG_NOTIFY_VCPU names the vCPU in bits 15:8 (feature RING_VCPU, always
  //    offered here); those bits without the flag are malformed (HMX-RING-024 HMX-RING-025 HMX-RING-026).
  if ((flags & ~HMX_REGISTER_FLAG_MASK) != 0) return err(HMX_EINVAL);
  // REGISTER_FLAG_EVENT_IDX only where the adapter offers EVENT_IDX (HMX-EVENT-040, HMX-EVENT-041).
  const bool event_idx = (flags & HMX_REGISTER_FLAG_EVENT_IDX) != 0;
  if (event_idx && !ctx.core.event_idx_offered.load(std::memory_order_relaxed)) return err(HMX_EINVAL);
  const uint32_t vcpu_field = (flags & HMX_REGISTER_FLAG_VCPU_MASK) >> HMX_REGISTER_FLAG_VCPU_SHIFT;
  const bool has_vcpu = (flags & HMX_REGISTER_FLAG_NOTIFY_VCPU) != 0;
  if ((!has_vcpu && vcpu_field != 0) || (has_vcpu && vcpu_field >= self.vcpus)) {
    return err(HMX_EINVAL);
  }
  // 4. The argument, read once.
  hmx_register_ring_t reg;
  if (!self.mem.read_once(reg_gpa, reg)) return err(HMX_EFAULT);
  // 5. Shape (HMX-RING-016 HMX-RING-017 HMX-RING-018 HMX-RING-019 HMX-RING-020 HMX-RING-021 HMX-RING-022 HMX-RING-023): length bounds (MAX_RING_LEN keeps npages <= 4096), slot multiple,
  //    the exact frame count, padding.
  if (reg.len < HMX_MIN_RING_LEN || reg.len > HMX_MAX_RING_LEN || reg.len % kSlot != 0 ||
      npages != ring_npages(reg.len) || reg.pad != 0) {
    return err(HMX_EINVAL);
  }
  // 6-8. Partner and policy (HMX-MAC-001, HMX-RING-027 HMX-RING-028 HMX-RING-029): the any-source hook (EPERM), or the
  //    partner must exist (ESRCH, no DOMID_SELF translation) and pass the single-source hook.
  Domain* partner = nullptr;
  if (reg.partner_id == HMX_DOMID_ANY) {
    if (int rc = ctx.core.check_register_any(self, reg.aport); rc != 0) return rc;
  } else {
    partner = ctx.core.find(reg.partner_id);
    if (partner == nullptr) return err(HMX_ESRCH);
    if (int rc = ctx.core.check_register_single(self, *partner, reg.aport); rc != 0) return rc;
  }
  // 9. Bookkeeping, allocated before any state changes (hosted: bad_alloc -> ENOMEM in run_op):
  //    the ring, its frame list and room for its space waits.
  if (!bookkeeping_allowed()) return err(HMX_ENOMEM);
  auto fresh = port::make_shared<Ring>(self.id, reg.aport, reg.partner_id);
  port::vector<std::byte*> pages;
  if (!fresh || !port::resize(pages, npages) || !port::reserve(fresh->pending, HMX_MAX_PENDING_PER_RING))
    return err(HMX_ENOMEM);
  // 10-11. HMX enabled for the caller and the partner.
  if (!self.enabled) return err(HMX_ENODEV);
  if (partner != nullptr && !partner->enabled) return err(HMX_ECONNREFUSED);
  // Row 15's verdict, computed outside the ring-table lock; reported in its place below.
  const bool frames_ok = map_frames(self, gfns, pages);

  port::unique_lock l2(self.rings_mu);
  // 12. The ring limit, counted before the lookup as Argo does (HMX-RING-004): at the limit even
  //     a re-registration is refused. A re-registration never counts twice (Xen argo.c register_ring).
  if (self.rings.size() >= HMX_MAX_RINGS_PER_DOMAIN) return err(HMX_ENOSPC);
  if (auto existing = self.find_ring_locked(reg.aport, reg.partner_id)) {
    // 13-14. Re-registration (HMX-RING-030 HMX-RING-031 HMX-RING-032): FAIL_EXIST or another length -> EEXIST.
    if ((flags & HMX_REGISTER_FLAG_FAIL_EXIST) != 0) return err(HMX_EEXIST);
    port::lock_guard l3(existing->mu);
    if (existing->len != reg.len) return err(HMX_EEXIST);
    // 15. Checked before anything changes: a failed attempt leaves the old ring intact
    //     (HMX-RING-007; Argo destroys it, Xen argo.c register_ring).
    if (!frames_ok) return err(HMX_EINVAL);
    // New frames and notification vCPU; the space waits, the event index and the count stay.
    existing->pages = std::move(pages);
    existing->notify_vcpu = vcpu_field;
    existing->event_idx = event_idx;  // this call's flags decide (HMX-EVENT-042)
    init_tx(*existing);
    return 0;
  }
  if (!frames_ok) return err(HMX_EINVAL);  // 15.
  uint32_t slot = 0;
  while (self.event_slots.test(slot)) ++slot;  // < 128: fewer than 128 rings hold slots
  {
    port::lock_guard l3(fresh->mu);
    fresh->len = reg.len;
    fresh->pages = std::move(pages);
    fresh->notify_vcpu = vcpu_field;
    fresh->event_idx = event_idx;
    fresh->event_index = slot;
    init_tx(*fresh);
  }
  // Room for MAX_RINGS_PER_DOMAIN entries was reserved with the domain: this cannot fail.
  port::emplace(self.rings, ring_key(reg.aport, reg.partner_id), std::move(fresh));
  self.event_slots.set(slot);
  return 0;
}

int64_t op_unregister_ring(CallCtx& ctx, uint64_t unreg_gpa, uint64_t arg2, uint64_t arg3,
                           uint64_t arg4) {
  Domain& self = ctx.caller;
  if ((arg2 | arg3 | arg4) != 0) return err(HMX_EINVAL);             // 1. unused arguments
  hmx_unregister_ring_t unreg;
  if (!self.mem.read_once(unreg_gpa, unreg)) return err(HMX_EFAULT);  // 2.
  if (unreg.pad != 0) return err(HMX_EINVAL);                         // 3.
  if (!self.enabled) return err(HMX_ENODEV);                          // 4.

  port::vector<PendingWaiter> discarded;
  {
    port::unique_lock l2(self.rings_mu);
    auto it = self.rings.find(ring_key(unreg.aport, unreg.partner_id));
    if (it == self.rings.end()) return err(HMX_ENOENT);               // 5.
    Ring& ring = *it->second;
    uint32_t slot;
    {
      // Waits for a copy in flight; afterwards no sender writes the frames (the ring is dead,
      // HMX-RING-035 HMX-RING-036) and no late event bit can land on a slot a new ring reuses.
      port::lock_guard l3(ring.mu);
      ring.dead = true;
      ring.pages.clear();
      discarded.swap(ring.pending);
      slot = ring.event_index;
    }
    self.rings.erase(it);
    self.event_slots.reset(slot);
  }
  // The discarded waiters hear of it as of available space: their retry sees the ring gone
  // (HMX-RING-010). Argo drops them silently.
  signal_discarded(ctx.core, discarded, DomainId{HMX_DOMID_ANY});
  return 0;
}

}  // namespace hmx::ref
