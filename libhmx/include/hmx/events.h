/* SPDX-License-Identifier: MIT */
// Event-page and vector helpers (docs/ARCHITECTURE.md decision 5: notifications by vector, with one pending
// bit per ring, so a guest never scans all its rings).
//
// The hypervisor sets event-page bits with atomic OR after publishing a ring's tx_ptr; the guest
// clears them with atomic AND (spec struct event_page). A ring's bit number is the event_index
// the hypervisor wrote into its ring header at registration (feature EVENT_PAGE). The vector
// register has Hyper-V's SINT layout: vector bits 7:0, masked bit 16 (spec msrs VECTOR;
// Hyper-V TLFS SynIC SINTx).
#pragma once

#include <cstdint>

#include <hmx/abi.h>

namespace hmx {

inline constexpr uint32_t event_page_ring_bits =
    sizeof(hmx_event_page_t::ring_pending) * 8;  // 128 = MAX_RINGS_PER_DOMAIN

// Zero an event page: required before enabling it (HMX-EVENT-026 HMX-EVENT-027 HMX-EVENT-028 HMX-EVENT-029), so no stale bit survives.
inline void clear_event_page(hmx_event_page_t* page) noexcept {
  auto* b = reinterpret_cast<unsigned char*>(page);
  for (uint32_t i = 0; i < sizeof(hmx_event_page_t); ++i) b[i] = 0;
}

// Atomically clear ring `index`'s pending bit; true if it was set. Acquire: a set bit was
// published after the ring's tx_ptr, so reading the ring after this sees the message. Indices
// beyond the page's bitmap are never pending.
inline bool test_and_clear_ring_pending(hmx_event_page_t* page, uint32_t index) noexcept {
  if (index >= event_page_ring_bits) return false;
  const uint64_t bit = static_cast<uint64_t>(1) << (index % 64);
  const uint64_t old =
      __atomic_fetch_and(&page->ring_pending[index / 64], ~bit, __ATOMIC_ACQ_REL);
  return (old & bit) != 0;
}

// Take every pending ring bit and call f(index) for each one, lowest first; returns how many
// were pending. Bits are cleared with an atomic AND before f runs (HMX-EVENT-030 HMX-EVENT-031), so f should
// consume ring `index` until it is empty; a bit set again meanwhile is seen by the next call.
template <class F>
uint32_t take_ring_pending(hmx_event_page_t* page, F&& f) noexcept(noexcept(f(0u))) {
  uint32_t n = 0;
  for (uint32_t w = 0; w < event_page_ring_bits / 64; ++w) {
    uint64_t bits = __atomic_load_n(&page->ring_pending[w], __ATOMIC_RELAXED);
    if (bits == 0) continue;
    bits &= __atomic_fetch_and(&page->ring_pending[w], ~bits, __ATOMIC_ACQ_REL);
    while (bits != 0) {
      const uint32_t b = static_cast<uint32_t>(__builtin_ctzll(bits));
      bits &= bits - 1;
      ++n;
      f(w * 64 + b);
    }
  }
  return n;
}

// Atomically clear status bits (e.g. HMX_EVENT_SPACE_AVAILABLE); returns which of them were set.
inline uint64_t test_and_clear_status(hmx_event_page_t* page, uint64_t bits) noexcept {
  return __atomic_fetch_and(&page->status, ~bits, __ATOMIC_ACQ_REL) & bits;
}

// The ring's bit number in the event page, as the hypervisor wrote it at registration.
inline uint32_t ring_event_index(const hmx_ring_t* ring) noexcept {
  return __atomic_load_n(&ring->event_index, __ATOMIC_ACQUIRE);
}

// Vector register value (VECTOR MSR, set_vector): SINT layout.
struct vector_reg {
  uint8_t vector = 0;
  bool masked = true;
  bool reserved_bits = false;  // decode(): a bit outside VECTOR/MASKED was set

  [[nodiscard]] constexpr uint64_t encode() const noexcept {
    return (static_cast<uint64_t>(vector) & HMX_MSR_VECTOR_VECTOR_MASK)
               << HMX_MSR_VECTOR_VECTOR_SHIFT |
           (masked ? HMX_MSR_VECTOR_MASKED_MASK << HMX_MSR_VECTOR_MASKED_SHIFT : 0);
  }
  [[nodiscard]] static constexpr vector_reg decode(uint64_t v) noexcept {
    constexpr uint64_t known = HMX_MSR_VECTOR_VECTOR_MASK << HMX_MSR_VECTOR_VECTOR_SHIFT |
                               HMX_MSR_VECTOR_MASKED_MASK << HMX_MSR_VECTOR_MASKED_SHIFT;
    vector_reg r;
    r.vector =
        static_cast<uint8_t>(v >> HMX_MSR_VECTOR_VECTOR_SHIFT & HMX_MSR_VECTOR_VECTOR_MASK);
    r.masked = (v >> HMX_MSR_VECTOR_MASKED_SHIFT & HMX_MSR_VECTOR_MASKED_MASK) != 0;
    r.reserved_bits = (v & ~known) != 0;
    return r;
  }
  // Register reset value: masked, vector 0 (HMX_MSR_VECTOR_RESET).
  [[nodiscard]] static constexpr vector_reg reset() noexcept { return decode(HMX_MSR_VECTOR_RESET); }
  [[nodiscard]] static constexpr vector_reg unmasked(uint8_t vector) noexcept {
    return vector_reg{vector, false, false};
  }
  // An unmasked x86 register needs a vector >= VECTOR_MIN (0-31 are exceptions or reserved); no
  // reserved bits. (On Arm the vector is a PPI, ARM_PPI_MIN..ARM_PPI_MAX: HMX-EVENT-014 HMX-EVENT-015 HMX-EVENT-016.)
  [[nodiscard]] constexpr bool valid() const noexcept {
    return !reserved_bits && (masked || vector >= HMX_VECTOR_MIN);
  }
};

// EVENT_PAGE MSR / set_event_page value: the page's 4 KiB aligned GPA with ENABLE, or 0.
[[nodiscard]] constexpr uint64_t event_page_value(uint64_t page_gpa, bool enable) noexcept {
  return enable ? (page_gpa | HMX_MSR_EVENT_PAGE_ENABLE_MASK << HMX_MSR_EVENT_PAGE_ENABLE_SHIFT)
                : 0;
}

}  // namespace hmx
