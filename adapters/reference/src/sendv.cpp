// SPDX-License-Identifier: Apache-2.0
// sendv (Xen docs/designs/argo.pandoc, ring protocol, 2.5; spec op-sendv): one message, all or nothing, copied by the hypervisor
// from the sender's buffers into the destination ring.
#include <algorithm>

#include "core_impl.h"
#include "switches.h"

namespace hmx::ref {
namespace {

struct Piece {
  uint64_t gpa;
  uint32_t len;
};

// Copy guest [gpa, gpa + len) of the sender into the ring at `at`, in whatever host pieces the
// adapter maps. Returns false if a piece is not mappable (cannot happen after the contains()
// check unless the adapter's memory changed); the caller then publishes nothing.
bool copy_piece(GuestMemory& mem, const Piece& p, Ring& ring, uint32_t& at) {
  if (auto whole = mem.map(p.gpa, p.len); whole.size() == p.len) {
    at = ring_copy_in(ring, at, whole.data(), whole.size());
    return true;
  }
  uint64_t done = 0;
  while (done < p.len) {
    const uint64_t gpa = p.gpa + done;
    const uint64_t n = std::min<uint64_t>(p.len - done, kPageSize - (gpa & (kPageSize - 1)));
    auto part = mem.map(gpa, n);
    if (part.size() != n) return false;
    at = ring_copy_in(ring, at, part.data(), part.size());
    done += n;
  }
  return true;
}

// Queue (or refresh) the sender's space wait on a full ring. Requires ring.mu.
// HMX-SEND-012 HMX-SEND-013 HMX-SEND-014 / Xen argo.c sendv: one entry per domain, its len raised to the largest request;
// EAGAIN stays the answer unless MAX_PENDING_PER_RING other domains wait (EBUSY).
int64_t queue_waiter(Ring& ring, DomainId who, uint32_t vcpu, uint32_t len) {
  for (PendingWaiter& w : ring.pending) {
    if (w.domain == who) {
      w.len = std::max(w.len, len);
      w.vcpu = vcpu;
      return err(HMX_EAGAIN);
    }
  }
  if (ring.pending.size() >= HMX_MAX_PENDING_PER_RING) return err(HMX_EBUSY);
  // Room for MAX_PENDING_PER_RING waits was reserved at registration; hosted, bad_alloc ->
  // ENOMEM with nothing else changed.
  if (!bookkeeping_allowed() || !port::push_back(ring.pending, PendingWaiter{who, len, vcpu})) return err(HMX_ENOMEM);
  return err(HMX_EAGAIN);
}

}  // namespace

int64_t op_sendv(CallCtx& ctx, uint64_t addr_gpa, uint64_t iovs_gpa, uint64_t niov64,
                 uint64_t message_type64) {
  // Rows of the spec's sendv error table (HMX-MECH-008), which follows xen/common/argo.c.
  Domain& self = ctx.caller;
  const auto niov = static_cast<uint32_t>(niov64);  // run_op checked the width
  const auto message_type = static_cast<uint32_t>(message_type64);

  // 1-4. The arguments, each read once into hypervisor memory (HMX-SEC-002). The iov count is
  //      bounded before the array is read, so an absurd count costs nothing.
  hmx_send_addr_t addr;
  if (!self.mem.read_once(addr_gpa, addr)) return err(HMX_EFAULT);
  if (niov > HMX_MAXIOV) return err(HMX_EINVAL);
  hmx_iov_t iovs[HMX_MAXIOV];
  if (!self.mem.read_bytes(iovs_gpa, iovs, uint64_t{niov} * sizeof(hmx_iov_t))) {
    return err(HMX_EFAULT);
  }
  // The per-call byte budget (spec batching-budget, HMX-BATCH-007): an entry of a batch after the
  // first does not run when its payload bytes would take the call past CALL_BYTE_BUDGET. Judged
  // here, on the one copy of the iov array (rows 1-3 only read the arguments; nothing has run),
  // so a guest rewriting its iovs cannot pass one size to the budget and another to the copy.
  if (ctx.budget_applies) {
    uint64_t payload = 0;
    for (uint32_t i = 0; i < niov; ++i) payload += iovs[i].iov_len;
    if (ctx.copied + payload > HMX_CALL_BYTE_BUDGET) return kStoppedByBudget;
  }
  if (addr.src.pad != 0 || addr.dst.pad != 0) return err(HMX_EINVAL);

  // 5-7. Identity and permission: nobody sends on behalf of another domain (HMX-SEND-002), and
  //      the send hook runs before any byte is copied (HMX-MAC-002).
  if (addr.src.domain_id != HMX_DOMID_ANY && addr.src.domain_id != self.id &&
      detail::check_enabled(testing::check::sendv_source_domain))
    return err(HMX_EPERM);
  Domain* dst = ctx.core.find(addr.dst.domain_id);
  if (dst == nullptr) return err(HMX_ESRCH);
  if (int rc = ctx.core.check_send(self, *dst, addr.dst.aport); rc != 0) return rc;
  // 8-10. HMX on both ends, and the ring: for this sender, else the destination's wildcard ring
  //       on that port (HMX-RING-011).
  if (!self.enabled) return err(HMX_ENODEV);
  if (!dst->enabled) return err(HMX_ECONNREFUSED);
  auto ring = dst->match_ring(addr.dst.aport, self.id);
  if (!ring) return err(HMX_ECONNREFUSED);

  // 11. The iovs in order: padding and size (EINVAL), running sum (EMSGSIZE). Zero-length iovs
  //     are skipped unchecked. Lengths come from our copy only: a guest that rewrites its iov
  //     array now changes nothing. Row 14's verdict (every buffer in the caller's RAM) is computed
  //     here, outside the ring lock, and reported in its place.
  Piece pieces[HMX_MAXIOV];
  uint32_t npieces = 0;
  uint64_t total = 0;
  bool buffers_ok = true;
  for (uint32_t i = 0; i < niov; ++i) {
    if (iovs[i].pad != 0 || iovs[i].iov_len > HMX_MAX_MESSAGE_SIZE) return err(HMX_EINVAL);
    if (iovs[i].iov_len == 0) continue;
    total += iovs[i].iov_len;
    if (total > HMX_MAX_MESSAGE_SIZE) return err(HMX_EMSGSIZE);
    buffers_ok = buffers_ok && self.mem.contains(iovs[i].iov_hnd, iovs[i].iov_len);
    pieces[npieces++] = {iovs[i].iov_hnd, iovs[i].iov_len};
  }

  const uint64_t padded = roundup_slot(total);
  const uint64_t need = kMsgHeader + padded;  // header + padded payload
  uint32_t notify_vcpu;
  bool announce;
  {
    // Under the destination ring's lock only: space, copy, publish (LOCKING.md).
    port::lock_guard l3(ring->mu);
    if (ring->dead) return err(HMX_ECONNREFUSED);  // unregistered since the lookup
    // 12. Can never fit: one slot always stays free (HMX-SEND-023 HMX-SEND-024).
    if (ring->len <= need) return err(HMX_EMSGSIZE);
    // 13. Does not fit now (HMX-RING-013): queue a space wait.
    const uint32_t tx = ring->tx_ptr;
    if (ring_free_bytes(ring->len, ring_read_rx(*ring), tx) <= need) {
      ctx.core.stats.eagain.fetch_add(1, std::memory_order_relaxed);
      return queue_waiter(*ring, self.id, ctx.vcpu, static_cast<uint32_t>(total));
    }
    // 14. A buffer outside the caller's RAM.
    if (!buffers_ok) return err(HMX_EFAULT);
    // The space [tx, tx + need) is ours. The header never wraps (tx and len are slot multiples);
    // the payload may (HMX-RING-037 HMX-RING-038). The source is the real sender and the aport it named
    // (HMX-SEND-008).
    hmx_ring_message_header_t header{};
    header.len = static_cast<uint32_t>(total) + kMsgHeader;
    header.source.aport = addr.src.aport;
    header.source.domain_id = self.id;
    header.source.pad = 0;
    header.message_type = message_type;
    uint32_t at = ring_copy_in(*ring, tx, reinterpret_cast<const std::byte*>(&header),
                               sizeof(header));
    for (uint32_t i = 0; i < npieces; ++i) {
      // Cannot fail after the contains() check unless the adapter's memory changed; then nothing
      // is published: the bytes past tx stay invisible to the receiver (HMX-SEND-006).
      if (!copy_piece(self.mem, pieces[i], *ring, at)) return err(HMX_EFAULT);
    }
    ring_zero_fill(*ring, at, static_cast<size_t>(padded - total));
    // Publish with release: a receiver that sees the new tx_ptr sees the whole message
    // (HMX-RING-015), then the event bit (HMX-EVENT-022 HMX-EVENT-023).
    const auto new_tx = static_cast<uint32_t>((tx + need) % ring->len);
    ring_publish_tx(*ring, new_tx);
    announce = mark_ring_pending(*dst, ring->event_index);
    announce = moderate_announce(ctx.core, *ring, tx, new_tx, announce);  // spec event-idx
    notify_vcpu = ring->notify_vcpu;
  }
  ctx.copied += total;
  ctx.core.stats.messages.fetch_add(1, std::memory_order_relaxed);
  ctx.core.stats.bytes.fetch_add(total, std::memory_order_relaxed);
  // Argo raises VIRQ_ARGO on every successful send (Xen argo.c sendv); HMX injects the ring's vector,
  // skipped when the ring's event bit was already set (HMX-EVENT-008).
  if (announce) raise_vector(ctx, *dst, notify_vcpu);
  return static_cast<int64_t>(total);
}

}  // namespace hmx::ref
