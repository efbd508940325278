// SPDX-License-Identifier: Apache-2.0
// Ring geometry and copies into a ring through its frame list (Xen docs/designs/argo.pandoc, ring protocol).
#include "ring.h"

#include <algorithm>
#include <atomic>

#include "hmx/reference/guest_memory.h"

namespace hmx::ref {
namespace {

// The header words live at the start of frame 0. Frames are 4 KiB aligned guest pages and the
// adapter maps them page-aligned, so these u32 accesses are naturally aligned (checked at
// registration, register.cpp).
std::atomic_ref<uint32_t> header_word(const Ring& ring, size_t offset) {
  return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(ring.pages[0] + offset));
}

}  // namespace

uint32_t ring_read_rx(const Ring& ring) {
  const uint64_t raw = header_word(ring, offsetof(hmx_ring_t, rx_ptr)).load(std::memory_order_acquire);
  const uint64_t rx = roundup_slot(raw);
  return rx >= ring.len ? 0 : static_cast<uint32_t>(rx);
}

uint32_t ring_read_rx_event(const Ring& ring) {
  // seq_cst, after the seq_cst store of tx_ptr in ring_publish_tx: the pair is the full barrier
  // of HMX-EVENT-050 (a fence would do too, but ThreadSanitizer does not model fences).
  return header_word(ring, offsetof(hmx_ring_t, rx_event)).load(std::memory_order_seq_cst);
}

uint32_t ring_read_guest_tx(const Ring& ring) {
  return header_word(ring, offsetof(hmx_ring_t, tx_ptr)).load(std::memory_order_acquire);
}

uint32_t ring_free_bytes(uint32_t len, uint32_t rx, uint32_t tx) {
  if (rx == tx) return len;
  return rx > tx ? rx - tx : len - tx + rx;
}

uint32_t ring_payload_space(uint32_t len, uint32_t rx, uint32_t tx) {
  const uint32_t sp = ring_free_bytes(len, rx, tx);
  return sp > kMsgHeader + kSlot ? sp - kMsgHeader - kSlot : 0;
}

uint32_t ring_copy_in(Ring& ring, uint32_t at, const std::byte* src, size_t n) {
  while (n > 0) {
    // Absolute byte within the frames: the data starts after the 64-byte header.
    const uint64_t abs = uint64_t{kRingHeader} + at;
    const size_t page = static_cast<size_t>(abs / kPageSize);
    const size_t in_page = static_cast<size_t>(abs % kPageSize);
    const size_t chunk = std::min<size_t>({n, kPageSize - in_page, size_t{ring.len} - at});
    copy_to_guest_bytes(ring.pages[page] + in_page, src, chunk);
    src += chunk;
    n -= chunk;
    at += static_cast<uint32_t>(chunk);
    if (at == ring.len) at = 0;
  }
  return at;
}

uint32_t ring_zero_fill(Ring& ring, uint32_t at, size_t n) {
  static constexpr std::byte kZeros[kSlot] = {};
  return ring_copy_in(ring, at, kZeros, n < kSlot ? n : kSlot);
}

void ring_publish_tx(Ring& ring, uint32_t tx) {
  ring.tx_ptr = tx;
  // seq_cst (at least release, HMX-RING-015): with the seq_cst load of rx_event that follows on a
  // moderated ring it orders store before load as a full barrier does (HMX-EVENT-050).
  header_word(ring, offsetof(hmx_ring_t, tx_ptr)).store(tx, std::memory_order_seq_cst);
}

void ring_publish_event_index(Ring& ring) {
  header_word(ring, offsetof(hmx_ring_t, event_index))
      .store(ring.event_index, std::memory_order_release);
}

}  // namespace hmx::ref
