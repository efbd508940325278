/* SPDX-License-Identifier: Apache-2.0 */
// A registered ring and its geometry (internal).
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi/hmx.h>

#include "hmx/reference/types.h"
#include "port.h"

namespace hmx::ref {

// One domain waiting for space in a ring (Xen argo.c sendv: "pending entry (src domain, len)"). It is
// signalled on its vCPU 0 (HMX-EVENT-007), whichever vCPU asked.
struct PendingWaiter {
  DomainId domain;
  uint32_t len;   // payload bytes it wants to send; raised to the largest request
  uint32_t vcpu;  // the vCPU whose call last queued or raised the wait: it is woken (HMX-EVENT-007)
};

// A ring registered by `owner`. Reached by other threads through a shared_ptr taken under the
// owner's ring-table lock (L2); everything mutable is guarded by `mu` (L3). A ring removed from
// its table is marked dead under L3 before the removal returns, so nobody writes to its frames
// afterwards (unregister: "the hypervisor stops writing to its frames before returning").
struct Ring {
  Ring(DomainId owner_id, uint32_t port, DomainId partner_id)
      : owner(owner_id), aport(port), partner(partner_id) {}

  const DomainId owner;
  const uint32_t aport;
  const DomainId partner;  // HMX_DOMID_ANY: wildcard ring

  port::mutex mu;  // L3
  // --- guarded by mu ---
  bool dead = false;
  uint32_t len = 0;          // ring data bytes, a multiple of 16 in [48, MAX_RING_LEN]
  uint32_t tx_ptr = 0;       // private copy; the guest's tx_ptr is output only (Xen argo.c register_ring)
  uint32_t notify_vcpu = 0;  // REGISTER_FLAG_NOTIFY_VCPU target, else 0
  uint32_t event_index = 0;  // bit in the owner's event page; fixed for the ring's lifetime
  bool event_idx = false;    // registered with REGISTER_FLAG_EVENT_IDX (HMX-EVENT-042)
  port::vector<std::byte*> pages;  // host address of each 4 KiB frame; page 0 holds the header
  port::vector<PendingWaiter> pending;  // room for MAX_PENDING_PER_RING reserved at registration
};

inline constexpr uint32_t kSlot = HMX_MSG_SLOT_SIZE;
inline constexpr uint32_t kMsgHeader = HMX_MESSAGE_HEADER_SIZE;
inline constexpr uint32_t kRingHeader = HMX_RING_HEADER_SIZE;
inline constexpr uint64_t kPageSize = HMX_PAGE_SIZE;

// roundup to MSG_SLOT_SIZE in 64-bit arithmetic, so no 32-bit guest value can wrap.
constexpr uint64_t roundup_slot(uint64_t x) { return (x + kSlot - 1) & ~uint64_t{kSlot - 1}; }

// NPAGES_RING(len) of Xen argo.c limits: frames covering the header and the data.
constexpr uint64_t ring_npages(uint64_t len) {
  return (roundup_slot(len) + kRingHeader + kPageSize - 1) / kPageSize;
}

// The receiver's rx_ptr, read atomically (acquire: the receiver has finished reading what it
// released) and sanitized because the guest is hostile (Xen docs/designs/argo.pandoc, ring protocol): rounded up to a slot, and a
// value at or beyond len becomes 0.
uint32_t ring_read_rx(const Ring& ring);

// Bytes between tx and rx, going forward from tx (Xen argo.c notify: rx == tx means empty, i.e. len).
uint32_t ring_free_bytes(uint32_t len, uint32_t rx, uint32_t tx);

// Payload bytes a message may carry now: free bytes less a header and the slot always kept free.
uint32_t ring_payload_space(uint32_t len, uint32_t rx, uint32_t tx);

// Largest payload the ring can ever take (Xen argo.c notify: len - 32).
constexpr uint32_t ring_max_message(uint32_t len) { return len - kMsgHeader - kSlot; }

// Copy n bytes into the ring data at offset `at` (< len), wrapping at len and crossing frames.
// Returns the offset after the last byte (wrapped).
uint32_t ring_copy_in(Ring& ring, uint32_t at, const std::byte* src, size_t n);
// Write n (< 16) zero bytes at `at`: the padding after a payload (HMX-SEC-004 allows it; the
// receiver then never sees stale bytes in a message's last slot).
uint32_t ring_zero_fill(Ring& ring, uint32_t at, size_t n);

// Store tx_ptr into the guest's header with release semantics: everything written before is
// visible to a receiver that loads tx_ptr with acquire (Xen public/argo.h structures: write_atomic + smp_wmb).
void ring_publish_tx(Ring& ring, uint32_t tx);

// Write the ring's event index into the header (HMX feature EVENT_PAGE; Argo's reserved bytes).
void ring_publish_event_index(Ring& ring);

// Whether a message that moved tx_ptr from old_tx to new_tx covers the receiver's rx_event: virtio's
// vring_need_event (virtio 1.2, 2.7.10) over byte offsets modulo len. Any 32-bit value is valid: one
// not below len asks for every message (HMX-EVENT-046, HMX-EVENT-047, HMX-EVENT-048).
constexpr bool ring_event_idx_covers(uint32_t len, uint32_t old_tx, uint32_t new_tx, uint32_t rx_event) {
  if (rx_event >= len) return true;
  const uint64_t moved = (uint64_t{new_tx} + len - old_tx) % len;
  const uint64_t to_event = (uint64_t{rx_event} + len - old_tx) % len;
  return to_event < moved;
}

// The receiver's rx_event as stored in its header, read once (relaxed: the caller fences).
uint32_t ring_read_rx_event(const Ring& ring);

// The guest's tx_ptr as stored in its header (read once at registration).
uint32_t ring_read_guest_tx(const Ring& ring);

}  // namespace hmx::ref
