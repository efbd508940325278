/* SPDX-License-Identifier: MIT */
// Interrupt moderation on the receiver's side (feature EVENT_IDX, spec event-idx): a ring
// registered with REGISTER_FLAG_EVENT_IDX gets an interrupt only for the message that covers the
// offset in its header's rx_event, as virtio's used_event does for a queue (virtio 1.2, 2.7.10).
//
// The receiver's loop: consume until empty, then arm_rx_event(); wait only when it returns true,
// otherwise consume again. arm_rx_event stores rx_event = rx_ptr and reads tx_ptr again, the two
// ordered as by a full barrier. The hypervisor does the mirror image (stores tx_ptr, reads rx_event),
// so at least one side sees the other's store: the receiver finds the message, or the hypervisor
// injects. Without the barrier both loads may miss (store buffering) and the receiver sleeps on a
// message that raised no interrupt.
#pragma once

#include <cstdint>

#include <hmx/abi.h>
#include <hmx/ring_reader.h>

namespace hmx {

// The register_ring flags that ask for moderation, or 0 when the hypervisor does not offer
// EVENT_IDX (HMX-EVENT-053: the flag is never set unless offered).
[[nodiscard]] constexpr uint32_t event_idx_register_flag(uint32_t features) noexcept {
  return (features & HMX_FEATURE_EVENT_IDX_BIT) != 0 ? HMX_REGISTER_FLAG_EVENT_IDX : 0u;
}

// Arm the ring for the next message before waiting: rx_event = rx_ptr (HMX-EVENT-054), then tx_ptr,
// both sequentially consistent (HMX-EVENT-055). True: the ring is
// still empty and the caller may wait for the interrupt. False: a message arrived meanwhile and
// the caller consumes instead of waiting (HMX-EVENT-056).
[[nodiscard]] inline bool arm_rx_event(hmx_ring_t* ring) noexcept {
  const uint32_t rx = __atomic_load_n(&ring->rx_ptr, __ATOMIC_RELAXED);
  // A seq_cst store and a seq_cst load: ordered as by a full barrier (XCHG on x86, STLR then LDAR
  // on Arm), and, unlike a fence, understood by ThreadSanitizer.
  __atomic_store_n(&ring->rx_event, rx, __ATOMIC_SEQ_CST);
  return __atomic_load_n(&ring->tx_ptr, __ATOMIC_SEQ_CST) == rx;
}
[[nodiscard]] inline bool arm_rx_event(const ring_reader& reader) noexcept {
  return arm_rx_event(reader.header());
}

// A polling receiver asks for no interrupt at all: the slot before rx_ptr, which the hypervisor
// cannot write while rx_ptr stays (one slot always stays free; HMX-EVENT-057). Arm again before
// waiting. No barrier is needed: a stale value costs at most one interrupt.
inline void suppress_rx_event(const ring_reader& reader) noexcept {
  hmx_ring_t* ring = reader.header();
  const uint32_t len = reader.len();
  if (ring == nullptr || len == 0) return;
  const uint32_t rx = __atomic_load_n(&ring->rx_ptr, __ATOMIC_RELAXED) % len;
  __atomic_store_n(&ring->rx_event, (rx + len - HMX_MSG_SLOT_SIZE) % len, __ATOMIC_RELAXED);
}

// Interrupts for every message again, without re-registering: any value not below len.
inline void rx_event_every_message(hmx_ring_t* ring) noexcept {
  __atomic_store_n(&ring->rx_event, 0xFFFFFFFFu, __ATOMIC_RELAXED);
}

}  // namespace hmx
