/* SPDX-License-Identifier: MIT */
// C++ conveniences over the generated ABI (<hmx/abi/hmx.h>, emitted by hmx-specgen from
// spec/hmx.textproto; never edited by hand). Every number comes from there; this header only
// derives helpers from it (ring geometry per Argo's NPAGES_RING / ROUNDUP_MESSAGE, Xen argo.c limits).
#pragma once

#include <cstddef>
#include <cstdint>

#include <hmx/abi/hmx.h>

namespace hmx {

using addr = hmx_addr_t;
using send_addr = hmx_send_addr_t;
using iov = hmx_iov_t;
using ring_header = hmx_ring_t;
using register_ring_args = hmx_register_ring_t;
using unregister_ring_args = hmx_unregister_ring_t;
using ring_data_ent = hmx_ring_data_ent_t;
using ring_data = hmx_ring_data_t;
using message_header = hmx_ring_message_header_t;
using call_block = hmx_call_block_t;
using event_page = hmx_event_page_t;

inline constexpr uint64_t page_size = HMX_PAGE_SIZE;
inline constexpr uint32_t page_shift = 12;
static_assert((1u << page_shift) == HMX_PAGE_SIZE, "frame numbers assume 4 KiB pages");

// A call block array (batch) keeps every entry CALL_BLOCK_ALIGN aligned only if the block size is
// a multiple of the alignment.
static_assert(sizeof(hmx_call_block_t) % HMX_CALL_BLOCK_ALIGN == 0);

// Round up to the message slot (16 bytes): messages and ring offsets are slot aligned.
[[nodiscard]] constexpr uint64_t roundup_slot(uint64_t n) noexcept {
  return (n + HMX_MSG_SLOT_SIZE - 1) & ~static_cast<uint64_t>(HMX_MSG_SLOT_SIZE - 1);
}

// Frames a ring of data length `len` spans, header included: ceil((len + 64) / 4096)
// (register_ring's npages argument).
[[nodiscard]] constexpr uint64_t ring_npages(uint64_t len) noexcept {
  return (len + HMX_RING_HEADER_SIZE + page_size - 1) / page_size;
}

// Bytes of memory a ring of data length `len` occupies (header + data).
[[nodiscard]] constexpr uint64_t ring_bytes(uint64_t len) noexcept {
  return HMX_RING_HEADER_SIZE + len;
}

// register_ring's length rule: a multiple of the slot size within [MIN_RING_LEN, MAX_RING_LEN].
[[nodiscard]] constexpr bool ring_len_valid(uint64_t len) noexcept {
  return len >= HMX_MIN_RING_LEN && len <= HMX_MAX_RING_LEN && len % HMX_MSG_SLOT_SIZE == 0;
}

// Largest payload a ring can ever take: one header and one always-free slot less than len
// (notify's max_message_size).
[[nodiscard]] constexpr uint32_t ring_max_message_size(uint32_t len) noexcept {
  return len > HMX_MESSAGE_HEADER_SIZE + HMX_MSG_SLOT_SIZE
             ? len - HMX_MESSAGE_HEADER_SIZE - HMX_MSG_SLOT_SIZE
             : 0;
}

[[nodiscard]] constexpr hmx_addr_t make_addr(uint32_t aport, uint16_t domain_id) noexcept {
  return hmx_addr_t{aport, domain_id, 0};
}

// The default sendv source: the caller, with port 0 (HMX_DOMID_ANY is replaced by the caller's
// id; Xen argo.c sendv).
inline constexpr hmx_addr_t any_source = {0, HMX_DOMID_ANY, 0};

[[nodiscard]] constexpr bool same_addr(const hmx_addr_t& a, const hmx_addr_t& b) noexcept {
  return a.aport == b.aport && a.domain_id == b.domain_id && a.pad == b.pad;
}

}  // namespace hmx
